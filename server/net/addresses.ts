/**
 * The addresses other machines reach the coordinator at, for the URLs it prints and the names its
 * self-signed certificate covers. Listening on 0.0.0.0 (every IPv4 address) or :: (every address)
 * means each of the machine's network addresses; a loopback host means this machine only.
 */
import { networkInterfaces } from 'node:os';

export const ANY_HOST: ReadonlySet<string> = new Set(['0.0.0.0', '::', '']);
const LOOPBACK: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The machine's non-loopback addresses: IPv4 only for 0.0.0.0, IPv6 too (not link-local: a URL cannot hold its zone) otherwise. */
export function externalAddresses(ipv6 = true): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? [])
    .filter((a) => !a.internal && (a.family === 'IPv4' || (ipv6 && !a.address.toLowerCase().startsWith('fe80:'))))
    .map((a) => a.address));
}

/** `host` as a URL writes it: IPv6 addresses in brackets. */
export const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/**
 * The hosts to print for a coordinator listening on `host`: the extra `names` first (the names a
 * certificate was made for), then, for 0.0.0.0 or ::, each external address (localhost when the
 * machine has none), for a loopback address localhost, else `host` itself.
 */
export function reachableHosts(host: string, names: readonly string[] = []): string[] {
  let hosts: string[];
  if (ANY_HOST.has(host)) {
    hosts = externalAddresses(host !== '0.0.0.0');
    if (hosts.length === 0) hosts = ['localhost'];
  } else {
    hosts = [LOOPBACK.has(host) ? 'localhost' : host];
  }
  return [...new Set([...names, ...hosts])];
}

/** One origin (scheme://host:port) per reachable host; see reachableHosts. */
export function reachableOrigins(host: string, port: number, tls: boolean, names: readonly string[] = []): string[] {
  return reachableHosts(host, names).map((h) => `${tls ? 'https' : 'http'}://${urlHost(h)}:${port}`);
}
