/** Integration: a real coordinator on port 0, real socket.io-client sockets. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { Coordinator } from './coordinator.ts';
import { defaultConfig, type TrainConfig } from '../shared/config.ts';
import { WORKER_NAMESPACE, type ClientToServerEvents, type JoinReply, type PushReply, type ServerToClientEvents } from '../shared/protocol.ts';
import { decodeF32, decodeF64, encodeF32, encodeF64 } from '../shared/codec.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';

type WorkerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const config: TrainConfig = { ...defaultConfig, maxStaleness: 2, totalTimesteps: 10_000, solveWindow: 3, solveThreshold: 100 };
const join = { backend: 'cpu' as const, adapter: 'test', timings: [], userAgent: 'vitest' };

let coordinator: Coordinator;
let url: string;
const sockets: WorkerSocket[] = [];

async function connect(): Promise<WorkerSocket> {
  const s: WorkerSocket = io(url + WORKER_NAMESPACE, { transports: ['websocket'], reconnection: false });
  sockets.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
  return s;
}

async function joined(): Promise<{ s: WorkerSocket; reply: Extract<JoinReply, { ok: true }> }> {
  const s = await connect();
  const reply = await s.timeout(5000).emitWithAck('join', join);
  if (!reply.ok) throw new Error(reply.error);
  return { s, reply };
}

function push(s: WorkerSocket, req: unknown): Promise<PushReply> {
  return (s.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<PushReply> }).emitWithAck('push', req);
}

const n = () => coordinator.ps.params.length;
const smallGrad = (value = 1e-3) => encodeF32(new Float32Array(n()).fill(value));

beforeEach(async () => {
  coordinator = new Coordinator({ config, port: 0, tickMs: 50 });
  url = `http://127.0.0.1:${await coordinator.start()}`;
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await coordinator.stop();
});

describe('Coordinator over Socket.IO', () => {
  it('join gives config, version and the params as binary', async () => {
    const { reply } = await joined();
    expect(reply.config.maxStaleness).toBe(2);
    expect(reply.version).toBe(0);
    expect(reply.params instanceof ArrayBuffer || reply.params instanceof Uint8Array).toBe(true); // Buffer in Node, ArrayBuffer in browsers
    expect(Array.from(decodeF32(reply.params, n()))).toEqual(Array.from(coordinator.ps.params));
    expect(coordinator.workerList()).toHaveLength(1);
    expect(coordinator.tracker.state).toBe('training');
  });

  it('applies a fresh gradient and replies with the new params', async () => {
    const { s } = await joined();
    const before = coordinator.ps.params.slice();
    const reply = await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(reply).toMatchObject({ ok: true, accepted: true, version: 1 });
    const params = decodeF32((reply as { params: ArrayBuffer }).params, n());
    expect(Array.from(params)).toEqual(Array.from(coordinator.ps.params));
    expect(params.some((p, i) => p !== before[i])).toBe(true);
    expect(coordinator.ps.counts.accepted).toBe(1);
  });

  it('rejects a gradient older than maxStaleness as stale, counts it and sends fresh params', async () => {
    const { s } = await joined();
    for (let v = 0; v < 3; v++) expect((await push(s, { version: v, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
    const atThree = coordinator.ps.params.slice();
    // current = 3: version 1 has staleness 2 (accepted), version 0 has staleness 4 after that push (rejected).
    expect((await push(s, { version: 1, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
    const afterFour = coordinator.ps.params.slice();
    expect(afterFour).not.toEqual(atThree);
    const stale = await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(stale).toMatchObject({ ok: true, accepted: false, reason: 'stale', version: 4 });
    expect(stale.ok && stale.params).toBeTruthy();
    expect(coordinator.ps.params).toEqual(afterFour);
    expect(coordinator.ps.counts.rejected.stale).toBe(1);
    expect(coordinator.workerList()[0]).toMatchObject({ accepted: 4, rejected: 1 });
  });

  it('answers bad input with a clear error and changes nothing', async () => {
    const { s } = await joined();
    const before = coordinator.ps.params.slice();
    const bad: [unknown, string][] = [
      [{ version: 0, rolloutVersion: 0, grad: Array.from({ length: n() }, () => 0) }, 'malformed'],
      [{ version: -1, rolloutVersion: 0, grad: smallGrad() }, 'malformed'],
      [{ version: 'x' }, 'malformed'],
      [null, 'malformed'],
      [{ version: 0, rolloutVersion: 0, grad: encodeF32(new Float32Array(7)) }, 'wrongSize'],
      [{ version: 0, rolloutVersion: 0, grad: encodeF32(new Float32Array(n()).fill(NaN)) }, 'nonFinite'],
      [{ version: 0, rolloutVersion: 0, grad: encodeF32(new Float32Array(n()).fill(1e30)) }, 'normTooLarge'],
      [{ version: 99, rolloutVersion: 0, grad: smallGrad() }, 'malformed'],
    ];
    for (const [req, reason] of bad) {
      const reply = await push(s, req);
      expect(reply.accepted).toBe(false);
      expect(!reply.accepted && reply.reason).toBe(reason);
      expect(!reply.accepted && reply.error.length).toBeGreaterThan(5);
    }
    expect(coordinator.ps.params).toEqual(before);
    expect(coordinator.ps.version).toBe(0);
    const r = coordinator.ps.counts.rejected;
    expect(r.malformed + r.wrongSize + r.nonFinite + r.normTooLarge).toBe(bad.length);
    // The coordinator still works after all that.
    expect((await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
  });

  it('refuses pushes before join and bad joins', async () => {
    const s = await connect();
    const reply = await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(reply).toMatchObject({ accepted: false, reason: 'notJoined' });
    const badJoin = await (s.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<JoinReply> }).emitWithAck('join', { backend: 'tpu' });
    expect(badJoin.ok).toBe(false);
    expect(!badJoin.ok && badJoin.error).toMatch(/backend/);
    expect(coordinator.ps.version).toBe(0);
  });

  it('counts rollout reports, finishes when solved and tells the workers', async () => {
    const { s } = await joined();
    const done = new Promise((resolve) => s.once('done', resolve));
    const report = { rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [120, 130], episodeLengths: [120, 130], losses: {}, rolloutSps: 1000, norm: {} };
    expect(await s.timeout(5000).emitWithAck('rollout', report)).toEqual({ ok: true, norm: {} });
    expect(coordinator.tracker.state).toBe('training');
    expect(await s.timeout(5000).emitWithAck('rollout', { ...report, episodeReturns: [140], episodeLengths: [140] })).toEqual({ ok: true, norm: {} });
    await done;
    const st = coordinator.status();
    const steps = 2 * config.numEnvs * config.numSteps;
    expect(st).toMatchObject({ state: 'solved', envSteps: steps, episodes: 3, solvedAtEnvSteps: steps });
    const late = await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(late).toMatchObject({ accepted: false, reason: 'finished', done: true });
    expect(coordinator.ps.version).toBe(0);
  });

  it('rejects a malformed rollout report without counting it', async () => {
    await joined();
    const { s } = await joined();
    const ok = { rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [1, 2], episodeLengths: [1, 2], losses: {}, rolloutSps: 1, norm: {} };
    const bads = [
      { ...ok, episodeLengths: [1] }, // lengths and returns disagree
      { ...ok, envSteps: 10 }, // not the rollout size the coordinator set
      { ...ok, episodeLengths: [1, 501] }, // longer than CartPole's time limit
      { ...ok, episodeReturns: [1, NaN] },
    ];
    for (const bad of bads) {
      const reply = await s.timeout(5000).emitWithAck('rollout', bad);
      expect(reply.ok).toBe(false);
      expect(reply.error).toBeTruthy();
    }
    expect(coordinator.tracker.envSteps).toBe(0);
    expect(coordinator.tracker.episodes).toBe(0);
  });

  it('marks a worker that leaves as disconnected', async () => {
    const { s, reply } = await joined();
    s.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(coordinator.workerList().find((w) => w.workerId === reply.workerId)?.connected).toBe(false);
  });
});

describe('Coordinator normalization statistics', () => {
  let norm: Coordinator;
  let normUrl: string;
  beforeEach(async () => {
    norm = new Coordinator({ config: { ...config, normObs: true, normReward: true }, port: 0 });
    normUrl = `http://127.0.0.1:${await norm.start()}`;
  });
  afterEach(() => norm.stop());

  it('merges every worker\'s deltas, replies with the merged stats and refuses bad ones', async () => {
    const s: WorkerSocket = io(normUrl + WORKER_NAMESPACE, { transports: ['websocket'], reconnection: false });
    sockets.push(s);
    const reply = await s.timeout(5000).emitWithAck('join', join);
    if (!reply.ok) throw new Error(reply.error);
    const initial = decodeF64(reply.norm.obs!, 9);
    expect(Array.from(initial)).toEqual([1e-4, 0, 0, 0, 0, 1, 1, 1, 1]); // VecNormalize's prior
    const delta = new RunningMeanStd(4, 'empty');
    delta.update([1, 2, 3, 4, 3, 4, 5, 6], 2);
    const ret = new RunningMeanStd(1, 'empty');
    ret.update([5, 7], 2);
    const report = {
      rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [], episodeLengths: [], losses: {}, rolloutSps: 1,
      norm: { obs: encodeF64(delta.toArray()), ret: encodeF64(ret.toArray()) },
    };
    const ok = await s.timeout(5000).emitWithAck('rollout', report);
    expect(ok.ok).toBe(true);
    const merged = ok.ok ? decodeF64(ok.norm.obs!, 9) : new Float64Array();
    expect(merged[0]).toBeCloseTo(2 + 1e-4, 10);
    expect(merged[1]).toBeCloseTo(2 * 2 / (2 + 1e-4), 6); // the prior's weight is tiny
    expect(norm.obsRms!.mean[3]).toBeCloseTo(5, 3);
    expect(norm.retRms!.mean[0]).toBeCloseTo(6, 3);

    const before = norm.obsRms!.toArray();
    const bads = [
      { ...report, norm: { ret: report.norm.ret } }, // obs stats missing
      { ...report, norm: { ...report.norm, obs: encodeF64(new Float64Array(3)) } }, // wrong length
      { ...report, norm: { ...report.norm, obs: encodeF64(Float64Array.from([1, NaN, 0, 0, 0, 1, 1, 1, 1])) } },
      { ...report, norm: { ...report.norm, obs: [1, 2, 3] } }, // not binary
    ];
    for (const bad of bads) {
      const r = await (s.timeout(5000) as unknown as { emitWithAck(e: string, p: unknown): Promise<{ ok: boolean; error?: string }> }).emitWithAck('rollout', bad);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/norm|binary/);
    }
    expect(norm.obsRms!.toArray()).toEqual(before);
    expect(norm.tracker.envSteps).toBe(config.numEnvs * config.numSteps);
  });
});
