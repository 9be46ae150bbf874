/**
 * `npm run bench:backends`: per-backend throughput of a worker tab's two jobs in real headless
 * Chromium, written to docs/perf/backends.md. Serves the built client on 127.0.0.1 as the
 * coordinator does (without COOP/COEP; --isolation adds them, so the page is cross-origin isolated
 * and tfjs-backend-wasm picks its threaded binary), opens a fresh /bench.html per backend and calls `window.tabswarmBench` there
 * (bench/page/main.ts):
 *  - rollout env steps/s: RolloutCollector.collect on CartPole-v1, 64x64 MLP, per numEnvs;
 *  - gradient samples/s: Learner.gradient on a synthetic minibatch, per batch and MLP size.
 *
 *   npm run bench:backends                                   # all four backends, full sizes
 *   npm run bench:backends -- --quick --out /tmp/backends.md  # tiny sizes, for development
 *   npm run bench:backends -- --compare-isolation            # plus a wasm row with COOP/COEP
 *   npm run bench:backends -- --isolation --backends wasm     # everything with COOP/COEP
 *   npm run bench:backends -- --wasm-unminified              # plus a wasm row from an unminified build
 */
import { createServer, type Server } from 'node:http';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import sirv from 'sirv';
import { build } from 'vite';
import { chromium, type Browser } from 'playwright-core';
import { BACKENDS, type Backend } from '../shared/protocol.ts';
import { CHROMIUM_ARGS, findChromium } from '../fleet/fleet.ts';
import { list } from './runs.ts';
import type { BenchRequest, BenchResult, Measurement, TabswarmBench } from './page/protocol.ts';

const opts = new Command()
  .description('Per-backend rollout and gradient throughput in headless Chromium (build the client first, as the npm script does).')
  .option('--backends <list>', 'backends, in order', 'wasm,cpu,webgl,webgpu')
  .option('--leak-iterations <n>', 'wasm: inference + gradient + params upload iterations while sampling the tensor count', '10000')
  .option('--out <file>', 'markdown report', 'docs/perf/backends.md')
  .option('--quick', 'tiny sizes and short timings, for development', false)
  .option('--isolation', 'serve with COOP/COEP: crossOriginIsolated, so SharedArrayBuffer and wasm threads', false)
  .option('--compare-isolation', 'also measure wasm served the other way (with COOP/COEP, or without it under --isolation)', false)
  .option('--wasm-unminified', 'also measure wasm from an unminified build of the client (bench/vite.config.ts with build.minify false, in a temp dir)', false)
  .option('--wasm-threads <n>', 'wasm: setThreadsCount(n) before init (tfjs caps it at navigator.hardwareConcurrency / 2)')
  .option('--dir <path>', 'built benchmark page to serve', 'dist/bench')
  .option('--init-timeout-s <s>', 'give up on a backend whose setBackend has not settled after this long', '30')
  .option('--slow-ms <ms>', 'time budget of one measurement; larger sizes of a series are skipped once one takes longer', '10000')
  .option('--backend-timeout-s <s>', 'give up on a backend whose whole run takes longer', '420')
  .parse()
  .opts<{
    backends: string; out: string; quick: boolean; isolation: boolean; compareIsolation: boolean; wasmUnminified: boolean; wasmThreads?: string;
    dir: string; initTimeoutS: string; slowMs: string; backendTimeoutS: string; leakIterations: string;
  }>();

/** One row of the report: a backend on a page served one way. */
interface Target {
  label: string;
  backend: Backend;
  dir: string;
  isolated: boolean;
}

/** Label and directory of the --wasm-unminified build. */
const UNMINIFIED = 'unminified build';

function targets(unminifiedDir: string | null): Target[] {
  const backends = list(opts.backends) as Backend[];
  for (const b of backends) if (!BACKENDS.includes(b)) throw new Error(`unknown backend ${b}: use ${BACKENDS.join(', ')}`);
  const out: Target[] = backends.map((b) => ({ label: b, backend: b, dir: opts.dir, isolated: opts.isolation }));
  if (opts.compareIsolation) out.push({ label: `wasm, ${opts.isolation ? 'no COOP/COEP' : 'COOP/COEP'}`, backend: 'wasm', dir: opts.dir, isolated: !opts.isolation });
  if (unminifiedDir) out.push({ label: `wasm, ${UNMINIFIED}${opts.isolation ? '' : ', no COOP/COEP'}`, backend: 'wasm', dir: unminifiedDir, isolated: opts.isolation });
  return out;
}

function request(backend: Backend): BenchRequest {
  const slowMs = Number(opts.slowMs);
  const initTimeoutMs = Number(opts.initTimeoutS) * 1000;
  const wasmThreads = opts.wasmThreads ? Number(opts.wasmThreads) : undefined;
  return opts.quick
    ? {
      backend, wasmThreads, initTimeoutMs, numEnvs: [1, 16], rolloutMinSeconds: 0.1, rolloutMaxSteps: 1024, rolloutWarmup: 1, rolloutRepeats: 3,
      batches: [64, 256], hiddens: [[64, 64]], gradWarmup: 1, gradRepeats: 3, slowMs, leakIterations: backend === 'wasm' ? 1000 : 0,
    }
    : {
      backend, wasmThreads, initTimeoutMs, numEnvs: [1, 16, 64, 256], rolloutMinSeconds: 0.3, rolloutMaxSteps: 4096, rolloutWarmup: 1, rolloutRepeats: 3,
      batches: [64, 256, 1024, 4096], hiddens: [[64, 64], [256, 256]], gradWarmup: 2, gradRepeats: 5, slowMs,
      leakIterations: backend === 'wasm' ? Number(opts.leakIterations) : 0,
    };
}

/** A built client over http://127.0.0.1 (a secure context, as WebGPU needs), optionally cross-origin isolated. */
async function serve(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  if (!existsSync(`${dir}/bench.html`)) throw new Error(`${dir}/bench.html missing: run \`npm run build:bench\` (npm run bench:backends does)`);
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

interface TargetRun {
  target: Target;
  result: BenchResult | null;
  /** Why there is no result, or what went wrong around it. */
  error?: string;
  /** Console errors, console warnings about wasm/threads/GPU, page errors and crashes. */
  log: string[];
  wallS: number;
}

async function runTarget(browser: Browser, url: string, target: Target): Promise<TargetRun> {
  const t0 = performance.now();
  const log: string[] = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  const note = (line: string) => { log.push(line); console.error(`[${target.label}] ${line}`); };
  page.on('console', (m) => {
    const text = m.text();
    if (m.type() === 'error' || (m.type() === 'warning' && /wasm|thread|SharedArrayBuffer|gpu|webgl/i.test(text))) note(`console ${m.type()}: ${text}`);
  });
  page.on('pageerror', (e) => note(`page error: ${e.message}`));
  page.on('crash', () => note('page crashed'));
  await page.exposeFunction('tabswarmBenchReport', (line: string) => console.log(`[${target.label}] ${line}`));
  let timer: NodeJS.Timeout | undefined;
  try {
    await page.goto(`${url}/bench.html`);
    await page.waitForFunction(() => 'tabswarmBench' in window, null, { timeout: 60_000 });
    const timeoutS = Number(opts.backendTimeoutS);
    const result = await Promise.race([
      page.evaluate((r) => (window as unknown as { tabswarmBench: TabswarmBench }).tabswarmBench(r), request(target.backend)),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no result within ${timeoutS} s (--backend-timeout-s)`)), timeoutS * 1000); }),
    ]);
    return { target, result, error: result.error, log, wallS: (performance.now() - t0) / 1000 };
  } catch (e) {
    return { target, result: null, error: e instanceof Error ? e.message.split('\n')[0] : String(e), log, wallS: (performance.now() - t0) / 1000 };
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => undefined);
  }
}

// ---- markdown ----

function rate(x: number): string {
  return x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1);
}

const clean = (s: string, n = 100) => s.replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, n);

/** One table cell: the throughput (with † when the budget cut the repeats short), or why none. */
function cell(run: TargetRun, m: Measurement | undefined, repeatsAsked: number): string {
  if (!m) return run.error ? 'failed (see below)' : '-';
  if (m.status === 'ok') return `${rate(m.perS!)}${m.repeats! < repeatsAsked ? ' †' : ''}`;
  if (m.status === 'error') return `error: ${clean(m.error ?? '', 80)}`;
  return m.status;
}

function table(header: string, sizes: number[], runs: TargetRun[], pick: (r: TargetRun, size: number) => Measurement | undefined, repeatsAsked: number): string[] {
  return [
    `| ${header} | ${sizes.join(' | ')} |`,
    `|---|${sizes.map(() => '---:').join('|')}|`,
    ...runs.map((r) => `| ${r.target.label} | ${sizes.map((s) => cell(r, pick(r, s), repeatsAsked)).join(' | ')} |`),
  ];
}

const yesNo = (b: boolean | undefined) => (b === undefined ? '-' : b ? 'yes' : 'no');

/**
 * The threaded wasm binary failing in its pthread workers: tfjs-backend-wasm hands each worker
 * `factory.toString()`, which a minifier may have made depend on the bundle's scope.
 */
function threadFailure(runs: TargetRun[]): TargetRun[] {
  return runs.filter((r) => r.target.backend === 'wasm' && r.target.isolated && r.error && r.log.some((l) => /is not defined/.test(l)));
}

function markdown(runs: TargetRun[], chromiumVersion: string, command: string, startLoad: number[], wallS: number): string {
  const req = request('cpu');
  const webgpu = runs.find((r) => r.target.backend === 'webgpu')?.result?.adapter ?? '';
  const webgl = runs.find((r) => r.target.backend === 'webgl')?.result?.adapter ?? '';
  const gpuNote = /swiftshader/i.test(webgpu) || webgpu === ''
    ? `no GPU: webgpu is SwiftShader${/swiftshader/i.test(webgl) ? ', and so is webgl (through ANGLE on Vulkan)' : ''}`
    : `webgpu adapter: ${webgpu}`;
  const served = (t: Target) => `${t.dir === opts.dir ? `\`${t.dir}\`` : `an ${UNMINIFIED} (bench/vite.config.ts with \`build.minify: false\`)`} ${t.isolated ? 'with' : '**without**'} COOP/COEP`;
  const ways = [...new Set(runs.map((r) => served(r.target)))];
  const lines = [
    '# Backend throughput in headless Chromium',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Chromium ${chromiumVersion} headless, ${gpuNote}.`,
    `Load average at start ${startLoad.map((x) => x.toFixed(2)).join(', ')}, at the end ${loadavg().map((x) => x.toFixed(2)).join(', ')} (other jobs may share the cores); ${Math.round(wallS)} s in all.`,
    '',
    `Command: \`${command}\``,
    '',
    `Pages served from ${ways.join('; ')} (\`Cross-Origin-Opener-Policy: same-origin\`, \`Cross-Origin-Embedder-Policy: require-corp\`),`,
    'one fresh browser context (its own renderer process) per row. Everything runs on the page\'s main thread,',
    'as in a worker tab; each number is a median of timed calls after warm-up.',
    '',
    '## Rollout: env steps/s',
    '',
    '`RolloutCollector.collect` on CartPole-v1 with a fresh 64x64 `Learner`: one batched inference (with readback) per step,',
    'env stepping, truncation bootstraps and GAE, as in a real rollout. numSteps is chosen per cell so one collect',
    `lasts at least ${req.rolloutMinSeconds} s (at most ${req.rolloutMaxSteps} steps); warm-up ${req.rolloutWarmup}, median of ${req.rolloutRepeats}. Columns: numEnvs.`,
    '',
    ...table('backend \\ numEnvs', req.numEnvs, runs, (r, e) => r.result?.rollout.find((m) => m.size === e), req.rolloutRepeats),
    '',
  ];
  for (const hidden of req.hiddens) {
    const series = (r: TargetRun) => r.result?.gradient.find((g) => g.hidden.join() === hidden.join());
    const numParams = runs.map(series).find((g) => g)?.numParams;
    lines.push(
      `## Gradient: samples/s, MLP ${hidden.join('x')}${numParams ? ` (${numParams.toLocaleString('en-US')} params)` : ''}`,
      '',
      `\`Learner.gradient\` on \`syntheticMinibatch\` (upload, forward, readback of the outputs, the loss in JS, backward, readback of the flat gradient); warm-up ${req.gradWarmup}, median of ${req.gradRepeats}. Columns: minibatch size.`,
      '',
      ...table('backend \\ batch', req.batches, runs, (r, b) => series(r)?.results.find((m) => m.size === b), req.gradRepeats),
      '',
    );
  }
  const slowS = Number(opts.slowMs) / 1000;
  lines.push(
    `† fewer timed repeats than asked: the measurement's ${slowS} s budget ran out. "skipped (too slow)": an earlier,`,
    `smaller size of the same series took over ${slowS} s (\`--slow-ms\`).`,
    '',
    '## Backends',
    '',
    'Tensors: `tf.memory().numTensors` once the backend is ready and after every measurement (equal: nothing leaked).',
    '"wasm threads used" is tfjs\'s `getThreadsCount()`, the size of the XNNPACK thread pool: tfjs-backend-wasm caps it at',
    '`navigator.hardwareConcurrency / 2` (backend.cc: "many x86-64 processors have 2 threads per core"), so with 2 logical',
    'cores it is 1 even when the threaded binary loads, whatever `--wasm-threads` asks for.',
    '',
    '| row | adapter | crossOriginIsolated | wasm SIMD | wasm threads supported | wasm threads used | wasm binary | tensors before | tensors after | wall s |',
    '|---|---|---|---|---|---:|---|---:|---:|---:|',
  );
  for (const r of runs) {
    const x = r.result;
    const w = x?.wasm;
    lines.push(`| ${r.target.label} | ${clean(x?.adapter ?? '-', 160)} | ${yesNo(x?.crossOriginIsolated)} | ${yesNo(w?.simd)} | ${yesNo(w?.multithread)} | ${w ? (w.threads ?? 'none (init failed)') : '-'} | ${w?.binary ?? '-'} | ${x?.tensorsBefore ?? '-'} | ${x?.tensorsAfter ?? '-'} | ${r.wallS.toFixed(0)} |`);
  }
  const leaks = runs.filter((r) => r.result?.leakCheck);
  if (leaks.length > 0) {
    lines.push(
      '',
      '## Tensor count over a long run',
      '',
      'One batched inference (16 envs), one gradient (batch 64) and one params upload per iteration, 64x64 MLP;',
      '`tf.memory().numTensors` every 1,000 iterations.',
      '',
      '| row | iterations | tensor counts | flat | wall s |',
      '|---|---:|---|---|---:|',
      ...leaks.map((r) => {
        const l = r.result!.leakCheck!;
        return `| ${r.target.label} | ${l.iterations.toLocaleString('en-US')} | ${l.counts.join(', ')} | ${new Set(l.counts).size === 1 ? 'yes' : 'NO'} | ${l.seconds.toFixed(0)} |`;
      }),
    );
  }
  const failed = threadFailure(runs);
  if (failed.length > 0) {
    lines.push(
      '',
      '## wasm threads under COOP/COEP',
      '',
      `The page is cross-origin isolated, so tfjs-backend-wasm picks \`tfjs-backend-wasm-threaded-simd.wasm\` and starts its`,
      'Emscripten pthread workers. Each worker runs a Blob script built from `wasmFactoryThreadedSimd.toString()`. In the',
      'minified bundle that function refers to its enclosing scope: the Emscripten guard `typeof _scriptDir !== "undefined" && _scriptDir`',
      'became `e!==void 0&&e` (the minifier renamed `_scriptDir`, a local of the closure, and dropped the now-"redundant" `typeof`).',
      'In a worker, where that closure does not exist, the factory throws `ReferenceError: e is not defined`; every pthread worker',
      `dies, and \`tf.setBackend('wasm')\` never settles (cut here after ${opts.initTimeoutS} s). Without COOP/COEP, tfjs uses the`,
      'non-threaded SIMD binary, which works. An unminified build (`vite build --minify false`) keeps the `typeof` guard and the',
      'threaded binary then loads (`--wasm-unminified`). Rows affected: ' + failed.map((r) => r.target.label).join(', ') + '.',
    );
  }
  const errors = runs.filter((r) => r.error || r.log.length > 0);
  if (errors.length > 0) {
    lines.push('', '## Errors and console messages', '', 'Repeated lines are shown once, with their count.', '');
    for (const r of errors) {
      if (r.error) lines.push(`- ${r.target.label}: **${clean(r.error, 300)}**`);
      const counts = new Map<string, number>();
      for (const l of r.log) counts.set(l, (counts.get(l) ?? 0) + 1);
      for (const [l, n] of [...counts].slice(0, 10)) lines.push(`- ${r.target.label}: \`${clean(l, 300).replace(/`/g, "'")}\`${n > 1 ? ` (x${n})` : ''}`);
    }
  }
  lines.push('', '## Every measurement', '', '| row | series | size | status | per s | median ms | repeats | numSteps | measurement s |', '|---|---|---:|---|---:|---:|---:|---:|---:|');
  for (const r of runs) {
    const rows: [string, Measurement][] = [
      ...(r.result?.rollout ?? []).map((m): [string, Measurement] => ['rollout 64x64, numEnvs', m]),
      ...(r.result?.gradient ?? []).flatMap((g) => g.results.map((m): [string, Measurement] => [`gradient ${g.hidden.join('x')}, batch`, m])),
    ];
    for (const [series, m] of rows) {
      lines.push(`| ${r.target.label} | ${series} | ${m.size} | ${m.status}${m.error ? `: ${clean(m.error, 80)}` : ''} | ${m.perS !== undefined ? rate(m.perS) : '-'} | ${m.medianS !== undefined ? (m.medianS * 1000).toFixed(2) : '-'} | ${m.repeats ?? '-'} | ${m.numSteps ?? '-'} | ${m.elapsedS !== undefined ? m.elapsedS.toFixed(1) : '-'} |`);
    }
  }
  return lines.join('\n') + '\n';
}

async function main(): Promise<void> {
  let unminifiedDir: string | null = null;
  if (opts.wasmUnminified) {
    unminifiedDir = await mkdtemp(join(tmpdir(), 'tabswarm-unminified-'));
    console.log(`building an unminified client into ${unminifiedDir}`);
    await build({ configFile: 'bench/vite.config.ts', logLevel: 'warn', build: { minify: false, outDir: unminifiedDir, emptyOutDir: true } });
  }
  const todo = targets(unminifiedDir);
  const args = process.argv.slice(2);
  const command = `npm run bench:backends${args.length ? ` -- ${args.join(' ')}` : ''}`;
  const startLoad = loadavg();
  const t0 = performance.now();
  const servers = new Map<string, { server: Server; url: string }>();
  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
  const version = browser.version();
  console.log(`Chromium ${version}; ${opts.quick ? 'quick' : 'full'} sizes; rows: ${todo.map((t) => t.label).join(', ')}`);
  const runs: TargetRun[] = [];
  try {
    for (const t of todo) {
      const key = `${t.dir}|${t.isolated}`;
      if (!servers.has(key)) {
        servers.set(key, await serve(t.dir, t.isolated));
        console.log(`serving ${t.dir} at ${servers.get(key)!.url} (${t.isolated ? 'COOP/COEP' : 'no isolation headers'})`);
      }
      const r = await runTarget(browser, servers.get(key)!.url, t);
      console.log(`[${t.label}] done in ${r.wallS.toFixed(1)} s${r.error ? `: ${r.error}` : ''}`);
      runs.push(r);
    }
  } finally {
    await browser.close();
    for (const s of servers.values()) s.server.close();
    if (unminifiedDir) await rm(unminifiedDir, { recursive: true, force: true });
  }
  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, markdown(runs, version, command, startLoad, (performance.now() - t0) / 1000));
  console.log(`wrote ${opts.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
