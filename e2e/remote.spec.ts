/**
 * A volunteer on another machine, played on this one: Chromium resolves a made-up hostname,
 * tabswarm.test, to 127.0.0.1, so the worker page's origin is not a loopback one (the browser
 * treats http://localhost as secure, and would hide what a remote volunteer sees). Over HTTPS with
 * the coordinator's self-signed certificate the page is a secure context and has WebGPU; over
 * plain http it is not and trains on another backend. And `tabswarm workers`, the fleet for
 * another machine, joins, reopens a tab whose renderer is killed, and exits 0 on SIGTERM.
 */
import { test, expect } from '@playwright/test';
import { mkdtemp, readFile } from 'node:fs/promises';
import https from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { io } from 'socket.io-client';
import { CHROMIUM_ARGS, findChromium } from '../fleet/fleet.ts';
import { selfSignedTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY } from '../server/net/tls.ts';
import { WORKER_NAMESPACE } from '../shared/protocol.ts';
import { alive, descendants, freePort, outputSoFar, renderersUnder, tabswarmProcess, until, type TabswarmProcess } from './tabswarmProcess.ts';

const HOST = 'tabswarm.test';

/** A volunteer's browser on "another machine": tabswarm.test resolves to this one. */
function volunteerBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), args: [...CHROMIUM_ARGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`, ...extraArgs] });
}

/** The port a `tabswarm start` prints in its dashboard line. */
async function printedPort(run: TabswarmProcess, scheme: string): Promise<number> {
  const line = new RegExp(`dashboard: ${scheme}://${HOST.replace('.', '\\.')}:(\\d+)/`);
  await until(run, async () => line.test(outputSoFar(run)));
  return Number(line.exec(outputSoFar(run))![1]);
}

/** Updates this worker page says the coordinator accepted. */
async function accepted(page: Page): Promise<number> {
  return Number((await page.getByTestId('worker-updates').textContent())?.split('/')[0] ?? 0);
}

test('over HTTPS with a self-signed certificate a remote tab is a secure context with WebGPU, and trains with `tabswarm workers` until CartPole-v1 is solved', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-remote-'));
  const coordinator = tabswarmProcess([
    'start', '--tls-self-signed', '--tls-hostname', HOST, '--host', '127.0.0.1', '--port', '0', '--workers', '0', '--max-wall', '400', '--run-dir', runDir,
  ]);
  let browser: Browser | undefined;
  let workers: TabswarmProcess | undefined;
  try {
    const port = await printedPort(coordinator, 'https');
    browser = await volunteerBrowser(['--ignore-certificate-errors']);
    const page = await (await browser.newContext()).newPage();
    await page.goto(`https://${HOST}:${port}/worker.html`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    expect(await page.evaluate(() => 'gpu' in navigator)).toBe(true);
    expect(await page.evaluate(() => location.origin)).toBe(`https://${HOST}:${port}`);
    await expect.poll(() => accepted(page), { timeout: 180_000 }).toBeGreaterThan(0);

    // a second machine's fleet: a headless tab of `tabswarm workers`, which must accept the certificate too
    workers = tabswarmProcess(['workers', '--url', `https://127.0.0.1:${port}/worker.html`, '--tabs', '1', '--backend', 'cpu', '--ignore-certificate-errors']);
    await until(workers, async () => /tab 0: training/.test(outputSoFar(workers!)));
    const { code, out } = await coordinator.done;
    expect(out).toContain('SOLVED CartPole-v1: solved');
    expect(code).toBe(0);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { solved: boolean; workers: { accepted: number }[] };
    expect(summary.solved).toBe(true);
    expect(summary.workers).toHaveLength(2);
    for (const w of summary.workers) expect(w.accepted).toBeGreaterThan(0);
    // the certificate stays in the run folder, for the next start (a resume) to serve again
    expect(await readFile(join(runDir, 'tls-cert.pem'), 'utf8')).toContain('BEGIN CERTIFICATE');

    workers.child.kill('SIGTERM');
    const stopped = await workers.done;
    expect(stopped.signal).toBeNull();
    expect(stopped.code).toBe(0);
    expect(stopped.out).toContain('tabswarm workers: stopped');
  } finally {
    await browser?.close();
    coordinator.child.kill('SIGKILL');
    workers?.child.kill('SIGKILL');
  }
});

test('over plain http to a remote name the tab is not a secure context, trains on a backend other than WebGPU, and says why', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-remote-'));
  const port = await freePort();
  // The name volunteers use is not one of this machine's: the operator allows its origin.
  const coordinator = tabswarmProcess([
    'start', '--host', '127.0.0.1', '--port', String(port), '--allowed-origin', `http://${HOST}:${port}`, '--workers', '0', '--total-timesteps', '10000000',
    '--max-wall', '300', '--run-dir', runDir,
  ]);
  let browser: Browser | undefined;
  try {
    await until(coordinator, async () => outputSoFar(coordinator).includes('dashboard: http://localhost:'));
    browser = await volunteerBrowser();
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://${HOST}:${port}/worker.html`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    expect(await page.evaluate(() => 'gpu' in navigator)).toBe(false);
    await expect.poll(() => accepted(page), { timeout: 180_000 }).toBeGreaterThan(0);
    const backend = await page.getByTestId('worker-backend').textContent();
    expect(['wasm', 'webgl', 'cpu']).toContain(backend);
    // and the page says why
    await expect(page.getByTestId('worker-backend-why')).toContainText('WebGPU needs HTTPS (or localhost)');
    await expect(page.getByTestId('worker-backend-why')).toContainText(`http://${HOST}:${port} is not a secure context`);
  } finally {
    await browser?.close();
    coordinator.child.kill('SIGTERM');
    await coordinator.done;
  }
});

test('`tabswarm workers` joins with the token of its link, reopens a tab whose renderer dies, and exits 0 on SIGTERM', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-remote-'));
  const coordinator = tabswarmProcess([
    'start', '--port', '0', '--workers', '0', '--token', 's3cret', '--total-timesteps', '10000000', '--max-wall', '300', '--run-dir', runDir,
  ]);
  let workers: TabswarmProcess | undefined;
  try {
    await until(coordinator, async () => /contribute a tab: http:\/\/localhost:\d+\/worker\.html\?token=s3cret/.test(outputSoFar(coordinator)));
    const link = /contribute a tab: (\S+)/.exec(outputSoFar(coordinator))![1];
    workers = tabswarmProcess(['workers', '--url', link, '--tabs', '1', '--backend', 'cpu']);
    const w = workers;
    await until(w, async () => /tab 0: training \| backend cpu \| version \d+ .*updates [1-9]\d* \//.test(outputSoFar(w)));
    const renderers = renderersUnder(w.child.pid!);
    expect(renderers.length).toBeGreaterThan(0);
    for (const pid of renderers) process.kill(pid, 'SIGKILL'); // what an out-of-memory kill does to a tab
    await until(w, async () => /tab 0: training .*updates [1-9]\d* \/.*\| reopened 1x/.test(outputSoFar(w)));
    expect(outputSoFar(w)).toMatch(/\[tab 0\] page crashed/);

    // the browser and its processes (not crashpad's handler, which outlives a browser by design)
    const browserProcesses = descendants(w.child.pid!).filter((p) => !p.args.includes('crashpad')).map((p) => p.pid);
    w.child.kill('SIGTERM');
    const { code, signal, out } = await w.done;
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(out).toContain('tabswarm workers: stopped');
    expect(browserProcesses.filter(alive)).toEqual([]); // the browser closed with it
  } finally {
    workers?.child.kill('SIGKILL');
    coordinator.child.kill('SIGTERM');
    await coordinator.done;
  }
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { workers: { accepted: number }[] };
  // the reopened tab joined as a new worker and was accepted too
  expect(summary.workers.length).toBeGreaterThanOrEqual(2);
  expect(summary.workers.every((x) => x.accepted > 0)).toBe(true);
});

test('with --tls-cert and --tls-key it serves that certificate, pages and WebSocket alike, and prints the URLs of its names', async () => {
  const certDir = await mkdtemp(join(tmpdir(), 'tabswarm-remote-cert-'));
  const { cert } = await selfSignedTls(certDir, ['swarm.test']); // stands in for an authority's certificate for swarm.test
  const coordinator = tabswarmProcess([
    'start', '--tls-cert', join(certDir, SELF_SIGNED_CERT), '--tls-key', join(certDir, SELF_SIGNED_KEY), '--host', '127.0.0.1', '--port', '0', '--workers', '0',
    '--max-wall', '120', '--run-dir', await mkdtemp(join(tmpdir(), 'tabswarm-remote-')),
  ]);
  try {
    await until(coordinator, async () => /dashboard: https:\/\/swarm\.test:\d+\//.test(outputSoFar(coordinator)));
    const port = Number(/dashboard: https:\/\/swarm\.test:(\d+)\//.exec(outputSoFar(coordinator))![1]);
    expect(outputSoFar(coordinator)).toContain(`or: https://localhost:${port}/`);
    // a client that trusts this certificate and asks for swarm.test gets the worker page over TLS
    const page = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/worker.html', servername: 'swarm.test', ca: cert, headers: { host: `swarm.test:${port}` } }, (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      }).on('error', reject);
    });
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-testid="worker-state"');
    // the WebSocket too, and a page served under the certificate's name may open it (its origin is the coordinator's own)
    // (engine.io passes checkServerIdentity on to the TLS connection; its types leave it out)
    const options = {
      transports: ['websocket'], reconnection: false, ca: cert, extraHeaders: { origin: `https://swarm.test:${port}` },
      checkServerIdentity: (_host: string, peer: PeerCertificate) => checkServerIdentity('swarm.test', peer), // as if it had asked for swarm.test
    };
    const socket = io(`https://127.0.0.1:${port}${WORKER_NAMESPACE}`, options);
    try {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('connect_error', reject); });
      expect(socket.connected).toBe(true);
    } finally {
      socket.disconnect();
    }
  } finally {
    coordinator.child.kill('SIGTERM');
    await coordinator.done;
  }
});

test('`tabswarm workers` started before its coordinator loads the worker page again until the coordinator is up, then trains', async () => {
  const port = await freePort();
  const workers = tabswarmProcess(['workers', '--url', `http://127.0.0.1:${port}`, '--tabs', '1', '--backend', 'cpu']);
  let coordinator: TabswarmProcess | undefined;
  try {
    await until(workers, async () => /\[tab 0\] no worker page \(is http:\/\/127\.0\.0\.1:\d+ reachable\?\): loading it again/.test(outputSoFar(workers)));
    coordinator = tabswarmProcess(['start', '--port', String(port), '--workers', '0', '--total-timesteps', '10000000', '--max-wall', '120', '--run-dir', await mkdtemp(join(tmpdir(), 'tabswarm-remote-'))]);
    await until(workers, async () => /tab 0: training .*updates [1-9]/.test(outputSoFar(workers)));
  } finally {
    workers.child.kill('SIGTERM');
    expect((await workers.done).code).toBe(0);
    coordinator?.child.kill('SIGTERM');
    await coordinator?.done;
  }
});
