import { describe, expect, it } from 'vitest';
import { clientAddress } from './clientAddress.ts';

describe('clientAddress', () => {
  it('an IPv4 address is itself, also IPv4-mapped', () => {
    expect(clientAddress('192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddress('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
  });

  it('an IPv6 address is its /64 prefix, however it is written', () => {
    const key = '2001:db8:a:b::/64';
    for (const ip of ['2001:db8:a:b::1', '2001:0db8:000a:000b:ffff:1:2:3', '2001:db8:a:b:1::', '2001:db8:a:b::10.0.0.1', '2001:db8:a:b::1%eth0']) {
      expect(clientAddress(ip), ip).toBe(key);
    }
    expect(clientAddress('2001:db8:a:c::1')).toBe('2001:db8:a:c::/64');
    expect(clientAddress('::1')).toBe('0:0:0:0::/64');
    expect(clientAddress('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('anything else is unknown', () => {
    for (const s of [undefined, '', 'localhost', '1.2.3', '2001:db8:::1']) expect(clientAddress(s)).toBe('unknown');
  });
});
