/**
 * The address a client is known by for limits and quarantine marks (connectionLimits.ts,
 * workers/addressMarks.ts): an IPv4 address as itself (also when it arrives IPv4-mapped, as
 * ::ffff:192.0.2.7), an IPv6 address by its /64 prefix. One IPv6 host is usually handed a whole
 * /64, so that counting by full address would let it open one identity per address of its prefix.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** `remote` (a socket's remoteAddress) as its key: see the file's comment; 'unknown' when missing or not an address. */
export function clientAddress(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const ip = remote.replace(/%.*$/, ''); // an IPv6 zone (fe80::1%eth0) names a local interface, not the host
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return 'unknown';
  return `${ipv6Groups(ip).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, without leading zeros ('::' expanded; a trailing dotted IPv4 part as two groups). */
function ipv6Groups(ip: string): string[] {
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  let text = ip;
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = ip.slice(0, dotted.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (s: string | undefined) => (s ? s.split(':') : []);
  const groups = tail === undefined ? part(head) : [...part(head), ...new Array<string>(8 - part(head).length - part(tail).length).fill('0'), ...part(tail)];
  return groups.map((g) => Number.parseInt(g, 16).toString(16));
}
