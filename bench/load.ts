/**
 * `npm run bench:load`: load-test the coordinator alone. For each model size and connection
 * count, start a fresh `tabswarm start --serve --workers 0` (pinned to core 0 when taskset
 * exists), open N real Socket.IO worker connections from `--procs` load processes
 * (bench/loadWorker.ts, on the other cores) that join like tabs and push random gradients as
 * fast as `--compute-ms` lets them, then read GET /api/perf before and after a measurement
 * window. Also measures the optimizer step against the machine's copy bandwidth. Writes
 * docs/perf/coordinator.md.
 *
 *   npm run bench:load -- --params 10k,100k,1M --workers 1,10,100,1000 --seconds 10
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { modelFor as modelSpec } from '../shared/ppo/modelSpec.ts';
import { Adam } from '../shared/ppo/adam.ts';
import { nearestRank } from '../shared/median.ts';
import type { CoordinatorPerf } from '../server/coordinator.ts';
import { numberArg } from '../cli/args.ts';
import { fmt, list, median } from './runs.ts';
import type { ChildMessage, LoadResult, ParentMessage } from './loadWorker.ts';

const ENV_ID = 'CartPole-v1';
const MAX_STALENESS = 1_000_000;
const MAX_PUSHES_PER_SECOND = 1_000_000_000;

const posInt = (name: string) => numberArg(name, { integer: true, min: 1 });
const nonNeg = (name: string) => numberArg(name);

const program = new Command()
  .name('bench:load')
  .description('Load-test the coordinator with simulated workers and write a report.')
  .option('--params <list>', 'target model sizes (k and M suffixes allowed)', '10k,100k,1M')
  .option('--workers <list>', 'connection counts', '1,10,100,1000')
  // More processes than cores only adds context switches to the load side.
  .option('--procs <n>', 'load-generator processes (default one per core besides the coordinator\'s; fewer when there are fewer connections)', posInt('--procs'), Math.max(1, cpus().length - 1))
  .option('--seconds <s>', 'measurement window per run', nonNeg('--seconds'), 10)
  .option('--warmup <s>', 'seconds of load before the window', nonNeg('--warmup'), 3)
  .option('--compute-ms <ms>', 'simulated gradient compute time before each push', nonNeg('--compute-ms'), 0)
  .option('--repeats <n>', 'runs per cell (the report shows medians)', posInt('--repeats'), 1)
  .option('--batch <n>', 'connections joining at once, over all load processes', posInt('--batch'), 50)
  .option('--join-timeout-ms <ms>', 'connect + join limit per connection', posInt('--join-timeout-ms'), 60_000)
  .option('--ack-timeout-ms <ms>', 'push ack limit', posInt('--ack-timeout-ms'), 120_000)
  .option('--coordinator-config <json>', 'TrainConfig overrides for the coordinator, as JSON (e.g. \'{"heartbeatTimeoutMs":60000}\')', '{}')
  .option('--no-pin', 'do not pin the coordinator and the load processes to cores with taskset')
  .option('--out <file>', 'report', 'docs/perf/coordinator.md');
program.parse();
const opts = program.opts<{
  params: string; workers: string; procs: number; seconds: number; warmup: number; computeMs: number; repeats: number; batch: number;
  joinTimeoutMs: number; ackTimeoutMs: number; coordinatorConfig: string; pin: boolean; out: string;
}>();
let configOverrides: Record<string, unknown>;
try {
  configOverrides = JSON.parse(opts.coordinatorConfig) as Record<string, unknown>;
  if (typeof configOverrides !== 'object' || configOverrides === null || Array.isArray(configOverrides)) throw new Error('not a JSON object');
} catch (e) {
  program.error(`--coordinator-config must be a JSON object: ${e instanceof Error ? e.message : String(e)}`);
}

// ---------------------------------------------------------------------------------------------
// Processes: every child is tracked and killed on any exit path (error, Ctrl-C, normal end).

const live = new Set<ChildProcess>();
/** Temporary folders (coordinator configs) to remove on any exit path. */
const tmpDirs = new Set<string>();

function killAll(): void {
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
  tmpDirs.clear();
  for (const p of live) {
    if (p.exitCode === null && p.signalCode === null) {
      try { p.kill('SIGKILL'); } catch { /* already gone */ }
    }
  }
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    console.error(`\nbench:load: ${sig}, stopping the coordinator and load processes`);
    killAll();
    process.exit(130);
  });
}

const hasTaskset = spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
const ncores = cpus().length;
const pinned = opts.pin && hasTaskset && ncores >= 2;
const COORD_CORES = '0';
const LOAD_CORES = ncores > 2 ? `1-${ncores - 1}` : '1';

/** `node --import tsx <script>` (one process: the pid is the script's), under taskset when pinning. */
function nodeCommand(cores: string, script: string, args: string[]): [string, string[]] {
  const node = [process.execPath, '--import', 'tsx', script, ...args];
  return pinned ? ['taskset', ['-c', cores, ...node]] : [node[0], node.slice(1)];
}

/** Keeps the last `max` characters a stream wrote (to show when something fails). */
function tail(stream: NodeJS.ReadableStream | null, max = 8000, echo?: string): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (d: string) => {
    text = (text + d).slice(-max);
    if (echo) for (const line of d.split('\n').filter(Boolean)) console.error(`${echo} ${line}`);
  });
  return () => text;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** GET /api/perf on a fresh connection (no keep-alive pool to race the server's idle timeout); retried twice on network errors. */
async function getPerf(port: number, reset = false): Promise<CoordinatorPerf> {
  const path = `/api/perf${reset ? '?reset=1' : ''}`;
  const once = () => new Promise<CoordinatorPerf>((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, agent: false, timeout: 60_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try { resolve(JSON.parse(body) as CoordinatorPerf); } catch (e) { reject(e); }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
  });
  for (let attempt = 1; ; attempt++) {
    try {
      return await once();
    } catch (e) {
      if (attempt >= 3) throw new Error(`GET http://127.0.0.1:${port}${path}: ${e instanceof Error ? e.message : String(e)}`);
      await sleep(100);
    }
  }
}

function exitText(p: ChildProcess): string {
  return p.signalCode ? `signal ${p.signalCode}` : `code ${p.exitCode}`;
}

// ---------------------------------------------------------------------------------------------
// Model sizes

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
  if (!m) throw new InvalidArgumentError(`--params: cannot read "${s}" (e.g. 10k, 100k, 1M, 50000)`);
  const n = Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1);
  return Math.round(n);
}

interface ModelSize {
  label: string;
  target: number;
  hiddenSizes: number[];
  params: number;
}

/** Two equal tanh hidden layers [h, h] (the default model's shape) with the count closest to the target. */
function modelFor(label: string, target: number): ModelSize {
  const count = (h: number) => modelSpec({ envId: ENV_ID, hiddenSizes: [h, h], gsde: false }).numParams;
  let best = 1;
  for (let h = 1; h <= 8192; h++) {
    if (Math.abs(count(h) - target) < Math.abs(count(best) - target)) best = h;
    if (count(h) > target) break;
  }
  return { label, target, hiddenSizes: [best, best], params: count(best) };
}

// ---------------------------------------------------------------------------------------------
// Optimizer step vs memory bandwidth (in this process)

interface OptimizerBench {
  params: number;
  stepMs: number;
  bytes: number;
  gbps: number;
}

/** Float32 Adam bytes per parameter per step: reads params, grad, m, v; writes params, m, v. */
const ADAM_BYTES_PER_PARAM = 7 * 4;

function benchAdam(n: number): OptimizerBench {
  const adam = new Adam(n, { beta1: 0.9, beta2: 0.999, eps: 1e-5 });
  const grad = adam.grad; // decoded in place, as the coordinator does
  for (let i = 0; i < n; i++) {
    adam.params[i] = Math.random() - 0.5;
    grad[i] = (Math.random() * 2 - 1) * 1e-3;
  }
  const w0 = performance.now();
  let warm = 0;
  while (warm < 5 || performance.now() - w0 < 200) { adam.step(grad, 1e-4, 1); warm++; }
  const perStep = (performance.now() - w0) / warm;
  const inner = Math.max(1, Math.ceil(20 / perStep)); // each sample at least ~20 ms
  const samples: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) adam.step(grad, 1e-4, 1);
    samples.push((performance.now() - t0) / inner);
  }
  const stepMs = median(samples)!;
  const bytes = n * ADAM_BYTES_PER_PARAM;
  return { params: n, stepMs, bytes, gbps: bytes / (stepMs / 1000) / 1e9 };
}

const COPY_BYTES = 256 * 1024 * 1024;

/** GB/s of copying 256 MB Float32Array to another (`set`), counting bytes read + bytes written; median of 5. */
function benchCopy(): number {
  const src = new Float32Array(COPY_BYTES / 4).fill(1);
  const dst = new Float32Array(COPY_BYTES / 4).fill(0);
  dst.set(src);
  const samples: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    dst.set(src);
    samples.push(performance.now() - t0);
  }
  return (2 * COPY_BYTES) / (median(samples)! / 1000) / 1e9;
}

// ---------------------------------------------------------------------------------------------
// One load run: a fresh coordinator, N connections, one measurement window.

interface CellResult {
  updatesPerS: number;
  decisionP50: number | null;
  decisionP99: number | null;
  decisionN: number;
  rttP50: number | null;
  rttP99: number | null;
  clientPushesPerS: number;
  rssEndMB: number;
  rssPeakMB: number;
  cpuPct: number;
  /** Coordinator CPU microseconds per applied update in the window: one core's capacity is 1e6 / this. */
  cpuUsPerUpdate: number | null;
  replyMBps: number;
  /** Fraction of the window's replies that carried params. */
  paramsFraction: number | null;
  refused: number;
  refusedReasons: Record<string, number>;
  /** Ack timeouts and lost connections from the start of the load (warmup included). */
  timeouts: number;
  disconnects: number;
  /** Connections the coordinator still had at the window's end. */
  connectedEnd: number;
  /** Failed pushes and disconnects by message over the whole run (warmup included). */
  errors: Record<string, number>;
  /** CPU % of all load processes together in the window (100% = one core). */
  loadCpuPct: number;
  clientPeakRssMB: number;
  connectS: number;
}

/** Messages from the load processes, awaited by type; any error message or early exit rejects. */
class LoadProcs {
  readonly procs: ChildProcess[] = [];
  private readonly inbox = new Map<ChildProcess, ChildMessage[]>();
  private readonly tails = new Map<ChildProcess, () => string>();
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  add(p: ChildProcess, index: number): void {
    this.procs.push(p);
    this.inbox.set(p, []);
    this.tails.set(p, tail(p.stderr, 8000, `[load ${index}]`));
    p.on('message', (m: ChildMessage) => {
      if (m.type === 'error') this.fail(new Error(`load process ${m.proc}: ${m.message}`));
      else this.inbox.get(p)!.push(m);
      this.wake?.();
    });
    p.on('exit', () => {
      if (live.has(p)) this.fail(new Error(`load process ${index} exited (${exitText(p)}) before the run ended\n${this.tails.get(p)!()}`));
      this.wake?.();
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
  }

  /** One message of `type` from every process. */
  async all<T extends ChildMessage['type']>(type: T, timeoutMs: number, what: string): Promise<Extract<ChildMessage, { type: T }>[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // A short delay lets an exiting process's IPC error message arrive before its exit is reported.
      if (this.failure) { await sleep(100); throw this.failure; }
      const got = this.procs.map((p) => this.inbox.get(p)!.find((m) => m.type === type));
      if (got.every((m) => m !== undefined)) return got as Extract<ChildMessage, { type: T }>[];
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s waiting for the load processes: ${what}`);
      await new Promise<void>((r) => { this.wake = r; setTimeout(r, Math.min(left, 1000)); });
      this.wake = null;
    }
  }

  /** To every process still listening; one that is exiting (told to stop already) may miss it. */
  send(m: ParentMessage): void {
    for (const p of this.procs) if (p.connected) p.send(m, () => {});
  }
}

async function runCell(model: ModelSize, workers: number): Promise<CellResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-load-'));
  tmpDirs.add(dir);
  const cfgPath = join(dir, 'config.json');
  // The load processes speak async mode with fp32 gradients; --coordinator-config comes last.
  await writeFile(cfgPath, JSON.stringify({
    envId: ENV_ID, hiddenSizes: model.hiddenSizes, totalTimesteps: Number.MAX_SAFE_INTEGER, maxStaleness: MAX_STALENESS,
    maxPushesPerSecond: MAX_PUSHES_PER_SECOND, updateMode: 'async', updateCodec: 'fp32', maxConnections: 100_000, maxConnectionsPerIp: 100_000,
    ...configOverrides,
  }));
  const port = await freePort();
  const [cmd, args] = nodeCommand(COORD_CORES, 'cli/main.ts', [
    'start', '--no-build',
    '--serve', '--workers', '0', '--port', String(port), '--config', cfgPath, '--run-dir', join(dir, 'run'),
  ]);
  const coord = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(coord);
  const coordOut = tail(coord.stdout);
  const coordErr = tail(coord.stderr);
  const coordLog = () => `${coordOut()}\n${coordErr()}`.trim();
  const loads = new LoadProcs();
  try {
    // Wait until the coordinator answers.
    const up0 = performance.now();
    for (;;) {
      if (coord.exitCode !== null || coord.signalCode !== null) throw new Error(`the coordinator exited (${exitText(coord)}) on start:\n${coordLog()}`);
      try { await getPerf(port); break; } catch { /* not yet */ }
      if (performance.now() - up0 > 60_000) throw new Error(`the coordinator did not answer GET /api/perf within 60 s:\n${coordLog()}`);
      await sleep(200);
    }
    coord.on('exit', () => { if (live.has(coord)) console.error(`the coordinator exited (${exitText(coord)}):\n${coordLog()}`); });

    const nprocs = Math.min(opts.procs, workers);
    const perProcBatch = Math.max(1, Math.ceil(opts.batch / nprocs));
    let first = 0;
    for (let i = 0; i < nprocs; i++) {
      const count = Math.floor(workers / nprocs) + (i < workers % nprocs ? 1 : 0);
      const [lcmd, largs] = nodeCommand(LOAD_CORES, 'bench/loadWorker.ts', [
        '--port', String(port), '--count', String(count), '--first-index', String(first), '--proc', String(i),
        '--compute-ms', String(opts.computeMs), '--warmup-s', String(opts.warmup), '--measure-s', String(opts.seconds),
        '--batch', String(perProcBatch), '--join-timeout-ms', String(opts.joinTimeoutMs), '--ack-timeout-ms', String(opts.ackTimeoutMs),
      ]);
      const p = spawn(lcmd, largs, { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
      live.add(p);
      loads.add(p, i);
      first += count;
    }
    const connectBudget = opts.joinTimeoutMs * Math.ceil(workers / opts.batch) + 60_000;
    const ready = await loads.all('ready', connectBudget, `${workers} connections to join`);
    const connectS = Math.max(...ready.map((r) => r.connectS));
    const joined = ready.reduce((a, r) => a + r.connections, 0);
    const before = await getPerf(port);
    if (joined !== workers || before.connectedWorkers !== workers) {
      throw new Error(`expected ${workers} joined connections, the load processes have ${joined} and the coordinator sees ${before.connectedWorkers}`);
    }
    if (ready.some((r) => r.params !== model.params)) throw new Error(`the coordinator sent ${ready[0].params} params, expected ${model.params}`);

    loads.send({ type: 'go' });
    await sleep(opts.warmup * 1000);
    const p0 = await getPerf(port, true);
    const t0 = performance.now();
    let rssPeak = p0.rssBytes;
    const end = t0 + opts.seconds * 1000;
    while (performance.now() < end - 50) {
      await sleep(Math.min(1000, end - performance.now()));
      if (performance.now() >= end - 50) break;
      rssPeak = Math.max(rssPeak, (await getPerf(port)).rssBytes);
    }
    const p1 = await getPerf(port);
    const t1 = performance.now();
    rssPeak = Math.max(rssPeak, p1.rssBytes);
    const results: LoadResult[] = (await loads.all('result', 60_000 + opts.warmup * 1000, 'measurement results')).map((m) => m.result);
    loads.send({ type: 'stop' });

    const elapsedS = (t1 - t0) / 1000;
    const rtts = Float64Array.from(results.flatMap((r) => r.rttMs)).sort();
    const sum = (f: (r: LoadResult) => number) => results.reduce((a, r) => a + f(r), 0);
    const windowS = median(results.map((r) => r.windowS)) ?? opts.seconds;
    const refusedReasons: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.rejected)) refusedReasons[k] = (refusedReasons[k] ?? 0) + v;
    const pushes = sum((r) => r.pushes);
    const errors: Record<string, number> = {};
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const accepted = p1.accepted - p0.accepted;
    const cpuS = p1.cpuUserS + p1.cpuSystemS - p0.cpuUserS - p0.cpuSystemS;
    return {
      updatesPerS: accepted / elapsedS,
      decisionP50: p1.pushMs.p50,
      decisionP99: p1.pushMs.p99,
      decisionN: p1.pushMs.n,
      rttP50: nearestRank(rtts, 0.5) ?? null,
      rttP99: nearestRank(rtts, 0.99) ?? null,
      clientPushesPerS: pushes / windowS,
      rssEndMB: p1.rssBytes / 2 ** 20,
      rssPeakMB: rssPeak / 2 ** 20,
      cpuPct: (cpuS / elapsedS) * 100,
      cpuUsPerUpdate: accepted > 0 ? (cpuS * 1e6) / accepted : null,
      replyMBps: sum((r) => r.paramBytes) / windowS / 2 ** 20,
      paramsFraction: pushes > 0 ? sum((r) => r.repliesWithParams) / pushes : null,
      refused: Object.values(refusedReasons).reduce((a, b) => a + b, 0),
      refusedReasons,
      timeouts: sum((r) => r.timeouts),
      disconnects: sum((r) => r.disconnects),
      connectedEnd: p1.connectedWorkers,
      errors,
      loadCpuPct: (sum((r) => r.cpuS) / windowS) * 100,
      clientPeakRssMB: Math.max(...results.map((r) => r.peakRssBytes)) / 2 ** 20,
      connectS,
    };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (coord.exitCode !== null || coord.signalCode !== null) throw new Error(`the coordinator exited (${exitText(coord)}) during the run: ${message}`);
    throw e;
  } finally {
    loads.send({ type: 'stop' });
    for (const p of [coord, ...loads.procs]) live.delete(p);
    await stopAll([coord, ...loads.procs]);
    await rm(dir, { recursive: true, force: true });
    tmpDirs.delete(dir);
  }
}

/** SIGKILL (the coordinator) or let exit (load processes told to stop), and wait until every process is gone. */
async function stopAll(ps: ChildProcess[]): Promise<void> {
  const gone = (p: ChildProcess) => p.exitCode !== null || p.signalCode !== null;
  const waits = ps.map((p) => (gone(p) ? Promise.resolve() : new Promise<void>((r) => p.once('exit', () => r()))));
  ps[0]?.kill('SIGKILL');
  const deadline = performance.now() + 3000;
  while (ps.some((p) => !gone(p)) && performance.now() < deadline) await sleep(50);
  for (const p of ps) if (!gone(p)) p.kill('SIGKILL');
  await Promise.all(waits);
}

// ---------------------------------------------------------------------------------------------
// Report

function medianCell(rs: CellResult[]): CellResult {
  const m = (f: (r: CellResult) => number | null): number | null => median(rs.map(f).filter((x): x is number => x !== null));
  // Refusals and errors by kind: the largest count any repeat saw.
  const reasons: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.refusedReasons)) reasons[k] = Math.max(reasons[k] ?? 0, v);
  const errors: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.errors)) errors[k] = Math.max(errors[k] ?? 0, v);
  return {
    updatesPerS: m((r) => r.updatesPerS)!, decisionP50: m((r) => r.decisionP50), decisionP99: m((r) => r.decisionP99),
    decisionN: m((r) => r.decisionN)!, rttP50: m((r) => r.rttP50), rttP99: m((r) => r.rttP99), clientPushesPerS: m((r) => r.clientPushesPerS)!,
    rssEndMB: m((r) => r.rssEndMB)!, rssPeakMB: m((r) => r.rssPeakMB)!, cpuPct: m((r) => r.cpuPct)!, cpuUsPerUpdate: m((r) => r.cpuUsPerUpdate), replyMBps: m((r) => r.replyMBps)!,
    paramsFraction: m((r) => r.paramsFraction), refused: m((r) => r.refused)!, refusedReasons: reasons, timeouts: m((r) => r.timeouts)!,
    disconnects: m((r) => r.disconnects)!, connectedEnd: m((r) => r.connectedEnd)!, errors, loadCpuPct: m((r) => r.loadCpuPct)!, clientPeakRssMB: m((r) => r.clientPeakRssMB)!, connectS: m((r) => r.connectS)!,
  };
}

function machineDescription(): string {
  return `${ncores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, headless (the coordinator uses no browser and no GPU)`;
}

function commandLine(): string {
  const args = process.argv.slice(2).map((a) => (/^[\w.,=/:-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  return `npm run bench:load${args ? ` -- ${args}` : ''}`;
}

async function main(): Promise<void> {
  const models = list(opts.params).map((s) => modelFor(s, parseSize(s)));
  const workerCounts = list(opts.workers).map((s) => posInt('--workers')(s));
  const started = performance.now();
  const load0 = loadavg()[0];
  console.log(`machine: ${machineDescription()}`);
  console.log(pinned ? `pinning: coordinator on core ${COORD_CORES}, load processes on cores ${LOAD_CORES}` : 'pinning: off');
  for (const m of models) console.log(`model ${m.label}: hiddenSizes [${m.hiddenSizes.join(', ')}] -> ${m.params.toLocaleString('en-US')} params (${(m.params * 4 / 2 ** 20).toFixed(2)} MB float32)`);

  console.log('measuring copy bandwidth (256 MB Float32Array set, median of 5) ...');
  const copyGbps = benchCopy();
  const optim = models.map((m) => benchAdam(m.params));
  for (const o of optim) console.log(`Adam.step ${o.params} params: ${o.stepMs.toFixed(3)} ms, ${o.gbps.toFixed(2)} GB/s (copy ${copyGbps.toFixed(2)} GB/s)`);

  const cells = new Map<string, CellResult>();
  /** Runs that failed (the coordinator died, a join timed out, ...), by cell: the grid goes on without them. */
  const failures = new Map<string, string[]>();
  for (const m of models) {
    for (const w of workerCounts) {
      const reps: CellResult[] = [];
      for (let r = 0; r < opts.repeats; r++) {
        const t = performance.now();
        let res: CellResult;
        try {
          res = await runCell(m, w);
        } catch (e) {
          const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
          console.error(`${m.label} x ${w} workers${opts.repeats > 1 ? ` (repeat ${r + 1})` : ''}: FAILED: ${message}`);
          failures.set(`${m.label}/${w}`, [...(failures.get(`${m.label}/${w}`) ?? []), message]);
          continue;
        }
        reps.push(res);
        console.log(`${m.label} x ${w} workers${opts.repeats > 1 ? ` (repeat ${r + 1})` : ''}: ${fmt(res.updatesPerS, 0)} updates/s, decision p50 ${fmt(res.decisionP50, 3)} p99 ${fmt(res.decisionP99, 3)} ms, `
          + `round trip p50 ${fmt(res.rttP50, 2)} p99 ${fmt(res.rttP99, 2)} ms, RSS ${fmt(res.rssEndMB, 0)} MB (peak ${fmt(res.rssPeakMB, 0)}), CPU ${fmt(res.cpuPct, 0)}% (${fmt(res.cpuUsPerUpdate, 0)} us per update), `
          + `load CPU ${fmt(res.loadCpuPct, 0)}%, replies ${fmt(res.replyMBps, 0)} MB/s, client RSS ${fmt(res.clientPeakRssMB, 0)} MB, refused ${res.refused}, `
          + `timeouts ${res.timeouts}, disconnects ${res.disconnects}${Object.keys(res.errors).length ? ` [${Object.entries(res.errors).map(([k, v]) => `${k} x${v}`).join('; ')}]` : ''} `
          + `(connect ${fmt(res.connectS, 1)} s, run ${fmt((performance.now() - t) / 1000, 1)} s)`);
      }
      if (reps.length > 0) cells.set(`${m.label}/${w}`, medianCell(reps));
    }
  }
  const totalS = (performance.now() - started) / 1000;

  const lines = [
    '# Coordinator load test',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}; 1-minute load average ${fmt(load0, 2)} before the runs and ${fmt(loadavg()[0], 2)} after`,
    '(the runs\' own processes count, but a high value before means other work shared the cores).',
    ...(load0 > ncores / 2
      ? ['', `**The machine was busy before the runs (load average ${fmt(load0, 2)} on ${ncores} cores): other processes shared the cores with the`,
        'coordinator and the load processes, so these figures are lower bounds of what this machine does when quiet.**']
      : []),
    `Command: \`${commandLine()}\` (${(totalS / 60).toFixed(1)} min in all).`,
    '',
    `Each row is a fresh coordinator (\`node --import tsx cli/main.ts start --serve --workers 0\`) on ${ENV_ID}`,
    `${pinned ? `pinned to core ${COORD_CORES} with \`taskset\`, the load processes on core${LOAD_CORES.length > 1 ? 's' : ''} ${LOAD_CORES}` : 'not pinned to cores'}.`,
    `The load comes from up to ${opts.procs} processes (bench/loadWorker.ts) sharing the connections: each connection is a real Socket.IO client`,
    'on /worker (websocket transport; its masking key is all zeros, which spares the load processes a masked copy of each gradient, while the',
    'coordinator unmasks every frame as for a browser\'s) that joins like a tab, then loops: wait the simulated compute time, push a random finite float32 gradient',
    '(uniform ±1e-3) at the version it holds, await the ack, adopt the reply\'s version. All connections of a process push the same gradient buffer.',
    `Simulated compute: ${opts.computeMs} ms per push. Warmup ${opts.warmup} s, then a ${opts.seconds} s window${opts.repeats > 1 ? `; every figure is the median of ${opts.repeats} runs` : ''}.`,
    `The config sets maxStaleness ${MAX_STALENESS.toLocaleString('en-US')} so the staleness gate accepts every update (this measures the coordinator's cost, not the gate's`,
    `refusals) and maxPushesPerSecond ${MAX_PUSHES_PER_SECOND.toLocaleString('en-US')} so the rate limit never refuses either. Also updateMode async, updateCodec fp32`,
    `${Object.keys(configOverrides).length ? `and the overrides \`${JSON.stringify(configOverrides)}\`` : '(what the load processes speak)'}; everything else is the ${ENV_ID} default.`,
    '',
    '## What this measures',
    '',
    '- **applied updates/s**: accepted updates (`accepted` from GET /api/perf) over the window, divided by its length. The coordinator applies updates one',
    '  at a time on its one thread, so this is bounded by 1000 / decision ms and by how fast replies leave.',
    '- **decision ms** (coordinator side, GET /api/perf `pushMs`): from the push handler\'s entry to the reply built: schema check, decode, staleness gate,',
    '  finiteness and norm checks, clipping and the Adam step, and the copy of the new params for the reply. The coordinator keeps the last 10,000',
    '  decisions, so when a window holds more (n in the table), the percentiles are those of its last 10,000.',
    '- **round trip ms** (client side): from `emitWithAck(\'push\')` to the ack, i.e. the decision plus Socket.IO/engine.io framing, the gradient upload,',
    '  queueing behind the other connections\' pushes, and the download of the reply. The version changes with every applied update, so every reply',
    '  carries the fresh params (binary float32, 4 bytes per parameter); that is the real protocol and it is not changed here ("params in replies").',
    '- **RSS**: the coordinator\'s resident memory at the window\'s end and the highest of once-a-second samples during it.',
    '- **CPU %**: coordinator CPU seconds (user + system, all its threads) used in the window / window seconds (100% = one core).',
    '- **coordinator CPU us per update**: the coordinator\'s CPU time in the window divided by the updates it applied: what one update costs it,',
    '  all framing, copies and garbage collection included. One core\'s capacity is 1e6 / this, whatever limits the measured rate.',
    '- **load CPU %**: CPU of all load processes together in the window (100% = one core); near the load cores\' capacity, the generator, not the',
    '  coordinator, limits the rate.',
    '- **refused / ack timeouts / lost connections**: refusals in the window; ack timeouts (no ack within the load processes\' --ack-timeout-ms) and',
    '  disconnects the clients noticed, counted from the start of the load (warmup included). The coordinator can drop a connection before',
    '  its client notices (the Engine.IO heartbeat, config heartbeatMs + heartbeatTimeoutMs, when a pong waits behind queued pushes), so the notes',
    '  under a table also give how many connections the coordinator still had at the window\'s end, and the reasons.',
    '- When neither the coordinator\'s CPU nor the load CPU is near 100%, the rate is limited by round-trip latency (few connections) or by',
    '  other work on the machine (see the load average above).',
    '- **client RSS**: the largest peak RSS among the load processes. They drop every reply after reading its version, and all the connections',
    '  of a process send one shared gradient buffer (with the all-zero masking key, ws sends it without a masked copy).',
    '',
  ];

  for (const m of models) {
    lines.push(
      `## ${m.label}: hiddenSizes [${m.hiddenSizes.join(', ')}], ${m.params.toLocaleString('en-US')} params (${(m.params * 4 / 2 ** 20).toFixed(2)} MB per gradient and per reply)`,
      '',
      '| workers | applied updates/s | decision p50 ms | decision p99 ms (n) | round trip p50 ms | round trip p99 ms | coordinator RSS MB end / peak | coordinator CPU % | coordinator CPU us per update | load CPU % | params in replies MB/s | refused / ack timeouts / lost connections | client RSS MB | connect s |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    const notes: string[] = [];
    for (const w of workerCounts) {
      const c = cells.get(`${m.label}/${w}`);
      const failed = failures.get(`${m.label}/${w}`);
      if (failed) notes.push(`- ${w} workers: ${failed.length} of ${opts.repeats} run(s) failed: ${failed.join('; ')}.`);
      if (!c) {
        lines.push(`| ${w} | failed |${' |'.repeat(12)}`);
        continue;
      }
      lines.push(`| ${w} | ${fmt(c.updatesPerS, 0)} | ${fmt(c.decisionP50, 3)} | ${fmt(c.decisionP99, 3)} (${c.decisionN}) | ${fmt(c.rttP50, 2)} | ${fmt(c.rttP99, 2)} | `
        + `${fmt(c.rssEndMB, 0)} / ${fmt(c.rssPeakMB, 0)} | ${fmt(c.cpuPct, 0)} | ${fmt(c.cpuUsPerUpdate, 0)} | ${fmt(c.loadCpuPct, 0)} | ${fmt(c.replyMBps, 1)} | ${c.refused} / ${c.timeouts} / ${c.disconnects} | `
        + `${fmt(c.clientPeakRssMB, 0)} | ${fmt(c.connectS, 1)} |`);
      const issues = [
        ...Object.entries(c.refusedReasons).map(([k, v]) => `refused ${k} x${v}`),
        ...Object.entries(c.errors).map(([k, v]) => `${k} x${v}`),
        ...(c.connectedEnd < w ? [`the coordinator had ${c.connectedEnd} of ${w} connections at the window's end`] : []),
        ...(c.paramsFraction !== null && c.paramsFraction < 0.995 ? [`${fmt(c.paramsFraction * 100, 1)}% of replies carried params`] : []),
        ...(c.rttP50 === null ? ['no push was answered in the window'] : []),
      ];
      if (issues.length) notes.push(`- ${w} workers: ${issues.join('; ')}.`);
    }
    lines.push('', ...(notes.length ? [...notes, ''] : []));
  }

  lines.push(
    '## Optimizer step vs memory bandwidth',
    '',
    `\`Adam.step\` (shared/ppo/adam.ts) timed in one process: median of 15 samples, each of enough steps to last ≥ 20 ms. Bytes per step: ${ADAM_BYTES_PER_PARAM} per`,
    'parameter, i.e. 7 float32 arrays\' worth: params, grad, m and v read, params, m and v written. Copy bandwidth: `Float32Array.set` of 256 MB into',
    'another 256 MB array, median of 5, counting 256 MB read + 256 MB written per copy. Small models fit in the CPU caches, so their "GB/s" can',
    'exceed the memory\'s. At 1M the arrays do not fit: a ratio near 1 there means the step runs at memory speed, one well below 1 that its arithmetic bounds it.',
    '',
    `Copy bandwidth: **${fmt(copyGbps, 2)} GB/s**.`,
    '',
    '| model | params | bytes per step MB | optimizer step ms | GB/s achieved | ratio to copy bandwidth | step-bound updates/s |',
    '|---|---|---|---|---|---|---|',
  );
  models.forEach((m, i) => {
    const o = optim[i];
    lines.push(`| ${m.label} | ${o.params.toLocaleString('en-US')} | ${fmt(o.bytes / 1e6, 2)} | ${fmt(o.stepMs, 3)} | ${fmt(o.gbps, 2)} | ${fmt(o.gbps / copyGbps, 2)} | ${fmt(1000 / o.stepMs, 0)} |`);
  });
  lines.push('');

  await mkdir(dirname(opts.out), { recursive: true });
  await writeFile(opts.out, lines.join('\n'));
  console.log(`wrote ${opts.out} (${(totalS / 60).toFixed(1)} min)`);
  if (failures.size > 0) throw new Error(`${[...failures.values()].flat().length} run(s) failed; see the notes in ${opts.out}`);
}

main().then(
  () => { killAll(); process.exit(0); },
  (e: unknown) => {
    console.error(`bench:load: ${e instanceof Error ? e.message : String(e)}`);
    killAll();
    process.exit(1);
  },
);
