/**
 * Which web pages may open a Socket.IO connection to the coordinator. A browser names the page
 * that opens a WebSocket in its Origin header; without a check, any site a volunteer visits could
 * join the run from their tab (or watch the dashboard). Allowed:
 *  - no Origin header: not a browser page (the Node workers, tests, tools), which could connect
 *    anyway;
 *  - pages on a loopback host (localhost, 127.0.0.1, [::1]), any port: they are served by this
 *    machine, such as the coordinator itself or the fleet's WAN relays, which serve the worker
 *    page under their own port. A remote site cannot put a loopback host in its pages' Origin,
 *    DNS rebinding included (the Origin keeps the site's own name);
 *  - the coordinator's own origins once it listens: http(s)://HOST:PORT for the host it listens
 *    on, or with 0.0.0.0 / :: every address of this machine and its hostname;
 *  - the origins the operator lists (CoordinatorOptions.allowedOrigins, `--allowed-origin`), e.g.
 *    the name volunteers reach the coordinator by behind a proxy: https://swarm.example.org.
 */
import { hostname, networkInterfaces } from 'node:os';
import { ANY_HOST, urlHost } from './addresses.ts';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `text` as an origin (scheme://host[:port]); throws on anything else. */
export function parseOrigin(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not an origin: ${JSON.stringify(text)} (expected e.g. https://swarm.example.org)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`not an http(s) origin: ${text}`);
  if (url.pathname !== '/' || url.search || url.hash || url.username) throw new Error(`an origin has no path, query or credentials: ${text}`);
  return url.origin;
}

export class OriginPolicy {
  private readonly allowed = new Set<string>();

  /** `extra`: the operator's origins (see the file's comment); throws on one that is not an origin. */
  constructor(extra: readonly string[] = []) {
    for (const o of extra) this.allowed.add(parseOrigin(o));
  }

  /**
   * Adds the coordinator's own origins once it listens on `host`:`port`, and those of the other
   * `names` it is reached by on that port (the DNS names of its TLS certificate).
   */
  listening(host: string, port: number, names: readonly string[] = []): void {
    const hosts = [...(ANY_HOST.has(host) ? [hostname(), ...localAddresses()] : [host]), ...names];
    for (const h of hosts) {
      const name = urlHost(h);
      for (const scheme of ['http', 'https']) {
        try {
          this.allowed.add(new URL(`${scheme}://${name}:${port}`).origin);
        } catch {
          // An address a URL cannot hold (an IPv6 zone): no page can have it as its origin either.
        }
      }
    }
  }

  /** Whether a connection whose request carries this Origin header may go on. */
  allows(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false; // "null" (sandboxed frames, file: pages) and garbage
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return LOOPBACK_HOSTS.has(url.hostname) || this.allowed.has(url.origin);
  }
}

function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
}
