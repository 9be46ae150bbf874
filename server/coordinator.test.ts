/** Integration: a real coordinator on port 0, real socket.io-client sockets. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { MIN_FLEET } from './updates/robustAcceptance.ts';
import { Coordinator, PER_WORKER_HISTORY_MAX } from './coordinator.ts';
import { defaultConfig, type TrainConfig } from '../shared/config.ts';
import {
  WORKER_NAMESPACE, type ClientToServerEvents, type JoinReply, type JoinRequest, type PushReply, type PushRequest, type RolloutReport, type ServerToClientEvents,
} from '../shared/protocol.ts';
import { decodeF32, decodeF64, encodeF32, encodeF64 } from '../shared/codec.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';
import { ParameterServer } from './updates/parameterServer.ts';
import { noteTicket, push as hostilePush } from './testing/hostileClient.ts';
import { MIN_OFFENCES } from './workers/trust.ts';

/** These tests exercise the per-minibatch protocol; CartPole-v1's default is local mode. */
const asyncDefaults = { ...defaultConfig, updateMode: 'async' as const };

type WorkerSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const config: TrainConfig = { ...asyncDefaults, annealClip: false, maxStaleness: 2, totalTimesteps: 10_000, solveWindow: 3, solveThreshold: 100 };
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
  noteTicket(s, reply);
  return { s, reply };
}

/** Pushes `req` with the ticket `s` was given for its version (hostileClient.ts). */
const push = (s: WorkerSocket, req: unknown): Promise<PushReply> => hostilePush(s, req);

const n = () => coordinator.ps.params.length;
const smallGrad = (value = 1e-3) => encodeF32(new Float32Array(n()).fill(value));

beforeEach(async () => {
  coordinator = new Coordinator({ config, port: 0, tickMs: 50 });
  url = `http://127.0.0.1:${await coordinator.start()}`;
});

/** Replaces this test's coordinator with one running `overrides` on top of the test config. */
async function restart(overrides: Partial<TrainConfig>): Promise<void> {
  await coordinator.stop();
  coordinator = new Coordinator({ config: { ...config, ...overrides }, port: 0, tickMs: 50 });
  url = `http://127.0.0.1:${await coordinator.start()}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stageSeconds = { collect: 1, gradient: 2, push: 0.5, setParams: 0.1 };
/** A rollout report of `steps` steps per env with nothing else in it. */
const rolloutOf = (steps: number) => ({ rolloutVersion: 0, envSteps: config.numEnvs * steps, episodeReturns: [], episodeLengths: [], losses: {}, rolloutSps: 1, stageSeconds, norm: {} });

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
    expect(coordinator.updates.counts.accepted).toBe(1);
  });

  it('rejects a gradient older than maxStaleness as stale, counts it and sends fresh params', async () => {
    const [a, b, c] = [await joined(), await joined(), await joined()];
    // a steps 0 -> 1 and holds params at 1; b, from its params at 0, steps 1 -> 2 and 2 -> 3.
    expect((await push(a.s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
    for (const v of [0, 2]) expect((await push(b.s, { version: v, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
    const atThree = coordinator.ps.params.slice();
    // current = 3: a's version 1 has staleness 2 (accepted), c's version 0 has staleness 4 after that push (rejected).
    expect((await push(a.s, { version: 1, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
    const afterFour = coordinator.ps.params.slice();
    expect(afterFour).not.toEqual(atThree);
    const stale = await push(c.s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(stale).toMatchObject({ ok: true, accepted: false, reason: 'stale', version: 4 });
    expect(stale.ok && stale.params).toBeTruthy();
    expect(coordinator.ps.params).toEqual(afterFour);
    expect(coordinator.updates.counts.rejected.stale).toBe(1);
    expect(coordinator.workerList().map((w) => [w.accepted, w.rejected])).toEqual([[2, 0], [2, 0], [0, 1]]);
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
    const r = coordinator.updates.counts.rejected;
    expect(r.malformed + r.wrongSize + r.nonFinite + r.normTooLarge).toBe(bad.length);
    expect(coordinator.workerList()[0]).toMatchObject({ quarantined: false });
    // Updates no honest worker sends (wrong size, non-finite, too large), MIN_OFFENCES of them: their sender is quarantined.
    for (let k = 3; k < MIN_OFFENCES; k++) expect(await push(s, bad[6][0])).toMatchObject({ reason: 'normTooLarge' });
    expect(coordinator.workerList()[0]).toMatchObject({ quarantined: true });
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).toMatchObject({ accepted: false, reason: 'quarantined' });
    // The coordinator still works after all that.
    const fresh = await joined();
    expect((await push(fresh.s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).accepted).toBe(true);
  });

  it('refuses pushes before join and bad joins', async () => {
    const s = await connect();
    const reply = await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(reply).toMatchObject({ accepted: false, reason: 'notJoined' });
    const notAJoin: unknown = { backend: 'tpu' };
    const badJoin = await s.timeout(5000).emitWithAck('join', notAJoin as JoinRequest);
    expect(badJoin.ok).toBe(false);
    expect(!badJoin.ok && badJoin.error).toMatch(/backend/);
    expect(coordinator.ps.version).toBe(0);
  });

  it('counts rollout reports, finishes when solved (confirmed by its own evaluation) and tells the workers', async () => {
    // Any CartPole-v1 policy keeps the pole up for 5 steps, so the coordinator's check of these params passes.
    await restart({ solveThreshold: 5, solveCheckEpisodes: 3 });
    const { s } = await joined();
    const done = new Promise((resolve) => s.once('done', resolve));
    const report = { rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [120, 130], episodeLengths: [120, 130], losses: {}, rolloutSps: 1000, stageSeconds, norm: {} };
    const ok = { ok: true, norm: {}, numSteps: config.numSteps, clipCoef: config.clipCoef };
    expect(await s.timeout(5000).emitWithAck('rollout', report)).toMatchObject(ok);
    expect(coordinator.tracker.state).toBe('training');
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).toMatchObject({ accepted: true }); // the rollout's update earns the next report
    expect(await s.timeout(5000).emitWithAck('rollout', { ...report, episodeReturns: [140], episodeLengths: [140] })).toMatchObject(ok);
    await done;
    const st = coordinator.status();
    const steps = 2 * config.numEnvs * config.numSteps;
    expect(st).toMatchObject({ state: 'solved', envSteps: steps, episodes: 3, solvedAtEnvSteps: steps, solveChecks: { count: 1, running: false } });
    expect(st.solveChecks.lastMean).toBeGreaterThanOrEqual(5);
    expect(coordinator.workerList()[0]).toMatchObject({ rolloutSps: 1000, stageSeconds });
    const late = await push(s, { version: 1, rolloutVersion: 1, grad: smallGrad() });
    expect(late).toMatchObject({ accepted: false, reason: 'finished', done: true });
    expect(coordinator.ps.version).toBe(1);
  });

  it('with annealClip, each rollout report is answered with the clip coefficient scaled by the budget left', async () => {
    await restart({ annealClip: true, totalTimesteps: 4 * config.numEnvs * config.numSteps });
    const { s } = await joined();
    const clips: number[] = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) await push(s, { version: i - 1, rolloutVersion: i - 1, grad: smallGrad() }); // earns the next report
      const ack = await s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps));
      if (!ack.ok) throw new Error(ack.error);
      clips.push(ack.clipCoef);
    }
    // Answered after each report is counted: 3/4, 2/4, 1/4 of the budget left, then none.
    expect(clips.slice(0, 3).map((c) => c / config.clipCoef)).toEqual([0.75, 0.5, 0.25].map((x) => expect.closeTo(x, 12)));
    expect(clips[3]).toBe(0);
  });

  it('rejects a malformed rollout report without counting it', async () => {
    await joined();
    const { s } = await joined();
    const ok = { rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [1, 2], episodeLengths: [1, 2], losses: {}, rolloutSps: 1, stageSeconds, norm: {} };
    const bads = [
      { ...ok, episodeLengths: [1] }, // lengths and returns disagree
      { ...ok, envSteps: 10 }, // not the rollout size the coordinator set
      { ...ok, episodeLengths: [1, 501] }, // longer than CartPole's time limit
      { ...ok, episodeReturns: [1, NaN] },
      { ...ok, stageSeconds: { ...stageSeconds, push: -1 } },
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
    // One observation and one return per env step, as a rollout counts them: two rows, each half the time.
    const steps = config.numEnvs * config.numSteps;
    const delta = new RunningMeanStd(4, 'empty');
    delta.update(Array.from({ length: steps / 2 }, () => [1, 2, 3, 4, 3, 4, 5, 6]).flat(), steps);
    const ret = new RunningMeanStd(1, 'empty');
    ret.update(Array.from({ length: steps / 2 }, () => [5, 7]).flat(), steps);
    const twoRows = new RunningMeanStd(4, 'empty');
    twoRows.update([1, 2, 3, 4, 3, 4, 5, 6], 2);
    const report = {
      rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [], episodeLengths: [], losses: {}, rolloutSps: 1, stageSeconds,
      norm: { obs: encodeF64(delta.toArray()), ret: encodeF64(ret.toArray()) },
    };
    const ok = await s.timeout(5000).emitWithAck('rollout', report);
    expect(ok.ok).toBe(true);
    const merged = ok.ok ? decodeF64(ok.norm.obs!, 9) : new Float64Array();
    expect(merged[0]).toBeCloseTo(steps + 1e-4, 10);
    expect(merged[1]).toBeCloseTo(2 * steps / (steps + 1e-4), 6); // the prior's weight is tiny
    expect(norm.norm.obs!.mean[3]).toBeCloseTo(5, 3);
    expect(norm.norm.ret!.mean[0]).toBeCloseTo(6, 3);

    const before = norm.norm.obs!.toArray();
    const bads: unknown[] = [
      { ...report, norm: { ret: report.norm.ret } }, // obs stats missing
      { ...report, norm: { ...report.norm, obs: encodeF64(new Float64Array(3)) } }, // wrong length
      { ...report, norm: { ...report.norm, obs: encodeF64(Float64Array.from([1, NaN, 0, 0, 0, 1, 1, 1, 1])) } },
      { ...report, norm: { ...report.norm, obs: [1, 2, 3] } }, // not binary
      { ...report, norm: { ...report.norm, obs: encodeF64(twoRows.toArray()) } }, // 2 observations for a rollout of 256 env steps
    ];
    for (const bad of bads) {
      const r = await s.timeout(5000).emitWithAck('rollout', bad as RolloutReport);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/norm|binary/);
    }
    expect(norm.norm.obs!.toArray()).toEqual(before);
    expect(norm.tracker.envSteps).toBe(config.numEnvs * config.numSteps);
  });
});

describe('Sync mode (the baseline)', () => {
  it('holds each reply until every connected worker has pushed, then steps once with the mean', async () => {
    await restart({ updateMode: 'sync', syncTimeoutMs: 60_000 });
    const a = await joined();
    const b = await joined();
    const ref = new ParameterServer(coordinator.ps.params.slice(), coordinator.config);
    const ga = new Float32Array(n()).fill(1e-3);
    const gb = new Float32Array(n()).fill(3e-3);
    let aReplied = false;
    const pa = push(a.s, { version: 0, rolloutVersion: 0, grad: encodeF32(ga) }).then((r) => { aReplied = true; return r; });
    await sleep(200);
    expect(aReplied).toBe(false);
    expect(coordinator.ps.version).toBe(0);
    const rb = await push(b.s, { version: 0, rolloutVersion: 0, grad: encodeF32(gb) });
    const ra = await pa;
    for (const r of [ra, rb]) expect(r).toMatchObject({ ok: true, accepted: true, version: 1 });
    const mean = new Float32Array(n()).fill(2e-3);
    ref.step(mean, Math.sqrt(n()) * 2e-3, coordinator.learningRate());
    expect(Array.from(coordinator.ps.params)).toEqual(Array.from(ref.params));
    expect(coordinator.updates.counts.accepted).toBe(2);
    expect(coordinator.status().stalenessHistogram).toEqual([2]);
  });

  it('a straggler cannot stall the round: it closes at the cutoff, and the late gradient is stale', async () => {
    await restart({ updateMode: 'sync', syncTimeoutMs: 150 });
    const fast = await joined();
    const slow = await joined();
    const t0 = performance.now();
    const r = await push(fast.s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    expect(r).toMatchObject({ accepted: true, version: 1 });
    const late = await push(slow.s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    expect(late).toMatchObject({ ok: true, accepted: false, reason: 'stale', version: 1 });
    expect((late as { params?: unknown }).params).toBeDefined(); // so the straggler catches up
    expect(coordinator.updates.counts.rejected.stale).toBe(1);
  });

  it('a worker that leaves before its round closes is not counted, and the round closes without it', async () => {
    await restart({ updateMode: 'sync', syncTimeoutMs: 60_000 });
    const a = await joined();
    const b = await joined();
    const c = await joined();
    const before = coordinator.ps.params.slice();
    void push(b.s, { version: 0, rolloutVersion: 0, grad: smallGrad(0.5) }).catch(() => {});
    await sleep(100);
    b.s.disconnect();
    await sleep(100);
    expect(coordinator.updates.counts.rejected.dropped).toBe(1);
    const pa = push(a.s, { version: 0, rolloutVersion: 0, grad: smallGrad(1e-3) });
    const rc = await push(c.s, { version: 0, rolloutVersion: 0, grad: smallGrad(1e-3) });
    expect(rc).toMatchObject({ accepted: true, version: 1 });
    expect(await pa).toMatchObject({ accepted: true, version: 1 });
    const ref = new ParameterServer(before, coordinator.config);
    ref.step(new Float32Array(n()).fill(1e-3), Math.sqrt(n()) * 1e-3, coordinator.learningRate());
    expect(Array.from(coordinator.ps.params)).toEqual(Array.from(ref.params)); // b's 0.5 is nowhere in the step
    expect(coordinator.updates.counts.accepted).toBe(2);
  });

  it('refuses a second gradient from a worker in the same round', async () => {
    await restart({ updateMode: 'sync', syncTimeoutMs: 60_000 });
    const a = await joined();
    await joined();
    void push(a.s, { version: 0, rolloutVersion: 0, grad: smallGrad() }).catch(() => {});
    await sleep(50);
    // The ticket of its params at version 0 has carried its one gradient already.
    expect(await push(a.s, { version: 0, rolloutVersion: 0, grad: smallGrad() })).toMatchObject({ accepted: false, reason: 'replayed' });
    expect(coordinator.ps.version).toBe(0);
  });
});

describe('Worker lifecycle', () => {
  it('a late joiner starts at the current version with the current params', async () => {
    const a = await joined();
    for (let v = 0; v < 5; v++) await push(a.s, { version: v, rolloutVersion: v, grad: smallGrad() });
    const late = await joined();
    expect(late.reply.version).toBe(5);
    expect(Array.from(decodeF32(late.reply.params, n()))).toEqual(Array.from(coordinator.ps.params));
    expect(await push(late.s, { version: 5, rolloutVersion: 5, grad: smallGrad() })).toMatchObject({ accepted: true, version: 6 });
  });

  it('drops a worker that goes silent; its late message is not counted; it resumes with fresh params', async () => {
    await restart({ workerTimeoutMs: 300 });
    const a = await joined();
    const other = await joined();
    const dropped = new Promise<string>((resolve) => a.s.once('disconnect', resolve));
    // other keeps working while a is silent.
    for (let v = 0; v < 3; v++) await push(other.s, { version: v, rolloutVersion: v, grad: smallGrad() });
    const keepAlive = setInterval(() => void other.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps)).catch(() => {}), 100);
    try {
      expect(await dropped).toBe('io server disconnect');
    } finally {
      clearInterval(keepAlive);
    }
    const info = () => coordinator.workerList().find((w) => w.workerId === a.reply.workerId)!;
    expect(info().connected).toBe(false);
    expect(coordinator.workerList().find((w) => w.workerId === other.reply.workerId)!.connected).toBe(true);

    // The gradient it was computing when it was dropped arrives on a new connection: not counted.
    const accepted = coordinator.updates.counts.accepted;
    const s2 = await connect();
    expect(await push(s2, { version: 3, rolloutVersion: 0, grad: smallGrad() })).toMatchObject({ ok: false, reason: 'notJoined' });
    // Resuming with the token gives the current version and params, under the same identity.
    const resumed = await s2.timeout(5000).emitWithAck('join', { ...join, resume: { workerId: a.reply.workerId, resumeToken: a.reply.resumeToken } });
    if (!resumed.ok) throw new Error(resumed.error);
    noteTicket(s2, resumed);
    expect(resumed).toMatchObject({ workerId: a.reply.workerId, workerIndex: a.reply.workerIndex, version: 3 });
    expect(Array.from(decodeF32(resumed.params, n()))).toEqual(Array.from(coordinator.ps.params));
    expect(info().connected).toBe(true);
    // Work from before the drop still does not count; work at the fresh params does.
    expect(await push(s2, { version: 0, ticket: a.reply.ticket, rolloutVersion: 0, grad: smallGrad() })).toMatchObject({ accepted: false, reason: 'dropped' });
    expect(coordinator.updates.counts.accepted).toBe(accepted);
    expect(await push(s2, { version: 3, rolloutVersion: 3, grad: smallGrad() })).toMatchObject({ accepted: true, version: 4 });
  });

  it('refuses a resume with a wrong token, and a second live connection for one worker loses to the resumed one', async () => {
    const a = await joined();
    const s2 = await connect();
    const bad = await s2.timeout(5000).emitWithAck('join', { ...join, resume: { workerId: a.reply.workerId, resumeToken: 'guess' } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/cannot resume/) });
    const kicked = new Promise<string>((resolve) => a.s.once('disconnect', resolve));
    const ok = await s2.timeout(5000).emitWithAck('join', { ...join, resume: { workerId: a.reply.workerId, resumeToken: a.reply.resumeToken } });
    expect(ok.ok).toBe(true);
    expect(await kicked).toBe('io server disconnect');
    expect(coordinator.workerList()).toHaveLength(1);
    expect(coordinator.workerList()[0].connected).toBe(true);
  });
});

describe('Work sizing', () => {
  it('shortens the rollouts of a worker whose updates arrive stale, holds it to that size, and scales its steps to match', async () => {
    await restart({ maxStaleness: 4, workSizing: true, newcomerUpdates: 1 }); // every update at full weight: the step checked is the sizing's alone
    const fast = await joined();
    const slow = await joined();
    for (let i = 0; i < 12; i++) {
      const v = coordinator.ps.version;
      // Each rollout's report earns its pushes.
      if (i > 0) expect(await fast.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps))).toMatchObject({ ok: true });
      for (let k = 0; k < 8; k++) await push(fast.s, { version: v + k, rolloutVersion: v, grad: smallGrad() });
      expect(await push(slow.s, { version: v, rolloutVersion: v, grad: smallGrad() })).toMatchObject({ reason: 'stale' }); // 8 versions old
    }
    const slowAck = await slow.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps));
    const fastAck = await fast.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps));
    if (!slowAck.ok || !fastAck.ok) throw new Error('rollout refused');
    expect(fastAck.numSteps).toBe(config.numSteps);
    expect(slowAck.numSteps).toBeLessThan(config.numSteps);
    expect(slowAck.numSteps).toBeGreaterThanOrEqual(Math.ceil(config.numSteps / 8));
    const slowInfo = coordinator.workerList().find((w) => w.workerId === slow.reply.workerId)!;
    expect(slowInfo.meanStaleness).toBeGreaterThan(4);
    expect(slowInfo.numSteps).toBe(slowAck.numSteps);
    // Its next rollout must have the new size.
    expect(await slow.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps))).toMatchObject({ ok: false, error: expect.stringMatching(/env steps/) });
    // Its last rollout's update, at the params its last reply gave: earns the next report.
    const held = coordinator.ps.version;
    expect(await push(slow.s, { version: held, rolloutVersion: held, grad: smallGrad() })).toMatchObject({ accepted: true });
    expect(await slow.s.timeout(5000).emitWithAck('rollout', rolloutOf(slowAck.numSteps))).toMatchObject({ ok: true });
    // An update from that shorter rollout steps with the learning rate scaled by the same fraction.
    const ref = new ParameterServer(coordinator.ps.params.slice(), coordinator.config);
    ref.adam.loadState(coordinator.ps.adam.state());
    ref.version = coordinator.ps.version;
    const v = coordinator.ps.version;
    expect(await push(slow.s, { version: v, rolloutVersion: v, grad: smallGrad() })).toMatchObject({ accepted: true });
    const c = ref.check(smallGrad(), v);
    if (!c.accepted) throw new Error(c.error);
    ref.step(c.grad, c.gradNorm, (coordinator.learningRate() * slowAck.numSteps) / config.numSteps);
    expect(Array.from(coordinator.ps.params)).toEqual(Array.from(ref.params));
  });
});

describe('Per-update metrics', () => {
  it('history points carry rejections by reason, staleness and per-worker throughput', async () => {
    const a = await joined();
    await push(a.s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    await push(a.s, { version: 1, rolloutVersion: 0, grad: smallGrad() });
    await push(a.s, { version: 2, rolloutVersion: 0, grad: new Uint8Array(3) });
    await a.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps));
    await sleep(120);
    const h = coordinator.tracker.history;
    const last = h.at(-1)!.metrics;
    expect(last['coordinator/rejected/wrongSize']).toBe(1);
    expect(last['coordinator/rejected']).toBe(1);
    expect(h.some((p) => p.metrics['coordinator/meanStaleness'] === 0 && p.metrics['coordinator/maxStaleness'] === 0)).toBe(true);
    // Both accepted updates were the same small gradient: their norm, before the global clip.
    expect(h.find((p) => p.metrics['losses/gradNorm'] !== undefined)?.metrics['losses/gradNorm']).toBeCloseTo(Math.sqrt(n()) * 1e-3, 6);
    expect(h.some((p) => (p.metrics[`workers/${a.reply.workerIndex}/updatesPerS`] ?? 0) > 0)).toBe(true);
    expect(h.some((p) => (p.metrics[`workers/${a.reply.workerIndex}/envStepsPerS`] ?? 0) > 0)).toBe(true);
    expect(coordinator.status().stalenessHistogram).toEqual([2]);
  });

  it('per-worker throughput stays out of history points once more than PER_WORKER_HISTORY_MAX workers are connected', async () => {
    const first = await joined();
    const rest = await Promise.all(Array.from({ length: PER_WORKER_HISTORY_MAX }, () => joined()));
    await push(first.s, { version: 0, rolloutVersion: 0, grad: smallGrad() });
    await sleep(120);
    const keys = (p: { metrics: Record<string, number | undefined> }) => Object.keys(p.metrics).filter((k) => k.startsWith('workers/'));
    const last = coordinator.tracker.history.at(-1)!;
    expect(last.metrics['coordinator/workers']).toBe(PER_WORKER_HISTORY_MAX + 1);
    expect(keys(last)).toEqual([]);
    for (const r of rest) r.s.disconnect();
    await sleep(120);
    expect(keys(coordinator.tracker.history.at(-1)!)).toHaveLength(2);
  });
});

describe('Resume from a checkpoint', () => {
  it('N updates, a checkpoint through a file, resume, M updates gives the same run as N + M updates without the break', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join: joinPath } = await import('node:path');
    const { saveCheckpoint, loadCheckpoint } = await import('./checkpoint/checkpoint.ts');
    const grads = Array.from({ length: 7 }, (_, k) => encodeF32(new Float32Array(n()).map((_, i) => Math.sin(i * 0.37 + k) * 1e-2)));
    const report = rolloutOf(config.numSteps);
    /** Pushes grads[from..to) at the current version, with a rollout report after the first. */
    async function run(from: number, to: number): Promise<void> {
      const { s, reply } = await joined();
      let version = reply.version;
      for (let k = from; k < to; k++) {
        const r = await push(s, { version, rolloutVersion: version, grad: grads[k] });
        if (!r.ok || !r.accepted) throw new Error(`push ${k} refused`);
        version = r.version;
        if (k === from) expect(await s.timeout(5000).emitWithAck('rollout', { ...report, rolloutVersion: version })).toMatchObject({ ok: true });
      }
      s.disconnect();
    }

    await run(0, 4);
    const path = joinPath(await mkdtemp(joinPath(tmpdir(), 'tabswarm-resume-')), 'run.ckpt');
    await saveCheckpoint(path, coordinator.checkpoint());
    await coordinator.stop();
    coordinator = new Coordinator({ config, port: 0, tickMs: 50, resume: await loadCheckpoint(path) });
    url = `http://127.0.0.1:${await coordinator.start()}`;
    expect(coordinator.status()).toMatchObject({ version: 4, accepted: 4, envSteps: report.envSteps });
    await run(4, 7);
    const resumed = { params: Array.from(coordinator.ps.params), adam: coordinator.ps.adam.state(), status: coordinator.status() };

    await restart({});
    await run(0, 4);
    await run(4, 7);
    expect(resumed.params).toEqual(Array.from(coordinator.ps.params));
    expect(resumed.adam).toEqual(coordinator.ps.adam.state());
    const { trainingWallS: _a, ...a } = resumed.status;
    const { trainingWallS: _b, ...b } = coordinator.status();
    expect(a).toEqual(b);
    expect(a).toMatchObject({ version: 7, accepted: 7, envSteps: 2 * report.envSteps });
  });
});

describe('Local mode: a delta per rollout, with its report', () => {
  it('with MIN_FLEET workers connected, a new worker\'s first delta counts 1 / newcomerUpdates of its share (workers/trust.ts)', async () => {
    await restart({ updateMode: 'local', outerLr: 1 });
    const a = await joined();
    for (let k = 1; k < MIN_FLEET; k++) await joined();
    const before = coordinator.ps.params.slice();
    const delta = new Float32Array(n()).map((_, i) => (i % 3) * 1e-3);
    expect(await push(a.s, { version: 0, rolloutVersion: 0, grad: encodeF32(delta), report: rolloutOf(config.numSteps) })).toMatchObject({ accepted: true });
    const lr = 1 / MIN_FLEET / config.newcomerUpdates;
    expect(Array.from(coordinator.ps.params)).toEqual(Array.from(before, (p, i) => Math.fround(p + lr * delta[i])));
  });

  it('steps along an accepted delta averaged over the connected workers, takes its report, and refuses what does not fit the mode', async () => {
    await restart({ updateMode: 'local', outerLr: 1 });
    const a = await joined();
    await joined(); // two connected workers: each delta counts half
    const before = coordinator.ps.params.slice();
    const delta = new Float32Array(n()).map((_, i) => (i % 3) * 1e-3);
    const reply = await push(a.s, { version: 0, rolloutVersion: 0, grad: encodeF32(delta), report: rolloutOf(config.numSteps) });
    expect(reply).toMatchObject({ ok: true, accepted: true, version: 1, rollout: { ok: true, numSteps: config.numSteps } });
    // Half, at full weight: with fewer than MIN_FLEET workers a new worker's updates are not weighted down.
    expect(Array.from(coordinator.ps.params)).toEqual(Array.from(before, (p, i) => Math.fround(p + 0.5 * delta[i])));
    expect(coordinator.status()).toMatchObject({ envSteps: config.numEnvs * config.numSteps, accepted: 1 });

    // Without its report a delta is refused, and a report on its own is not taken.
    expect(await push(a.s, { version: 1, rolloutVersion: 1, grad: encodeF32(delta) })).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await a.s.timeout(5000).emitWithAck('rollout', rolloutOf(config.numSteps))).toMatchObject({ ok: false, error: expect.stringMatching(/local mode/) });

    // A delta more than maxStaleness versions old is refused by the same gate as a gradient; its
    // report still counts (the env steps were spent), and fresh params come back.
    for (let v = 1; v <= 3; v++) {
      expect(await push(a.s, { version: v, rolloutVersion: v, grad: encodeF32(delta), report: { ...rolloutOf(config.numSteps), rolloutVersion: v } }))
        .toMatchObject({ accepted: true, version: v + 1 });
    }
    const stale = await push(a.s, { version: 1, rolloutVersion: 1, grad: encodeF32(delta), report: { ...rolloutOf(config.numSteps), rolloutVersion: 1 } });
    expect(stale).toMatchObject({ ok: true, accepted: false, reason: 'stale', version: 4, rollout: { ok: true } });
    expect((stale as { params?: unknown }).params).toBeDefined();
    expect(coordinator.status()).toMatchObject({ version: 4, envSteps: 5 * config.numEnvs * config.numSteps });
    expect(coordinator.updates.counts.rejected).toMatchObject({ stale: 1, malformed: 1 });
  });

  it('link sizing: a tab that waits on its replies gets longer rollouts, and its reports of the lengths it may still be on are taken', async () => {
    await restart({ updateMode: 'local', maxRolloutScale: 4, maxPushesInFlight: 2, maxStaleness: 100 });
    const a = await joined();
    const delta = encodeF32(new Float32Array(n()).fill(1e-4));
    let busy = 0;
    let waited = 0;
    /** A delta with a report of `steps` per env from a tab that spent `idle` of the second since its last one waiting. */
    const send = (steps: number, idle: number) => {
      busy += 1 - idle;
      waited += idle;
      const v = coordinator.ps.version;
      const report = { ...rolloutOf(steps), rolloutVersion: v, stageSeconds: { collect: busy, gradient: 0, push: waited, setParams: 0 } };
      return push(a.s, { version: v, rolloutVersion: v, grad: delta, report });
    };
    const S = config.numSteps;
    // The first report's interval runs from the join: no measure of the link.
    expect(await send(S, 0.9)).toMatchObject({ accepted: true, rollout: { ok: true, numSteps: S } });
    // Idle 70% of the time since: 3 x numSteps fill 0.9 of it (0.9 / 0.3 = 3).
    expect(await send(S, 0.7)).toMatchObject({ accepted: true, rollout: { ok: true, numSteps: 3 * S } });
    // With two deltas on the wire it learns that a reply late: its next report is still of the old length.
    expect(await send(S, 0.1)).toMatchObject({ accepted: true, rollout: { ok: true, numSteps: 3 * S } });
    expect(await send(3 * S, 0.1)).toMatchObject({ accepted: true, rollout: { ok: true, numSteps: 3 * S } });
    // A length it was never given is not a rollout it made.
    expect(await send(2 * S, 1)).toMatchObject({ ok: false, reason: 'malformed', error: expect.stringMatching(/env steps/) });
    // Idle all of the two seconds since its last counted report: 0.1 + 0.3 * 0.9 = 0.37, and 3 x 0.9 / 0.63 = 4.3 -> 4 (maxRolloutScale is 4 too).
    expect(await send(3 * S, 1)).toMatchObject({ rollout: { ok: true, numSteps: 4 * S } });
    // A tab that no longer waits steps back one multiple.
    expect(await send(3 * S, 0)).toMatchObject({ rollout: { ok: true, numSteps: 3 * S } });
    expect(coordinator.workerList()[0].numSteps).toBe(3 * S);
    expect(coordinator.status().envSteps).toBe(config.numEnvs * S * (1 + 1 + 1 + 3 + 3 + 3));
  });
});
