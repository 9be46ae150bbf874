import { describe, expect, it } from 'vitest';
import { networkInterfaces } from 'node:os';
import { externalAddresses, reachableOrigins, urlHost } from './addresses.ts';

const external = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => !a.internal);

describe('reachableOrigins', () => {
  it('a loopback host is printed as localhost', () => {
    expect(reachableOrigins('127.0.0.1', 3000, false)).toEqual(['http://localhost:3000']);
    expect(reachableOrigins('::1', 3000, true)).toEqual(['https://localhost:3000']);
  });

  it('0.0.0.0 gives one URL per external IPv4 address of this machine (localhost when it has none)', () => {
    const v4 = external.filter((a) => a.family === 'IPv4').map((a) => `https://${a.address}:8443`);
    expect(reachableOrigins('0.0.0.0', 8443, true)).toEqual(v4.length ? v4 : ['https://localhost:8443']);
  });

  it(':: adds the IPv6 addresses a URL can hold, in brackets, and never a link-local one', () => {
    const origins = reachableOrigins('::', 3000, false);
    for (const a of externalAddresses()) expect(origins).toContain(`http://${urlHost(a)}:3000`);
    expect(origins.some((o) => o.includes('[fe80:'))).toBe(false);
  });

  it('names come first (the ones a certificate is for), a specific address is printed as itself', () => {
    expect(reachableOrigins('192.0.2.7', 3000, true, ['swarm.example.org'])).toEqual(['https://swarm.example.org:3000', 'https://192.0.2.7:3000']);
    expect(reachableOrigins('127.0.0.1', 3000, true, ['localhost'])).toEqual(['https://localhost:3000']);
  });
});
