/**
 * `npm run bench:backends`: per-backend throughput of a worker tab's two jobs in real headless
 * Chromium, and docs/perf/backends.md. Serves dist/client (with COOP/COEP, so the page is
 * cross-origin isolated and tfjs-backend-wasm may use its threaded binary), opens a fresh
 * /bench.html per backend and calls `window.tabswarmBench` there (client/bench/main.ts):
 *  - rollout env steps/s: RolloutCollector.collect on CartPole-v1, 64x64 MLP, per numEnvs;
 *  - gradient samples/s: Learner.gradient on a synthetic minibatch, per batch and MLP size.
 *
 *   npm run bench:backends -- --backends wasm,cpu,webgl,webgpu --out docs/perf/backends.md
 *   npm run bench:backends -- --quick --out /tmp/backends.md
 *   npm run bench:backends -- --no-isolation --backends wasm --out docs/perf/backends-no-isolation.md
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import sirv from 'sirv';
import { chromium, type Browser } from 'playwright';
import { BACKENDS, type Backend } from '../../shared/protocol.ts';
import { CHROMIUM_ARGS, findChromium } from '../fleet.ts';
import { list } from './runs.ts';
import type { BenchRequest, BenchResult, Measurement, TabswarmBench } from '../../client/bench/protocol.ts';

const opts = new Command()
  .description('Per-backend rollout and gradient throughput in headless Chromium (run `vite build` first, as the npm script does).')
  .option('--backends <list>', 'backends, in order', 'wasm,cpu,webgl,webgpu')
  .option('--out <file>', 'markdown report', 'docs/perf/backends.md')
  .option('--quick', 'tiny sizes and short timings, for development', false)
  .option('--no-isolation', 'serve without COOP/COEP: no crossOriginIsolated, so no SharedArrayBuffer and no wasm threads')
  .option('--dir <path>', 'built client to serve', 'dist/client')
  .option('--init-timeout-s <s>', 'give up on a backend whose setBackend has not settled after this long', '60')
  .option('--slow-ms <ms>', 'time budget of one measurement; larger sizes of a series are skipped once one takes longer', '10000')
  .option('--backend-timeout-s <s>', 'give up on a backend whose whole run takes longer', '420')
  .parse()
  .opts<{ backends: string; out: string; quick: boolean; isolation: boolean; dir: string; initTimeoutS: string; slowMs: string; backendTimeoutS: string }>();

function request(backend: Backend): BenchRequest {
  const slowMs = Number(opts.slowMs);
  const initTimeoutMs = Number(opts.initTimeoutS) * 1000;
  return opts.quick
    ? {
      backend, initTimeoutMs, numEnvs: [1, 16], rolloutMinSeconds: 0.1, rolloutMaxSteps: 1024, rolloutWarmup: 1, rolloutRepeats: 3,
      batches: [64, 256], hiddens: [[64, 64]], gradWarmup: 1, gradRepeats: 3, slowMs,
    }
    : {
      backend, initTimeoutMs, numEnvs: [1, 16, 64, 256], rolloutMinSeconds: 0.3, rolloutMaxSteps: 4096, rolloutWarmup: 1, rolloutRepeats: 3,
      batches: [64, 256, 1024, 4096], hiddens: [[64, 64], [256, 256]], gradWarmup: 2, gradRepeats: 5, slowMs,
    };
}

/** The built client over http://127.0.0.1 (a secure context, as WebGPU needs), optionally cross-origin isolated. */
async function serve(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  if (!existsSync(`${dir}/bench.html`)) throw new Error(`${dir}/bench.html missing: run \`npx vite build\` (npm run bench:backends does)`);
  const files = sirv(dir, { dev: false, etag: true });
  const server = createServer((req, res) => {
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    files(req, res, () => { res.writeHead(404); res.end('not found'); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

interface BackendRun {
  backend: Backend;
  result: BenchResult | null;
  /** Why there is no result, or what went wrong around it. */
  error?: string;
  /** Console errors, warnings about wasm/threads, page errors and crashes. */
  log: string[];
  wallS: number;
}

async function runBackend(browser: Browser, url: string, backend: Backend): Promise<BackendRun> {
  const t0 = performance.now();
  const log: string[] = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  const note = (line: string) => { log.push(line); console.error(`[${backend}] ${line}`); };
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' || (m.type() === 'warning' && /wasm|thread|pthread|SharedArrayBuffer|webgpu|webgl/i.test(text))) note(`console ${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('crash', () => note('page crashed'));
  await page.exposeFunction('tabswarmBenchReport', (line: string) => console.log(`[${backend}] ${line}`));
  let timer: NodeJS.Timeout | undefined;
  try {
    await page.goto(`${url}/bench.html`);
    await page.waitForFunction(() => 'tabswarmBench' in window, null, { timeout: 60_000 });
    const req = request(backend);
    const timeoutS = Number(opts.backendTimeoutS);
    const result = await Promise.race([
      page.evaluate((r) => (window as unknown as { tabswarmBench: TabswarmBench }).tabswarmBench(r), req),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no result within ${timeoutS} s (--backend-timeout-s)`)), timeoutS * 1000); }),
    ]);
    return { backend, result, error: result.error, log, wallS: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { backend, result: null, error: e instanceof Error ? e.message.split('\n')[0] : String(e), log, wallS: (performance.now() - t0) / 1000 };
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => undefined);
  }
}

// ---- markdown ----

function rate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

/** One table cell: the throughput, † when the budget cut the repeats short. */
function cell(m: Measurement | undefined, repeatsAsked: number): string {
  if (!m) return '-';
  if (m.status === 'ok') return `${rate(m.perS!)}${m.repeats! < repeatsAsked ? ' †' : ''}`;
  if (m.status === 'error') return `error: ${(m.error ?? '').replace(/\|/g, '/').slice(0, 80)}`;
  return m.status;
}

function table(header: string, sizes: number[], rows: { name: string; ms: (Measurement | undefined)[] }[], repeatsAsked: number): string[] {
  return [
    `| ${header} | ${sizes.join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.name} | ${r.ms.map((m) => cell(m, repeatsAsked)).join(' | ')} |`),
  ];
}

const yesNo = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'no');

function markdown(runs: BackendRun[], chromiumVersion: string, command: string, startLoad: number[]): string {
  const req = request('cpu');
  const ok = runs.filter((r) => r.result && !r.result.error);
  const name = (r: BackendRun) => r.backend;
  const webgpu = runs.find((r) => r.backend === 'webgpu')?.result?.adapter ?? '';
  const gpuNote = /swiftshader/i.test(webgpu) || webgpu === ''
    ? 'no GPU: webgpu is SwiftShader (Vulkan on the CPU), and so is webgl'
    : `webgpu adapter: ${webgpu}`;
  const isolation = opts.isolation ? 'served with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`' : 'served **without** COOP/COEP (`--no-isolation`)';
  const lines = [
    '# Backend throughput in headless Chromium',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Chromium ${chromiumVersion} headless, ${gpuNote}.`,
    `Load average at start: ${startLoad.map((x) => x.toFixed(2)).join(', ')} (other jobs may share the cores).`,
    `Command: \`${command}\``,
    '',
    `Pages from \`${opts.dir}\` ${isolation}; one fresh browser context (its own renderer process) per backend. Each`,
    'number is the median of timed calls after warm-up, on the tab\'s main thread, as a worker tab runs them.',
    '',
    '## Rollout: env steps/s',
    '',
    `\`RolloutCollector.collect\` on CartPole-v1 with a fresh 64x64 \`Learner\`: one batched inference (with readback) per step,`,
    'env stepping, truncation bootstraps and GAE, as in a real rollout. numSteps is chosen per cell so one collect',
    `lasts at least ${req.rolloutMinSeconds} s (at most ${req.rolloutMaxSteps} steps); warm-up ${req.rolloutWarmup}, median of ${req.rolloutRepeats}. Columns: numEnvs.`,
    '',
    ...table('backend \\ numEnvs', req.numEnvs, runs.map((r) => ({ name: name(r), ms: req.numEnvs.map((e) => r.result?.rollout.find((m) => m.size === e)) })), req.rolloutRepeats),
    '',
  ];
  for (const hidden of req.hiddens) {
    const numParams = ok[0]?.result?.gradient.find((g) => g.hidden.join() === hidden.join())?.numParams;
    lines.push(
      `## Gradient: samples/s, MLP ${hidden.join('x')}${numParams ? ` (${numParams.toLocaleString('en-US')} params)` : ''}`,
      '',
      `\`Learner.gradient\` on \`syntheticMinibatch\` (upload, forward, backward, one readback of the flat gradient); warm-up ${req.gradWarmup}, median of ${req.gradRepeats}. Columns: minibatch size.`,
      '',
      ...table('backend \\ batch', req.batches, runs.map((r) => ({ name: name(r), ms: req.batches.map((b) => r.result?.gradient.find((g) => g.hidden.join() === hidden.join())?.results.find((m) => m.size === b)) })), req.gradRepeats),
      '',
    );
  }
  lines.push(
    `† fewer timed repeats than asked: the measurement's ${Number(opts.slowMs) / 1000} s budget ran out. "skipped (too slow)": an`,
    `earlier, smaller size of the same series took over ${Number(opts.slowMs) / 1000} s (\`--slow-ms\`).`,
    '',
    '## Backends',
    '',
    '| backend | adapter | crossOriginIsolated | wasm SIMD | wasm threads supported | wasm thread count | wasm binary | tensors before | tensors after | run s |',
    '|---|---|---|---|---|---:|---|---:|---:|---:|',
  );
  for (const r of runs) {
    const x = r.result;
    const w = x?.wasm;
    lines.push(`| ${r.backend} | ${x?.adapter ?? '-'} | ${yesNo(x?.crossOriginIsolated)} | ${yesNo(w?.simd)} | ${yesNo(w?.multithread)} | ${w ? (w.threads ?? '-') : '-'} | ${w?.binary ?? '-'} | ${x?.tensorsBefore ?? '-'} | ${x?.tensorsAfter ?? '-'} | ${r.wallS.toFixed(0)} |`);
  }
  const errors = runs.filter((r) => r.error || r.log.length > 0);
  if (errors.length > 0) {
    lines.push('', '## Errors and console messages', '');
    for (const r of errors) {
      if (r.error) lines.push(`- ${r.backend}: ${r.error}`);
      for (const l of [...new Set(r.log)].slice(0, 10)) lines.push(`- ${r.backend}: \`${l.replace(/`/g, "'").slice(0, 300)}\``);
    }
  }
  lines.push('', '## Every measurement', '', '| backend | series | size | status | per s | median ms | repeats | numSteps | measurement s |', '|---|---|---:|---|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const rows: [string, Measurement][] = [
      ...(r.result?.rollout ?? []).map((m) => ['rollout 64x64, numEnvs', m] as [string, Measurement]),
      ...(r.result?.gradient ?? []).flatMap((g) => g.results.map((m) => [`gradient ${g.hidden.join('x')}, batch`, m] as [string, Measurement])),
    ];
    for (const [series, m] of rows) {
      lines.push(`| ${r.backend} | ${series} | ${m.size} | ${m.status}${m.error ? `: ${m.error.replace(/\|/g, '/').slice(0, 80)}` : ''} | ${m.perS !== undefined ? rate(m.perS) : '-'} | ${m.medianS !== undefined ? (m.medianS * 1000).toFixed(2) : '-'} | ${m.repeats ?? '-'} | ${m.numSteps ?? '-'} | ${m.elapsedS !== undefined ? m.elapsedS.toFixed(1) : '-'} |`);
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  const backends = list(opts.backends) as Backend[];
  for (const b of backends) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b}: use ${BACKENDS.join(', ')}`);
  const command = `npm run bench:backends -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const startLoad = loadavg();
  const { server, url } = await serve(opts.dir, opts.isolation);
  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
  const version = browser.version();
  console.log(`serving ${opts.dir} at ${url} (${opts.isolation ? 'COOP/COEP on' : 'no isolation headers'}); Chromium ${version}; ${opts.quick ? 'quick sizes' : 'full sizes'}`);
  const runs: BackendRun[] = [];
  try {
    for (const b of backends) {
      const r = await runBackend(browser, url, b);
      console.log(`[${b}] done in ${r.wallS.toFixed(1)} s${r.error ? `: ${r.error}` : ''}`);
      runs.push(r);
    }
  } finally {
    await browser.close();
    server.close();
  }
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, markdown(runs, version, command, startLoad));
  console.log(`wrote ${opts.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
