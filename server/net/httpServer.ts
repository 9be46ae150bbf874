/**
 * The coordinator's HTTP side: the built client (dashboard and worker pages) as static files, and
 * a few routes: JSON ones (`/api/config`, `/api/status`, `/api/perf`) and text ones (`/metrics`,
 * `/api/history.csv`, `/api/history.jsonl`). Socket.IO attaches to the same server. With `tls` it is
 * an HTTPS server: pages, routes and WebSockets all go over TLS.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
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
  /**
   * Routes by path: each returns the body to send as JSON, or a TextReply, or a promise of either
   * (a Prometheus registry renders asynchronously). `query` is the request's search params.
   */
  routes: Record<string, (query: URLSearchParams) => unknown>;
  /** PEM certificate and key: serve HTTPS instead of HTTP (see tls.ts). */
  tls?: { cert: string; key: string };
}

export type WebServer = Server | HttpsServer;

/** A route's answer that is not JSON: a text body sent as is, with its content type and any further headers (e.g. Content-Disposition). */
export class TextReply {
  constructor(readonly contentType: string, readonly body: string, readonly headers: Readonly<Record<string, string>> = {}) {}
}

function send(res: ServerResponse, body: unknown): void {
  if (body instanceof TextReply) {
    res.writeHead(200, { ...body.headers, 'content-type': body.contentType });
    res.end(body.body);
  } else {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** A route that throws answers 500 instead of taking the coordinator down with it. */
function fail(res: ServerResponse, err: unknown): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`route failed: ${err instanceof Error ? err.message : String(err)}`);
}

export function createHttpServer(opts: HttpOptions): WebServer {
  const serveStatic = opts.staticDir && existsSync(opts.staticDir) ? sirv(opts.staticDir, { dev: false, etag: true }) : null;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (opts.crossOriginIsolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = opts.routes[url.pathname];
    if (route) {
      let body: unknown;
      try {
        body = route(url.searchParams);
      } catch (err) {
        return fail(res, err);
      }
      if (body instanceof Promise) body.then((b) => send(res, b), (err) => fail(res, err));
      else send(res, body);
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
  };
  return opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handle) : createServer(handle);
}
