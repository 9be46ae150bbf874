/**
 * One load-generator process for `bench/load.ts`: opens `--count` real Socket.IO connections
 * to the coordinator's /worker namespace, joins each like a real worker tab, then loops on every
 * connection: wait `--compute-ms` (the simulated gradient computation), push a random finite
 * float32 gradient at the version it holds, await the ack and adopt the reply's version.
 *
 * Phases, driven by the parent over the IPC channel (this file must be spawned with stdio 'ipc'):
 *   connect (in batches) -> { type: 'ready' }  ...parent: { type: 'go' } ->
 *   warmup (--warmup-s) -> measurement window (--measure-s) -> { type: 'result' } -> keeps pushing
 *   until { type: 'stop' } (or the parent goes away), then exits.
 *
 *   node --import tsx bench/loadWorker.ts --port 3000 --count 250 --first-index 0 --warmup-s 3 --measure-s 10
 */
import { Command } from 'commander';
import { numberArg } from '../cli/args.ts';
import { EventEmitter } from 'node:events';
import { io, NodeWebSocket, type Socket } from 'socket.io-client';
import {
  WORKER_NAMESPACE, type ClientToServerEvents, type JoinReply, type JoinRequest, type PushReply, type PushRequest, type ServerToClientEvents,
} from '../shared/protocol.ts';
import { encodeF32 } from '../shared/codec.ts';

/** Messages from the parent. */
export type ParentMessage = { type: 'go' } | { type: 'stop' };

/** What one load process measured in its window. */
export interface LoadResult {
  proc: number;
  connections: number;
  /** Seconds between the window's start and end on this process's clock. */
  windowS: number;
  /** Push replies received in the window. */
  pushes: number;
  accepted: number;
  /** Refusals by reason (PushReply.reason), in the window. */
  rejected: Record<string, number>;
  /** Replies that carried fresh params, and their bytes. */
  repliesWithParams: number;
  paramBytes: number;
  /** Acks that did not come within --ack-timeout-ms, and connections lost after joining, up to the window's end (warmup included). */
  timeouts: number;
  disconnects: number;
  /** Failed pushes and disconnects by message (e.g. 'disconnect: ping timeout'), over the whole run. */
  errors: Record<string, number>;
  /** Client round trips (ms) of the window's pushes; a uniform sample when there were more than the cap. */
  rttMs: number[];
  rttTotal: number;
  /** CPU seconds (user + system) this process used in the window. */
  cpuS: number;
  /** Highest RSS of this process sampled during the run, bytes. */
  peakRssBytes: number;
}

/** Messages to the parent. */
export type ChildMessage =
  | { type: 'ready'; proc: number; connections: number; params: number; connectS: number }
  | { type: 'result'; result: LoadResult }
  | { type: 'error'; proc: number; message: string };

const int = (name: string) => numberArg(name, { integer: true });
const num = (name: string) => numberArg(name);

const opts = new Command()
  .requiredOption('--port <n>', 'coordinator port', int('--port'))
  .option('--host <addr>', 'coordinator address', '127.0.0.1')
  .requiredOption('--count <n>', 'connections this process opens', int('--count'))
  .option('--first-index <n>', 'global index of this process\'s first connection (for messages)', int('--first-index'), 0)
  .option('--proc <n>', 'index of this process (for messages)', int('--proc'), 0)
  .option('--compute-ms <ms>', 'simulated gradient compute time before each push', num('--compute-ms'), 0)
  .option('--warmup-s <s>', 'seconds of load before the measurement window', num('--warmup-s'), 3)
  .option('--measure-s <s>', 'seconds of the measurement window', num('--measure-s'), 10)
  .option('--batch <n>', 'connections opened and joined at once', int('--batch'), 50)
  .option('--join-timeout-ms <ms>', 'connect + join limit per connection', int('--join-timeout-ms'), 60_000)
  .option('--ack-timeout-ms <ms>', 'push ack limit', int('--ack-timeout-ms'), 120_000)
  .option('--max-samples <n>', 'round-trip samples kept (uniform reservoir beyond)', int('--max-samples'), 100_000)
  .parse()
  .opts<{
    port: number; host: string; count: number; firstIndex: number; proc: number; computeMs: number; warmupS: number; measureS: number;
    batch: number; joinTimeoutMs: number; ackTimeoutMs: number; maxSamples: number;
  }>();

type LoadSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Conn {
  index: number;
  socket: LoadSocket;
  version: number;
  /** The ticket of the params at `version` (server/workers/tickets.ts). */
  ticket: number;
  /** Env steps of one rollout of the run (numEnvs x numSteps): what the report that earns the next pushes claims. */
  rolloutSteps: number;
  /** Pushes one rollout gives (updateEpochs x numMinibatches), and those left of the current one. */
  rolloutPushes: number;
  pushesLeft: number;
}

// Every connection's socket.io Manager and ws adds listeners on shared objects; hundreds per process are expected.
EventEmitter.defaultMaxListeners = 0;
process.setMaxListeners(0);

/**
 * The WebSocket transport with an all-zero masking key, so ws sends each gradient without making a
 * masked copy of it: the load processes share the machine with the coordinator, and this spares them
 * 40 KB of copying per push at 10k params. The coordinator unmasks every frame as it does a browser's.
 */
class UnmaskedWebSocket extends NodeWebSocket {
  override createSocket(uri: string, protocols: string | string[] | undefined, opts: Record<string, unknown>): unknown {
    return super.createSocket(uri, protocols, { ...opts, generateMask: (mask: Uint8Array) => mask.fill(0) });
  }
}

const send = (m: ChildMessage) => { if (process.send && process.connected) process.send(m); };
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const url = `http://${opts.host}:${opts.port}${WORKER_NAMESPACE}`;

let running = true;
let recording = false;
const stats = {
  pushes: 0, accepted: 0, rejected: {} as Record<string, number>, repliesWithParams: 0, paramBytes: 0, timeouts: 0, disconnects: 0,
  rtt: [] as number[], rttTotal: 0, errors: {} as Record<string, number>,
};
const countError = (what: string) => { stats.errors[what] = (stats.errors[what] ?? 0) + 1; };
let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 250);
rssTimer.unref();

/** A uniform sample of at most maxSamples round trips (reservoir sampling). */
function addRtt(ms: number): void {
  stats.rttTotal++;
  if (stats.rtt.length < opts.maxSamples) stats.rtt.push(ms);
  else {
    const j = Math.floor(Math.random() * stats.rttTotal);
    if (j < opts.maxSamples) stats.rtt[j] = ms;
  }
}

const byteLength = (b: unknown): number => (b instanceof ArrayBuffer || ArrayBuffer.isView(b) ? b.byteLength : 0);

/** Connects and joins one connection like a real worker tab; rejects with a message naming the connection. */
async function openConnection(index: number): Promise<{ conn: Conn; params: number }> {
  const what = `connection ${index} (load process ${opts.proc})`;
  const socket: LoadSocket = io(url, { transports: [UnmaskedWebSocket], reconnection: false, forceNew: true, timeout: opts.joinTimeoutMs });
  const t0 = performance.now();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what}: no connection within ${opts.joinTimeoutMs} ms`)), opts.joinTimeoutMs);
      socket.once('connect', () => { clearTimeout(timer); resolve(); });
      socket.once('connect_error', (e) => { clearTimeout(timer); reject(new Error(`${what}: cannot connect to ${url}: ${e.message}`)); });
    });
    const req: JoinRequest = { backend: 'cpu', adapter: 'load generator', timings: [], userAgent: 'tabswarm-load' };
    const left = Math.max(1, opts.joinTimeoutMs - (performance.now() - t0));
    let reply: JoinReply;
    try {
      reply = await socket.timeout(left).emitWithAck('join', req);
    } catch {
      throw new Error(`${what}: join timed out after ${opts.joinTimeoutMs} ms (connect + join)`);
    }
    if (!reply.ok) throw new Error(`${what}: join refused: ${reply.error}`);
    const params = byteLength(reply.params) / 4; // the params themselves are dropped here
    socket.on('disconnect', (reason) => {
      if (!running) return;
      countError(`disconnect: ${reason}`);
      stats.disconnects++;
    });
    const rolloutPushes = reply.config.updateEpochs * reply.config.numMinibatches;
    const conn = { index, socket, version: reply.version, ticket: reply.ticket, rolloutSteps: reply.config.numEnvs * reply.numSteps, rolloutPushes, pushesLeft: rolloutPushes };
    return { conn, params };
  } catch (e) {
    socket.disconnect();
    throw e;
  }
}

/** An empty rollout report of the run's size at the connection's version. */
async function reportRollout(c: Conn): Promise<void> {
  const report = {
    rolloutVersion: c.version, envSteps: c.rolloutSteps, episodeReturns: [], episodeLengths: [], losses: {}, rolloutSps: 0,
    stageSeconds: { collect: 0, gradient: 0, push: 0, setParams: 0 }, norm: {},
  };
  try {
    await c.socket.timeout(opts.ackTimeoutMs).emitWithAck('rollout', report);
  } catch (e) {
    countError(`rollout: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * The push loop of one connection. All connections of this process share one gradient (never
 * modified), so client memory does not grow with connections x model size.
 */
async function pushLoop(c: Conn, grad: ArrayBuffer): Promise<void> {
  while (running) {
    if (opts.computeMs > 0) await sleep(opts.computeMs);
    if (!running) break;
    if (!c.socket.connected) return;
    // A rollout's pushes are spent: report the next rollout first, as a tab does, so no push is over its quota
    // (an offence: enough of them quarantine the connection).
    if (c.pushesLeft === 0) {
      await reportRollout(c);
      c.pushesLeft = c.rolloutPushes;
    }
    c.pushesLeft--;
    const req: PushRequest = { version: c.version, ticket: c.ticket, rolloutVersion: c.version, grad };
    const t0 = performance.now();
    let reply: PushReply;
    try {
      reply = await c.socket.timeout(opts.ackTimeoutMs).emitWithAck('push', req);
    } catch (e) {
      if (!running) break;
      const message = e instanceof Error ? e.message : String(e);
      countError(`push: ${message}`);
      if (message === 'operation has timed out') stats.timeouts++;
      continue;
    }
    const ms = performance.now() - t0;
    if (recording) {
      stats.pushes++;
      addRtt(ms);
      if (reply.accepted) stats.accepted++;
      else stats.rejected[reply.reason] = (stats.rejected[reply.reason] ?? 0) + 1;
      if (reply.ok && reply.params !== undefined) {
        stats.repliesWithParams++;
        stats.paramBytes += byteLength(reply.params);
      }
    }
    if (reply.ok && reply.ticket !== undefined) {
      c.version = reply.version; // the reply's params are not kept
      c.ticket = reply.ticket;
    }
    // Should the count have drifted from the coordinator's, a refusal says so: report now.
    if (!reply.accepted && reply.reason === 'overQuota') c.pushesLeft = 0;
  }
}

function shutdown(code: number): never {
  running = false;
  recording = false;
  for (const c of conns) c.socket.disconnect();
  process.exit(code);
}

const conns: Conn[] = [];

async function main(): Promise<void> {
  if (!process.send) throw new Error('loadWorker.ts must be spawned by bench/load.ts with an IPC channel');
  let go!: () => void;
  const goP = new Promise<void>((r) => { go = r; });
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'go') go();
    else if (m.type === 'stop') shutdown(0);
  });
  process.on('disconnect', () => shutdown(0)); // the parent is gone: never outlive it

  const tc = performance.now();
  let params = 0;
  for (let start = 0; start < opts.count; start += opts.batch) {
    const batch = [];
    for (let i = start; i < Math.min(opts.count, start + opts.batch); i++) batch.push(openConnection(opts.firstIndex + i));
    const settled = await Promise.allSettled(batch);
    for (const s of settled) if (s.status === 'fulfilled') { conns.push(s.value.conn); params = s.value.params; }
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }
  send({ type: 'ready', proc: opts.proc, connections: conns.length, params, connectS: (performance.now() - tc) / 1000 });
  await goP;

  const g = new Float32Array(params);
  for (let i = 0; i < g.length; i++) g[i] = (Math.random() * 2 - 1) * 1e-3;
  const grad = encodeF32(g);
  for (const c of conns) void pushLoop(c, grad);

  await sleep(opts.warmupS * 1000);
  recording = true;
  const w0 = performance.now();
  const cpu0 = process.cpuUsage();
  await sleep(opts.measureS * 1000);
  recording = false;
  const windowS = (performance.now() - w0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  send({
    type: 'result',
    result: {
      proc: opts.proc, connections: conns.length, windowS, pushes: stats.pushes, accepted: stats.accepted, rejected: stats.rejected,
      repliesWithParams: stats.repliesWithParams, paramBytes: stats.paramBytes, timeouts: stats.timeouts, disconnects: stats.disconnects, errors: stats.errors,
      rttMs: stats.rtt, rttTotal: stats.rttTotal, cpuS: (cpu.user + cpu.system) / 1e6, peakRssBytes: peakRss,
    },
  });
  // Keep the load on until the parent has read the coordinator and says stop.
}

main().catch((e: unknown) => {
  send({ type: 'error', proc: opts.proc, message: e instanceof Error ? e.message : String(e) });
  setTimeout(() => shutdown(1), 100);
});
