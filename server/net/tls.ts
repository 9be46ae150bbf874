/**
 * HTTPS for the coordinator: a browser offers WebGPU only to a secure context, which a page from
 * another machine is only over HTTPS. Either the operator's certificate (`--tls-cert`/`--tls-key`),
 * or a self-signed one (`--tls-self-signed`) made with the selfsigned library for every name and
 * address the coordinator is reachable at, and kept in the run folder: a resumed run serves the same
 * certificate, so a browser whose user accepted it once does not ask again.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { ANY_HOST, externalAddresses } from './addresses.ts';
import { ConfigError } from '../../shared/config.ts';

export interface TlsFiles {
  /** PEM certificate (chain) and private key. */
  cert: string;
  key: string;
}

/** The files a self-signed certificate is kept in, in its folder. */
export const SELF_SIGNED_CERT = 'tls-cert.pem';
export const SELF_SIGNED_KEY = 'tls-key.pem';

/** A generated certificate stays valid this long. */
const VALID_DAYS = 365;
/** A kept certificate this close to its end is made anew. */
const RENEW_BEFORE_MS = 24 * 3600 * 1000;

/** Reads the operator's certificate and key; a missing, unreadable or non-PEM file is a ConfigError. */
export async function readTlsFiles(certFile: string, keyFile: string): Promise<TlsFiles> {
  const read = async (file: string, flag: string) => {
    const text = await readFile(file, 'utf8').catch((e: unknown) => {
      throw new ConfigError(`${flag} ${file}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!text.includes('-----BEGIN ')) throw new ConfigError(`${flag} ${file}: not a PEM file`);
    return text;
  };
  const files = { cert: await read(certFile, '--tls-cert'), key: await read(keyFile, '--tls-key') };
  try {
    new X509Certificate(files.cert);
  } catch (e) {
    throw new ConfigError(`--tls-cert ${certFile}: not a certificate: ${e instanceof Error ? e.message : String(e)}`);
  }
  return files;
}

/**
 * The names a self-signed certificate covers for a coordinator listening on `host`: localhost and
 * the loopback addresses, the listening address (for 0.0.0.0 or ::, the machine's hostname and
 * every external address), and the operator's `extra` names.
 */
export function selfSignedNames(host: string, extra: readonly string[] = []): string[] {
  const names = ['localhost', '127.0.0.1', '::1', ...extra];
  if (ANY_HOST.has(host)) names.push(hostname(), ...externalAddresses());
  else names.push(host.replace(/^\[(.*)\]$/, '$1'));
  return [...new Set(names)];
}

/** Whether `cert` names `name` (a DNS name or an IP address) and stays valid past tomorrow. */
function covers(cert: X509Certificate, name: string): boolean {
  return isIP(name) ? cert.checkIP(name) !== undefined : cert.checkHost(name, { wildcards: false }) !== undefined;
}

/**
 * The self-signed certificate kept in `dir` if it covers every one of `names` and is not about to
 * expire, else a new one for them (EC P-256, SHA-256, one year), written to `dir`. `made` says which.
 */
export async function selfSignedTls(dir: string, names: readonly string[]): Promise<TlsFiles & { made: boolean }> {
  const certPath = join(dir, SELF_SIGNED_CERT);
  const keyPath = join(dir, SELF_SIGNED_KEY);
  const kept = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]).catch(() => null);
  if (kept) {
    try {
      const cert = new X509Certificate(kept[0]);
      if (Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS && names.every((n) => covers(cert, n))) return { cert: kept[0], key: kept[1], made: false };
    } catch {
      // not a certificate any more: make a new one
    }
  }
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'tabswarm coordinator (self-signed)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: now,
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) ? { type: 7, ip: n } as const : { type: 2, value: n } as const)) },
    ],
  });
  await writeFile(keyPath, pems.private, { mode: 0o600 });
  await writeFile(certPath, pems.cert);
  return { cert: pems.cert, key: pems.private, made: true };
}

/**
 * The DNS names a certificate is for (its subjectAltName's, else its common name), wildcards left
 * out: the names its pages may be opened at.
 */
export function certificateDnsNames(certPem: string): string[] {
  const cert = new X509Certificate(certPem);
  const sans = (cert.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  const names = sans.length ? sans : cn && !cn.includes(' ') ? [cn] : [];
  return names.filter((n) => !n.includes('*'));
}
