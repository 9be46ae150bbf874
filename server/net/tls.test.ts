/** HTTPS with a self-signed certificate: what it covers, that it is kept, and that a real TLS client accepts it for those names only. */
import { afterEach, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createHttpServer, type WebServer } from './httpServer.ts';
import { certificateDnsNames, readTlsFiles, selfSignedNames, selfSignedTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY } from './tls.ts';
import { ConfigError } from '../../shared/config.ts';

const servers: WebServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** GET `path` over TLS from 127.0.0.1:port as `servername`, trusting only `ca`: the status, or the TLS error's code. */
function get(port: number, servername: string, ca: string, path = '/api/ping'): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, servername, ca, headers: { host: servername } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.statusCode)));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end();
  });
}

describe('selfSignedTls', () => {
  it('covers localhost, the loopback addresses and the extra names, and an HTTPS server with it is trusted for those names only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabswarm-tls-'));
    const names = selfSignedNames('127.0.0.1', ['tabswarm.test']);
    expect(names).toEqual(['localhost', '127.0.0.1', '::1', 'tabswarm.test']);
    const tls = await selfSignedTls(dir, names);
    expect(tls.made).toBe(true);
    const cert = new X509Certificate(tls.cert);
    expect(cert.subjectAltName).toContain('DNS:tabswarm.test');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(certificateDnsNames(tls.cert)).toEqual(['localhost', 'tabswarm.test']);
    expect(await readFile(join(dir, SELF_SIGNED_CERT), 'utf8')).toBe(tls.cert);

    const server = createHttpServer({ tls, routes: { '/api/ping': () => ({ pong: true }) } });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    expect(await get(port, 'tabswarm.test', tls.cert)).toBe('200');
    expect(await get(port, 'localhost', tls.cert)).toBe('200');
    expect(await get(port, 'elsewhere.test', tls.cert)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('is kept while it covers the names asked for, and made anew when it does not', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabswarm-tls-'));
    const first = await selfSignedTls(dir, ['localhost', 'a.test']);
    const again = await selfSignedTls(dir, ['a.test']);
    expect(again).toEqual({ ...first, made: false });
    const wider = await selfSignedTls(dir, ['localhost', 'a.test', 'b.test']);
    expect(wider.made).toBe(true);
    expect(wider.cert).not.toBe(first.cert);
    await writeFile(join(dir, SELF_SIGNED_CERT), 'garbage');
    expect((await selfSignedTls(dir, ['a.test'])).made).toBe(true);
  });

  it('0.0.0.0 adds the machine\'s hostname and addresses', () => {
    const names = selfSignedNames('0.0.0.0');
    expect(names.slice(0, 3)).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(names.length).toBeGreaterThan(3);
  });
});

describe('readTlsFiles', () => {
  it('reads a certificate and key, and names the flag and file of a bad one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabswarm-tls-'));
    await selfSignedTls(dir, ['localhost']);
    const files = await readTlsFiles(join(dir, SELF_SIGNED_CERT), join(dir, SELF_SIGNED_KEY));
    expect(files.key).toContain('PRIVATE KEY');
    await expect(readTlsFiles(join(dir, 'missing.pem'), join(dir, SELF_SIGNED_KEY))).rejects.toThrow(/--tls-cert .*missing\.pem: cannot read/);
    await writeFile(join(dir, 'text.pem'), 'hello');
    await expect(readTlsFiles(join(dir, SELF_SIGNED_CERT), join(dir, 'text.pem'))).rejects.toThrow(ConfigError);
    await expect(readTlsFiles(join(dir, SELF_SIGNED_KEY), join(dir, SELF_SIGNED_KEY))).rejects.toThrow(/--tls-cert .*not a certificate/);
  });
});
