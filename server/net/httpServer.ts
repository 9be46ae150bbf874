/**
 * The coordinator's HTTP side: the built client (dashboard and worker pages) as static files, and
 * a few JSON routes (`/api/config`, `/api/status`, `/api/perf`). Socket.IO attaches to the same server.
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import sirv from 'sirv';

export interface HttpOptions {
  /** Built client (dist/client); served when present. */
  staticDir?: string;
  /**
   * Send COOP/COEP headers so pages are cross-origin isolated and tabs may run wasm with threads
   * (tfjs uses half the logical cores: on a 2-core machine that is 1, and the threaded build is slower).
   */
  crossOriginIsolation?: boolean;
  /** JSON routes by path: each returns the body to send. `query` is the request's search params. */
  routes: Record<string, (query: URLSearchParams) => unknown>;
}

export function createHttpServer(opts: HttpOptions): Server {
  const serveStatic = opts.staticDir && existsSync(opts.staticDir) ? sirv(opts.staticDir, { dev: false, etag: true }) : null;
  return createServer((req, res) => {
    if (opts.crossOriginIsolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = opts.routes[url.pathname];
    if (route) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(route(url.searchParams)));
      return;
    }
    if (url.pathname === '/worker') {
      res.writeHead(302, { location: `/worker.html${url.search}` });
      res.end();
      return;
    }
    if (serveStatic) return serveStatic(req, res, () => { res.writeHead(404); res.end('not found'); });
    res.writeHead(404);
    res.end('client not built: run `npm run build`');
  });
}
