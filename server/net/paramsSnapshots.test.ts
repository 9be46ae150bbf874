/**
 * The reused params copies (server/net/paramsSnapshots.ts) through a real coordinator and real
 * Socket.IO connections: every reply must carry the params of the version it names, also when
 * its socket write is still queued while later versions reuse the pool.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect as tcpConnect, type Server as TcpServer, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { Coordinator } from '../coordinator.ts';
import { noteTicket, ticketFor } from '../testing/hostileClient.ts';
import { ParameterServer } from '../updates/parameterServer.ts';
import { defaultConfig, type TrainConfig } from '../../shared/config.ts';
import { WORKER_NAMESPACE, type ClientToServerEvents, type PushReply, type ServerToClientEvents } from '../../shared/protocol.ts';
import { decodeF32, encodeF32 } from '../../shared/codec.ts';

/** These tests exercise the per-minibatch protocol; CartPole-v1's default is local mode. */
const asyncDefaults = { ...defaultConfig, updateMode: 'async' as const };

type WorkerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

// About 270k params (1 MB a reply): a few unread replies fill the loopback socket buffers,
// so the coordinator's later writes to that socket wait in Node while other workers' replies go out.
// 20 epochs of 2 minibatches: a quota of 40 pushes per worker, more than each worker here pushes without a report.
const config: TrainConfig = {
  ...asyncDefaults, updateEpochs: 20, numMinibatches: 2, hiddenSizes: [512, 512], maxStaleness: 10_000, maxPushesPerSecond: 1e9, totalTimesteps: 1e9, annealLr: false, annealClip: false,
  robustUpdates: false, quarantine: false, newcomerUpdates: 1, heartbeatTimeoutMs: 60_000,
};
const joinReq = { backend: 'cpu' as const, adapter: 'test', timings: [], userAgent: 'vitest' };

let coordinator: Coordinator | null = null;
let proxy: TcpServer | null = null;
const sockets: WorkerSocket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  proxy?.close();
  proxy = null;
  await coordinator?.stop();
  coordinator = null;
});

/** A TCP relay to `port` whose coordinator side can stop being read (`hold`) and start again. */
async function relay(port: number): Promise<{ port: number; hold(on: boolean): void }> {
  const pairs: { up: TcpSocket; client: TcpSocket }[] = [];
  proxy = createServer((client) => {
    const up = tcpConnect(port, '127.0.0.1');
    pairs.push({ up, client });
    client.pipe(up);
    up.pipe(client);
    const end = () => { client.destroy(); up.destroy(); };
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => proxy!.listen(0, '127.0.0.1', r));
  return {
    port: (proxy.address() as AddressInfo).port,
    hold(on: boolean) {
      for (const { up, client } of pairs) {
        if (on) { up.unpipe(client); up.pause(); } else up.pipe(client);
      }
    },
  };
}

async function joinedAt(port: number, transport: 'websocket' | 'polling' = 'websocket'): Promise<{ s: WorkerSocket; params: Float32Array }> {
  const s: WorkerSocket = io(`http://127.0.0.1:${port}${WORKER_NAMESPACE}`, { transports: [transport], reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
  const reply = await s.timeout(10_000).emitWithAck('join', joinReq);
  if (!reply.ok) throw new Error(reply.error);
  noteTicket(s, reply);
  return { s, params: decodeF32(reply.params, coordinator!.ps.params.length) };
}

interface Sent { gradVersion: number; grad: Float32Array; reply: Promise<PushReply> }

/** Pushes `grad` computed at `gradVersion` with the ticket `s` was sent for that version. */
function pushOf(s: WorkerSocket, gradVersion: number, grad: Float32Array): Sent {
  const ticket = ticketFor(s, gradVersion) ?? 0;
  const reply = s.timeout(120_000).emitWithAck('push', { version: gradVersion, ticket, rolloutVersion: gradVersion, grad: encodeF32(grad) }).then((r) => {
    noteTicket(s, r);
    return r;
  });
  return { gradVersion, grad, reply };
}

/** A gradient nobody else sends: each update must be told apart in the replay. */
function gradient(n: number, seed: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = Math.sin(seed * 12.9898 + i * 78.233) * 1e-3;
  return g;
}

/**
 * Replays the accepted updates in the order the coordinator applied them (the version each reply
 * names) on a fresh ParameterServer, and checks the params of each reply, accepted or refused,
 * against the replay's at the version it names.
 */
function checkReplies(initial: Float32Array, sent: { gradVersion: number; grad: Float32Array; reply: PushReply }[]): void {
  const n = initial.length;
  const ref = new ParameterServer(initial, config);
  const version = (r: PushReply) => (r.ok ? r.version : -1);
  const accepted = sent.filter((x) => x.reply.accepted).sort((a, b) => version(a.reply) - version(b.reply));
  expect(accepted.map((x) => version(x.reply))).toEqual(accepted.map((_, i) => i + 1));
  const withParams = sent.filter((x) => x.reply.ok && x.reply.params);
  const checkAt = (v: number) => {
    for (const x of withParams.filter((y) => version(y.reply) === v)) {
      const got = decodeF32((x.reply as { params: ArrayBuffer }).params, n);
      // Exact: the same float32 arithmetic in the same order.
      let firstDiff = -1;
      for (let i = 0; i < n && firstDiff < 0; i++) if (got[i] !== ref.params[i]) firstDiff = i;
      expect(firstDiff, `reply for version ${v}`).toBe(-1);
    }
  };
  checkAt(0);
  for (const x of accepted) {
    const r = ref.check(encodeF32(x.grad), x.gradVersion);
    expect(r.accepted).toBe(true);
    if (r.accepted) ref.step(r.grad, r.gradNorm, coordinator!.learningRate());
    checkAt(ref.version);
  }
}

describe('Params copies in replies', () => {
  it('a reply whose write waits behind a reader that stopped reading still carries its own version', async () => {
    coordinator = new Coordinator({ config, port: 0, tickMs: 1000 });
    const port = await coordinator.start();
    const initial = coordinator.ps.params.slice();
    const n = initial.length;
    const gate = await relay(port);
    const slow = await joinedAt(gate.port);
    const fast = await joinedAt(port);
    const polling = await joinedAt(port, 'polling');

    // The slow worker sends 30 pushes without reading (32 MB of replies): the first ones fill the
    // socket buffers, the rest wait in the coordinator while the others' updates reuse the pool.
    gate.hold(true);
    const slowSent: Sent[] = [];
    for (let k = 0; k < 30; k++) slowSent.push(pushOf(slow.s, 0, gradient(n, 1000 + k)));
    const done: { gradVersion: number; grad: Float32Array; reply: PushReply }[] = [];
    const version = new Map([[fast.s, 0], [polling.s, 0]]);
    for (let k = 0; k < 45; k++) {
      const w = k % 3 === 2 ? polling : fast;
      const x = pushOf(w.s, version.get(w.s)!, gradient(n, k));
      const reply = await x.reply;
      done.push({ ...x, reply });
      if (reply.ok && reply.params) version.set(w.s, reply.version);
    }
    expect(coordinator.ps.version).toBeGreaterThanOrEqual(45);
    gate.hold(false);
    for (const x of slowSent) done.push({ ...x, reply: await x.reply });

    expect(done).toHaveLength(75);
    // The slow worker's pushes share one ticket: one is accepted, the replays are refused (the ticket used up, then forgotten) with the params of their reply's version.
    const slowDone = done.slice(45);
    expect(slowDone.filter((d) => d.reply.accepted)).toHaveLength(1);
    expect(slowDone.filter((d) => !d.reply.accepted && d.reply.ok && d.reply.params && ['replayed', 'badTicket'].includes(d.reply.reason))).toHaveLength(29);
    checkReplies(initial, done);
    // Copies were reused (the polling worker's and the queued ones were not).
    expect(coordinator.snapshots.made).toBeLessThan(coordinator.ps.version);
  }, 240_000);

  it('a worker pushing over a WebSocket is answered from two copies, each with its version', async () => {
    coordinator = new Coordinator({ config: { ...config, hiddenSizes: [64, 64] }, port: 0, tickMs: 1000 });
    const port = await coordinator.start();
    const initial = coordinator.ps.params.slice();
    const w = await joinedAt(port);
    const done: { gradVersion: number; grad: Float32Array; reply: PushReply }[] = [];
    let version = 0;
    for (let k = 0; k < 30; k++) {
      const x = pushOf(w.s, version, gradient(initial.length, k));
      const reply = await x.reply;
      done.push({ ...x, reply });
      if (reply.ok) version = reply.version;
    }
    checkReplies(initial, done);
    expect(coordinator.snapshots.made).toBeLessThanOrEqual(2);
  }, 30_000);
});
