/**
 * "Trust no volunteer": nothing that ends or sizes a run rests on a tab's word. Each attack is
 * played by a hand-written hostile socket.io-client (testing/hostileClient.ts) against a real
 * Coordinator on port 0, and each test checks that the defence holds.
 */
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Coordinator, CoordinatorOptions } from './coordinator.ts';
import { configFor, defaultConfig, type TrainConfig } from '../shared/config.ts';
import { DASHBOARD_NAMESPACE, WORKER_NAMESPACE, type DashboardTick, type RunStatus, type SolveChecks } from '../shared/protocol.ts';
import { encodeF32, encodeF64, l2Norm } from '../shared/codec.ts';
import { ParameterServer } from './updates/parameterServer.ts';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/checkpoint.ts';
import { MIN_FLEET, NORM_FACTOR, RECENT_COSINES, VOUCHED_UPDATES, WARMUP } from './updates/robustAcceptance.ts';
import { MIN_OFFENCES, PROBATION_MIN_OFFENCES, QUARANTINE_BELOW, trustScore } from './workers/trust.ts';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';
import { NORM_CLIP_STDS } from './stats/normStats.ts';
import { Rng } from '../shared/rng.ts';
import { OriginPolicy } from './net/origins.ts';
import { SHARE_FACTOR, SHARE_SLACK, WorkerRegistry } from './workers/workerRegistry.ts';
import {
  connectHostile, emitRaw, episodes, fakeReport, hostileJoin, joinHostile, noteTicket, push, report, ticketFor, type HostileSocket,
} from './testing/hostileClient.ts';
import { liveCoordinators } from './testing/liveCoordinators.ts';

/**
 * These tests exercise the per-minibatch protocol with 8 envs a tab (CartPole-v1's defaults are local mode with 16), and 20
 * epochs: a quota of 20 pushes per counted report, which their sequences of pushes between reports fit.
 */
const asyncDefaults = { ...defaultConfig, updateMode: 'async' as const, numEnvs: 8, numMinibatches: 1, updateEpochs: 20 };

const live = liveCoordinators();
const sockets = live.sockets;
/** The last started coordinator's URL. */
let url = '';

/** A coordinator of CartPole-v1's default run with `overrides`. */
async function start(overrides: Partial<TrainConfig> = {}, opts: Partial<CoordinatorOptions> = {}): Promise<Coordinator> {
  const started = await live.start({ tickMs: 50, ...opts, config: { ...asyncDefaults, ...overrides } });
  url = started.url;
  return started.c;
}

const joined = (): Promise<HostileSocket> => live.joined(url);

const smallGrad = (c: Coordinator) => encodeF32(new Float32Array(c.ps.params.length).fill(1e-3));
/** An update of the coordinator's current version: what a worker pushes after each rollout, earning its next report. */
const pushUpdate = (c: Coordinator, s: HostileSocket) => push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: smallGrad(c) });

/**
 * Params that really balance CartPole-v1 for all 500 steps: the actor's first hidden unit is a
 * linear controller of (x, x', theta, theta'), passed through the second layer's first unit to the
 * "push right" logit, so the argmax pushes right iff 0.5 x + x' + 10 theta + 3 theta' > 0.
 */
function balancingParams(config: TrainConfig): Float32Array {
  const { layout, numParams } = modelFor(config);
  const p = new Float32Array(numParams);
  const at = (name: string) => layout.find((l) => l.name === name)!;
  const [w0, w1, w2] = [at('actor.0.w'), at('actor.1.w'), at('actor.2.w')];
  [0.5, 1, 10, 3].forEach((k, i) => { p[w0.offset + i * w0.shape[1]] = k; });
  p[w1.offset] = 1;
  p[w2.offset + 1] = 1;
  return p;
}

describe('1. solved is confirmed by the coordinator', () => {
  it('a report of 100 episodes of 475, or of 1e308, does not end a fresh CartPole-v1 run', async () => {
    const c = await start();
    const s = await joined();
    for (const fake of [episodes(100, 475), episodes(100, 475, 1e308)]) {
      expect((await report(s, fakeReport(c.config, fake))).ok).toBe(false);
    }
    expect(c.status()).toMatchObject({ state: 'training', envSteps: 0, episodes: 0, solveChecks: { count: 0 } });
  });

  it('fake returns within every bound, paced by pushes, fill the window: the coordinator\'s own evaluation falls short, training goes on, and the next check waits solveCheckEverySteps', async () => {
    // Spot checks off: they would catch these episodes (spotCheck.test.ts); this is the solve check's defence alone.
    const c = await start({ solveCheckEpisodes: 3, solveCheckEverySteps: 1024, spotCheckRate: 0 });
    const s = await joined();
    const steps = c.config.numEnvs * c.config.numSteps; // 256
    // 8 episodes of 475 fit in one rollout's report (3,800 <= 256 + 8 * 499 steps): 13 reports fill the 100-episode window.
    const perReport = 8;
    let reports = 0;
    const fakeRollout = async () => {
      if (reports++ > 0) expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
      expect(await report(s, fakeReport(c.config, { ...episodes(perReport, 475), rolloutVersion: c.ps.version }))).toMatchObject({ ok: true });
    };
    const firstCheck = once(c, 'solveCheck') as Promise<[SolveChecks]>;
    while (reports < Math.ceil(c.config.solveWindow / perReport)) await fakeRollout();
    expect(c.tracker.meanReturn()).toBe(475); // what the tabs say: solved
    const [first] = await firstCheck;
    expect(first).toMatchObject({ count: 1, running: false, lastAtEnvSteps: reports * steps });
    expect(first.lastMean).toBeLessThan(c.config.solveThreshold);
    expect(c.status().state).toBe('training');
    // The window still says solved after every report, but no check starts before 1,024 more env steps.
    const checkedAt = reports * steps;
    while ((reports + 1) * steps < checkedAt + 1024) {
      await fakeRollout();
      expect(c.status().solveChecks).toMatchObject({ count: 1, running: false });
    }
    const secondCheck = once(c, 'solveCheck') as Promise<[SolveChecks]>;
    await fakeRollout();
    const [second] = await secondCheck;
    expect(second).toMatchObject({ count: 2, lastAtEnvSteps: checkedAt + 1024 });
    expect(c.status()).toMatchObject({ state: 'training', solvedAtEnvSteps: null });
  });

  it('an honest solve ends the run: params that balance the pole pass the coordinator\'s evaluation', async () => {
    const c = await start({ updateMode: 'local', solveWindow: 16, solveCheckEpisodes: 5 });
    const s = await joined();
    const steps = c.config.numEnvs * c.config.numSteps;
    const done = once(c, 'done') as Promise<[RunStatus]>;
    // Local mode: a delta that takes the params to the balancing ones, with its rollout's report (a lone worker's
    // updates count in full: no newcomer weight below MIN_FLEET, workers/trust.ts).
    const delta = balancingParams(c.config).map((p, i) => p - c.ps.params[i]);
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: encodeF32(delta), report: fakeReport(c.config, episodes(8, 500)) }))
      .toMatchObject({ accepted: true, rollout: { ok: true } });
    const zero = encodeF32(new Float32Array(delta.length));
    expect(await push(s, { version: 1, rolloutVersion: 1, grad: zero, report: fakeReport(c.config, { ...episodes(8, 500), rolloutVersion: 1 }) }))
      .toMatchObject({ rollout: { ok: true } });
    const [status] = await done;
    expect(status).toMatchObject({ state: 'solved', solvedAtEnvSteps: 2 * steps, solveChecks: { count: 1, lastMean: 500 } });
  });

  it('a budget that runs out while the solve check is under way waits for its verdict: solved at the env steps the window saw', async () => {
    // 100 episodes of 500 steps: the check takes many slices, so the next push, the last of the budget, comes while it runs.
    const c = await start({ updateMode: 'local', solveWindow: 16, solveCheckEpisodes: 100, totalTimesteps: 3 * 16 * 32, numEnvs: 16, numSteps: 32, spotCheckRate: 0 });
    const s = await joined();
    const steps = c.config.numEnvs * c.config.numSteps;
    const done = once(c, 'done') as Promise<[RunStatus]>;
    const delta = balancingParams(c.config).map((p, i) => p - c.ps.params[i]);
    const zero = encodeF32(new Float32Array(delta.length));
    expect(await push(s, { version: 0, rolloutVersion: 0, grad: encodeF32(delta), report: fakeReport(c.config, episodes(8, 500)) }))
      .toMatchObject({ accepted: true, rollout: { ok: true } });
    const fills = push(s, { version: 1, rolloutVersion: 1, grad: zero, report: fakeReport(c.config, { ...episodes(8, 500), rolloutVersion: 1 }) });
    const last = push(s, { version: 1, rolloutVersion: 1, grad: zero, report: fakeReport(c.config, { rolloutVersion: 1 }) });
    expect(await fills).toMatchObject({ rollout: { ok: true } });
    expect(await last).toMatchObject({ rollout: { ok: true } });
    const [status] = await done;
    // Without waiting for the check, this run ended as budgetExhausted at 3 x steps.
    expect(status).toMatchObject({ state: 'solved', envSteps: 3 * steps, solvedAtEnvSteps: 2 * steps, solveChecks: { count: 1, lastMean: 500 } });
  });
});

describe('2. reports are bounded by what is possible', () => {
  it('refuses reports that cannot be true for the run and counts nothing of them', async () => {
    const c = await start();
    const s = await joined();
    const stageSeconds = { collect: 1, gradient: 1, push: 0, setParams: 0 };
    const impossible: [string, Record<string, unknown>][] = [
      ['a return above 1 per step', episodes(1, 500, 501)],
      ['a return below 1 per step', episodes(1, 500, 10)],
      ['an episode past the time limit', episodes(1, 501)],
      ['more episode steps than 256 env steps over 8 envs can end', episodes(9, 500)], // 4,500 > 256 + 8 * 499
      ['more episodes than env steps', episodes(257, 1)],
      ['a return of 1e308', episodes(1, 500, 1e308)],
      ['a made-up loss key', { losses: { 'losses/mine': 1 } }],
      ['a loss of 1e300', { losses: { 'losses/policyLoss': 1e300 } }],
      ['a rollout at a version not reached yet', { rolloutVersion: 5 }],
      ['a rollout speed of 1e300', { rolloutSps: 1e300 }],
      ['1e300 seconds spent', { stageSeconds: { ...stageSeconds, collect: 1e300 } }],
    ];
    for (const [what, fields] of impossible) expect((await report(s, fakeReport(c.config, fields))).ok, what).toBe(false);
    expect(c.status()).toMatchObject({ envSteps: 0, episodes: 0 });
    // Its sender is quarantined: even a possible report no longer counts.
    expect(c.workerList()[0]).toMatchObject({ quarantined: true });
    expect(await report(s, fakeReport(c.config))).toMatchObject({ ok: false, error: expect.stringMatching(/quarantined/) });
    // The most one rollout can hold is taken (from another worker).
    const most = await report(await joined(), fakeReport(c.config, { ...episodes(8, 500), losses: { 'losses/policyLoss': 0.1 } }));
    expect(most.ok).toBe(true);
    expect(c.status()).toMatchObject({ envSteps: 256, episodes: 8, meanReturn: 500 });
  });

  it('holds returns to the env\'s per-step reward bounds (Pendulum-v1: [-16.27, 0] per step)', async () => {
    const c = await start(configFor('Pendulum-v1', { totalTimesteps: 1_000_000 }));
    const s = await joined();
    expect((await report(s, fakeReport(c.config, episodes(1, 200, 1)))).ok).toBe(false);
    expect((await report(s, fakeReport(c.config, episodes(1, 200, -3300)))).ok).toBe(false); // below -16.27 * 200 = -3254.7
    expect((await report(s, fakeReport(c.config, episodes(1, 200, -1000)))).ok).toBe(true);
    expect(c.status()).toMatchObject({ episodes: 1, meanReturn: -1000 });
  });

  it('where the env gives no reward bounds (LunarLander-v3), returns must still be finite and within +-1e12', async () => {
    const c = await start({ ...configFor('LunarLander-v3'), updateMode: 'async' }); // reports on their own
    const s = await joined();
    expect((await report(s, fakeReport(c.config, episodes(1, 1000, 1e308)))).ok).toBe(false);
    expect((await report(s, fakeReport(c.config, episodes(1, 1000, -1e13)))).ok).toBe(false);
    expect((await report(s, fakeReport(c.config, episodes(1, 1000, 250)))).ok).toBe(true);
    expect(c.status()).toMatchObject({ episodes: 1, meanReturn: 250 });
  });
});

describe('3. the budget counts only work tied to updates', () => {
  it.each(['async', 'sync'] as const)('%s: 2,000 reports from one socket count one rollout, not a 500k budget; a decided push earns one more', async (updateMode) => {
    const c = await start({ updateMode });
    const s = await joined();
    const steps = c.config.numEnvs * c.config.numSteps;
    expect(c.config.totalTimesteps).toBe(500_000);
    const acks = await Promise.all(Array.from({ length: 2000 }, () => report(s, fakeReport(c.config))));
    expect(acks.filter((a) => a.ok)).toHaveLength(1);
    expect(acks.find((a) => !a.ok)).toMatchObject({ error: expect.stringMatching(/push this rollout's updates/) });
    expect(c.status()).toMatchObject({ state: 'training', envSteps: steps });
    expect(c.workerList()[0].envSteps).toBe(steps);

    expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
    const next = await Promise.all(Array.from({ length: 3 }, () => report(s, fakeReport(c.config, { rolloutVersion: c.ps.version }))));
    expect(next.filter((a) => a.ok)).toHaveLength(1);
    expect(c.status().envSteps).toBe(2 * steps);
  });

  it('local mode: 200 refused deltas from the same params, each with a possible report, count maxPushesInFlight reports, not 200', async () => {
    const c = await start({ updateMode: 'local', maxPushesInFlight: 2, spotCheckRate: 0 });
    const steps = c.config.numEnvs * c.config.numSteps;
    const flood = async (s: HostileSocket, req: { version: number; rolloutVersion: number }) => {
      const replies = [];
      for (let k = 0; k < 200; k++) replies.push(await push(s, { ...req, grad: smallGrad(c), report: fakeReport(c.config) }));
      expect(replies.some((r) => r.accepted)).toBe(false);
      return replies.filter((r) => r.ok && r.rollout?.ok).length;
    };
    // A rollout version past the push's own: the version check refuses it (no offence), at the current version (no new ticket).
    expect(await flood(await joined(), { version: 0, rolloutVersion: 1 })).toBe(2);
    expect(c.status()).toMatchObject({ state: 'training', version: 0, envSteps: 2 * steps });
    // While training is paused, from another worker.
    c.pause();
    expect(await flood(await joined(), { version: 0, rolloutVersion: 0 })).toBe(2);
    expect(c.status()).toMatchObject({ state: 'training', version: 0, envSteps: 4 * steps });
  });
});

describe('4. normalization statistics are merged robustly', () => {
  /** Statistics of `rows` rows whose column j is `f(r, j)`, on the wire. */
  function wireStats(rows: number, dim: number, f: (r: number, j: number) => number): ArrayBuffer {
    const x = new Float64Array(rows * dim);
    for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) x[r * dim + j] = f(r, j);
    const s = new RunningMeanStd(dim, 'empty');
    s.update(x, rows);
    return encodeF64(s.toArray());
  }

  it('a report with mean 1e6 moves the merged mean by at most NORM_CLIP_STDS merged stds times its share; a report of 1e12 samples is refused', async () => {
    const c = await start({ normObs: true, normReward: true });
    const steps = c.config.numEnvs * c.config.numSteps;
    const honestNorm = (k: number) => ({
      obs: wireStats(steps, 4, (r, j) => 0.1 * Math.sin(1.3 * r + j + k) + 0.01 * j),
      ret: wireStats(steps, 1, (r) => 2 + Math.cos(0.7 * r + k)),
    });
    const honest = await joined();
    expect((await report(honest, fakeReport(c.config, { norm: honestNorm(0) }))).ok).toBe(true);
    await pushUpdate(c, honest);
    expect((await report(honest, fakeReport(c.config, { norm: honestNorm(1), rolloutVersion: c.ps.version }))).ok).toBe(true);
    const before = { obs: c.norm.obs!.toArray(), ret: c.norm.ret!.toArray() };

    const hostile = await joined();
    const stats = (count: number, dim: number, mean = 1e6) => encodeF64(Float64Array.from([count, ...new Array<number>(dim).fill(mean), ...new Array<number>(dim).fill(1)]));
    for (const huge of [{ obs: stats(1e12, 4), ret: stats(steps, 1) }, { obs: stats(steps, 4), ret: stats(1e12, 1) }]) {
      expect(await report(hostile, fakeReport(c.config, { norm: huge }))).toMatchObject({ ok: false, error: expect.stringMatching(/counts/) });
    }
    expect(await report(hostile, fakeReport(c.config, { norm: { obs: stats(steps, 4, 1e200), ret: stats(steps, 1) } })))
      .toMatchObject({ ok: false, error: expect.stringMatching(/within/) });
    expect(c.norm.obs!.toArray()).toEqual(before.obs);
    expect(c.norm.ret!.toArray()).toEqual(before.ret);

    // A second worker sends statistics within every bound.
    const attack = { obs: stats(steps, 4), ret: stats(steps, 1) };
    expect((await report(await joined(), fakeReport(c.config, { norm: attack }))).ok).toBe(true);
    expect(c.norm.clipped).toBe(1);
    for (const [merged, was, dim] of [[c.norm.obs!, before.obs, 4], [c.norm.ret!, before.ret, 1]] as const) {
      const n = was[0];
      const share = steps / (n + steps);
      for (let j = 0; j < dim; j++) {
        const sd = Math.sqrt(was[1 + dim + j] + 1e-8);
        expect(merged.mean[j]).toBeCloseTo(was[1 + j] + NORM_CLIP_STDS * sd * share, 9);
        expect(merged.mean[j] - was[1 + j]).toBeLessThan(2); // against 1e6 * share ~ 3.3e5 merged as sent
      }
    }
  });
});

describe('5. only allowed origins connect', () => {
  it('refuses a WebSocket from a page of another site; the coordinator\'s own, loopback, listed and header-less ones connect', async () => {
    const c = await start({}, { allowedOrigins: ['https://swarm.example.org'] });
    for (const origin of ['http://evil.example', 'null', 'http://127.0.0.1.evil.example', `http://evil.example:${c.port}`]) {
      await expect(connectHostile(url, { origin }), origin).rejects.toThrow();
    }
    await expect(connectHostile(url, { origin: 'http://evil.example', namespace: DASHBOARD_NAMESPACE })).rejects.toThrow();
    for (const origin of [`http://127.0.0.1:${c.port}`, `http://localhost:${c.port}`, 'http://127.0.0.1:5173', 'https://swarm.example.org', undefined]) {
      const { s } = await joinHostile(url, { origin });
      sockets.push(s);
    }
    expect(c.workerList()).toHaveLength(5);
  });

  it('a coordinator listening on every interface also takes pages that name this machine', () => {
    const policy = new OriginPolicy();
    expect(policy.allows(`http://${hostname()}:3000`)).toBe(false);
    policy.listening('0.0.0.0', 3000);
    expect(policy.allows(`http://${hostname()}:3000`)).toBe(true);
    expect(policy.allows(`https://${hostname()}:3000`)).toBe(true);
    expect(policy.allows(`http://${hostname()}:3001`)).toBe(false);
    expect(() => new OriginPolicy(['swarm.example.org'])).toThrow(/not an origin/);
  });
});

describe('6. worker records expire', () => {
  it('a worker disconnected longer than workerRecordTtlMs is forgotten and can no longer resume', async () => {
    const c = await start({ workerRecordTtlMs: 50 }, { tickMs: 20 });
    const a = await joinHostile(url);
    const b = await joinHostile(url);
    sockets.push(b.s);
    a.s.disconnect();
    await vi.waitFor(() => expect(c.workerList().map((w) => w.workerId)).toEqual([b.reply.workerId]), { timeout: 10_000, interval: 20 });
    const s = await connectHostile(url);
    sockets.push(s);
    const resume = await s.timeout(5000).emitWithAck('join', { ...hostileJoin, resume: { workerId: a.reply.workerId, resumeToken: a.reply.resumeToken } });
    expect(resume).toMatchObject({ ok: false, error: expect.stringMatching(/cannot resume/) });
  });

  it('keeps at most maxDisconnected dropped records, forgetting the oldest drop first; within the TTL the rest resume', () => {
    const registry = new WorkerRegistry<string>({ ...asyncDefaults, workerRecordTtlMs: 1000 }, () => {}, 3);
    const ws = Array.from({ length: 5 }, (_, i) => registry.join(hostileJoin, `socket ${i}`, 0, 0));
    ws.forEach((w, i) => typeof w !== 'string' && registry.drop(w, i));
    expect(registry.list()).toHaveLength(3);
    const resume = (i: number) => {
      const w = ws[i];
      if (typeof w === 'string') throw new Error(w);
      return registry.join({ ...hostileJoin, resume: { workerId: w.workerId, resumeToken: w.resumeToken } }, 'again', 0, 10);
    };
    expect(resume(0)).toMatch(/cannot resume/);
    expect(resume(4)).toMatchObject({ connected: true });
    registry.tick(1, 3 + 1000 + 1); // drops 2 and 3 have expired
    expect(registry.list().map((w) => w.workerIndex)).toEqual([4]);
  });
});

describe('7. every message is counted', () => {
  it('pushes, reports and joins without an ack and unknown events are counted as ignored, and change nothing', async () => {
    const c = await start();
    const s = await joined();
    emitRaw(s, 'push', { version: 0, rolloutVersion: 0, grad: smallGrad(c) });
    emitRaw(s, 'rollout', fakeReport(c.config));
    emitRaw(s, 'join', hostileJoin);
    emitRaw(s, 'mine', 'x'.repeat(100));
    // One connection's messages are handled in order: once this is answered, those were too.
    expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
    expect(c.status()).toMatchObject({ ignoredMessages: { noAck: 3, unknownEvent: 1 }, version: 1, envSteps: 0 });
    const dash = await connectHostile(url, { namespace: DASHBOARD_NAMESPACE });
    sockets.push(dash);
    emitRaw(dash, 'tick', {});
    await vi.waitFor(() => expect(c.status().ignoredMessages.unknownEvent).toBe(2), { timeout: 10_000, interval: 10 });
  });
});

describe('8. an update is tied to the params the coordinator handed out', () => {
  it('a replayed push counts once; a made-up ticket or a version its ticket did not come with is refused; fresh params come back', async () => {
    const c = await start({ quarantine: false }); // three offences would quarantine the worker before its last, honest push
    const s = await joined();
    const t0 = ticketFor(s, 0)!;
    const grad = smallGrad(c);
    const first = await push(s, { version: 0, ticket: t0, rolloutVersion: 0, grad });
    expect(first).toMatchObject({ accepted: true, version: 1, ticket: expect.any(Number) });
    const before = c.ps.params.slice();
    expect(await push(s, { version: 0, ticket: t0, rolloutVersion: 0, grad })).toMatchObject({ accepted: false, reason: 'replayed', version: 1, params: expect.anything() });
    expect(await push(s, { version: 0, ticket: 12345, rolloutVersion: 0, grad })).toMatchObject({ accepted: false, reason: 'badTicket' });
    // The latest version, under the ticket of another one: a version made up.
    expect(await push(s, { version: 1, ticket: t0, rolloutVersion: 1, grad })).toMatchObject({ accepted: false, reason: 'badTicket' });
    // Another worker's ticket is not this worker's.
    const other = await joined();
    expect(await push(other, { version: 1, ticket: ticketFor(s, 1)!, rolloutVersion: 1, grad })).toMatchObject({ accepted: false, reason: 'badTicket' });
    expect(c.ps.params).toEqual(before);
    expect(c.status()).toMatchObject({ version: 1, accepted: 1, rejected: { replayed: 1, badTicket: 3 } });
    // With the ticket of the params its refusal sent, the worker goes on.
    expect(await push(s, { version: 1, rolloutVersion: 1, grad })).toMatchObject({ accepted: true, version: 2 });
  });

  it('local mode: a ticket carries maxPushesInFlight deltas (the tab trains on while its pushes are on the wire), no more', async () => {
    const c = await start({ updateMode: 'local', maxPushesInFlight: 2 });
    const s = await joined();
    const delta = encodeF32(new Float32Array(c.ps.params.length).fill(1e-4));
    const at0 = (k: number) => ({ version: 0, ticket: ticketFor(s, 0)!, rolloutVersion: 0, grad: delta, report: fakeReport(c.config, { rolloutSps: k + 1 }) });
    expect(await push(s, at0(0))).toMatchObject({ accepted: true });
    expect(await push(s, at0(1))).toMatchObject({ accepted: true });
    expect(await push(s, at0(2))).toMatchObject({ accepted: false, reason: 'replayed' });
    expect(c.status()).toMatchObject({ version: 2, envSteps: 2 * c.config.numEnvs * c.config.numSteps });
  });
});

describe('9. pushes are limited to what the reported rollouts justify', () => {
  it('async: one rollout\'s pushes (updateEpochs x numMinibatches) per counted report; more are refused as overQuota', async () => {
    const c = await start();
    const s = await joined();
    const perRollout = c.config.updateEpochs * c.config.numMinibatches;
    expect((await report(s, fakeReport(c.config))).ok).toBe(true);
    for (let k = 0; k < perRollout; k++) expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
    expect(await pushUpdate(c, s)).toMatchObject({ accepted: false, reason: 'overQuota' });
    expect((await report(s, fakeReport(c.config, { rolloutVersion: c.ps.version }))).ok).toBe(true);
    expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
    expect(c.status()).toMatchObject({ accepted: perRollout + 1, rejected: { overQuota: 1 } });
  });
});

/** A gradient along a fixed direction with a little noise: what honest workers' updates look like to the outlier test. */
function honestGrad(n: number, k: number, scale = 1e-3): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * (1 + 0.3 * Math.sin(7.1 * i + 3.3 * k)));
}

/** Local mode: the rollout report a delta carries (the run's size, collected at `version`, with `overrides`); nothing in the other modes. */
function withReport(c: Coordinator, version: number, overrides: Record<string, unknown> = {}): { report?: ReturnType<typeof fakeReport> } {
  return c.config.updateMode === 'local' ? { report: fakeReport(c.config, { rolloutVersion: version, ...overrides }) } : {};
}

/**
 * Two honest workers that each land `k` updates along honestGrad, taking turns, each at the params
 * it holds (maxStaleness must allow it): a fleet whose averages judge a newcomer. In local mode each delta carries its report.
 */
async function honestFleet(c: Coordinator, k: number): Promise<{ s: HostileSocket; version: number }[]> {
  const fleet = [];
  for (let j = 0; j < 2; j++) {
    const { s, reply } = await joinHostile(url);
    sockets.push(s);
    fleet.push({ s, version: reply.version });
  }
  for (let i = 0; i < k; i++) {
    for (const [j, h] of fleet.entries()) {
      expect(await push(h.s, { version: h.version, rolloutVersion: h.version, grad: encodeF32(honestGrad(c.ps.params.length, 2 * i + j)), ...withReport(c, h.version) }))
        .toMatchObject({ accepted: true });
      h.version = c.ps.version; // the reply carried the params it made
    }
  }
  return fleet;
}

describe('10. robust acceptance and quarantine', () => {
  it('after the warmup, scaled and huge noise updates are refused as outliers; the MIN_OFFENCES-th quarantines their sender, also across a resume', async () => {
    const c = await start();
    const n = c.ps.params.length;
    const honest = await joined();
    await joined(); // a second honest worker, so that a fleet of MIN_FLEET judges
    for (let k = 0; k < WARMUP; k++) expect(await push(honest, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, k)) })).toMatchObject({ accepted: true });
    const { s: hostile, reply } = await joinHostile(url);
    sockets.push(hostile);
    const before = c.ps.params.slice();
    const attacks = [
      honestGrad(n, 99, 1e-3 * (NORM_FACTOR + 1)), // scaled past NORM_FACTOR x the median norm, still far under maxUpdateNorm
      Float32Array.from({ length: n }, (_, i) => 0.05 * Math.sin(i * i)), // noise 50x the fleet's norm
      honestGrad(n, 98, 1e-3 * 1000), // scaled x1000
      honestGrad(n, 97, 1e-3 * 10),
      honestGrad(n, 96, 1e-3 * 100),
    ];
    expect(attacks).toHaveLength(MIN_OFFENCES);
    for (const g of attacks) {
      expect(await push(hostile, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(g) })).toMatchObject({ accepted: false, reason: 'outlier' });
    }
    expect(c.ps.params).toEqual(before);
    const info = () => c.workerList().find((w) => w.workerId === reply.workerId)!;
    expect(info()).toMatchObject({ quarantined: true, trust: trustScore(0, MIN_OFFENCES) });
    expect(c.workerList().find((w) => w.workerId !== reply.workerId)).toMatchObject({ quarantined: false, trust: 1 });
    // Quarantined: a plausible update and a report no longer count; the dashboard is told.
    expect(await push(hostile, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 5)) })).toMatchObject({ accepted: false, reason: 'quarantined' });
    expect(await report(hostile, fakeReport(c.config, { rolloutVersion: c.ps.version }))).toMatchObject({ ok: false, error: expect.stringMatching(/quarantined/) });
    const dash = await connectHostile(url, { namespace: DASHBOARD_NAMESPACE });
    sockets.push(dash);
    const tick = await new Promise<DashboardTick>((resolve) => (dash as unknown as { once(e: string, f: (t: DashboardTick) => void): void }).once('tick', resolve));
    expect(tick.workers.find((w) => w.workerId === reply.workerId)).toMatchObject({ quarantined: true });
    // It reconnects and resumes: still quarantined.
    hostile.disconnect();
    await vi.waitFor(() => expect(info().connected).toBe(false), { timeout: 10_000, interval: 10 });
    const again = await connectHostile(url);
    sockets.push(again);
    const resumed = await again.timeout(5000).emitWithAck('join', { ...hostileJoin, resume: { workerId: reply.workerId, resumeToken: reply.resumeToken } });
    expect(resumed).toMatchObject({ ok: true, workerId: reply.workerId });
    if (resumed.ok) noteTicket(again, resumed);
    expect(await push(again, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 6)) })).toMatchObject({ accepted: false, reason: 'quarantined' });
    expect(c.ps.params).toEqual(before);

    // The coordinator is checkpointed through a file, stopped and resumed: the workers' records
    // come back as dropped ones; each resumes with its token and keeps its trust and its count.
    const path = join(await mkdtemp(join(tmpdir(), 'tabswarm-trust-')), 'run.ckpt');
    await saveCheckpoint(path, c.checkpoint());
    const honestBefore = c.workerList().find((w) => w.workerId !== reply.workerId)!;
    for (const s of sockets.splice(0)) s.disconnect();
    await c.stop();
    const c2 = await start({}, { resume: await loadCheckpoint(path) });
    expect(c2.workerList().map((w) => ({ id: w.workerId, connected: w.connected, quarantined: w.quarantined })).sort((a, b) => a.id.localeCompare(b.id)))
      .toEqual(c.workerList().map((w) => ({ id: w.workerId, connected: false, quarantined: w.workerId === reply.workerId })).sort((a, b) => a.id.localeCompare(b.id)));
    const back = await connectHostile(url);
    sockets.push(back);
    const resumedAgain = await back.timeout(5000).emitWithAck('join', { ...hostileJoin, resume: { workerId: reply.workerId, resumeToken: reply.resumeToken } });
    expect(resumedAgain).toMatchObject({ ok: true, workerId: reply.workerId });
    if (resumedAgain.ok) noteTicket(back, resumedAgain);
    expect(await push(back, { version: c2.ps.version, rolloutVersion: c2.ps.version, grad: encodeF32(honestGrad(n, 7)) })).toMatchObject({ accepted: false, reason: 'quarantined' });
    expect(c2.workerList().find((w) => w.workerId === reply.workerId)).toMatchObject({ connected: true, quarantined: true, trust: info().trust });
    expect(c2.workerList().find((w) => w.workerId === honestBefore.workerId)).toMatchObject({ accepted: WARMUP, trust: 1, quarantined: false });
    // A made-up token does not resume a remembered worker.
    const forger = await connectHostile(url);
    sockets.push(forger);
    expect(await forger.timeout(5000).emitWithAck('join', { ...hostileJoin, resume: { workerId: honestBefore.workerId, resumeToken: 'x'.repeat(36) } }))
      .toMatchObject({ ok: false });
    expect(c2.ps.params).toEqual(before);
  });

  it('a newcomer\'s sign-flipped, noise and zero updates are refused from the first one, and the MIN_OFFENCES-th quarantines it; an honest newcomer\'s are accepted', async () => {
    // No metrics tick: fair share (a rate per tick) stays out of this. Every newcomer joins from 127.0.0.1: address marks
    // decay at once, so each attacker is judged alone rather than as a rejoin (section 13 tests those).
    const c = await start({ maxStaleness: 1000, quarantineHalfLifeMs: 1 }, { tickMs: 3_600_000 });
    const n = c.ps.params.length;
    await honestFleet(c, WARMUP);
    const rng = new Rng(7);
    const attacks: Record<string, (k: number) => Float32Array> = {
      signFlip: (k) => honestGrad(n, 40 + k).map((x) => -x),
      noise: () => Float32Array.from({ length: n }, () => 1e-3 * rng.normal()), // the fleet's norm, a random direction each time
      zero: () => new Float32Array(n),
    };
    for (const [name, attack] of Object.entries(attacks)) {
      const before = c.ps.params.slice();
      const { s, reply } = await joinHostile(url);
      sockets.push(s);
      const replies = [];
      for (let k = 0; k < MIN_OFFENCES + 1; k++) {
        const r = await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(attack(k)) });
        replies.push(r.accepted ? 'accepted' : r.reason);
      }
      expect(replies, name).toEqual([...Array<string>(MIN_OFFENCES).fill('outlier'), 'quarantined']);
      expect(c.workerList().find((w) => w.workerId === reply.workerId), name).toMatchObject({ quarantined: true });
      expect(c.ps.params).toEqual(before);
    }
    // An honest newcomer is judged by the same test and passes it.
    const newcomer = await joined();
    for (let k = 0; k < 4; k++) expect(await push(newcomer, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 80 + k)) })).toMatchObject({ accepted: true });
    expect(c.workerList().filter((w) => w.quarantined)).toHaveLength(Object.keys(attacks).length);
  });

  it('a worker that earned its trust and then turns is refused at its RECENT_COSINES-th noise update or its 5th sign-flipped one, then quarantined', async () => {
    // No metrics tick: fair share (a rate per tick) stays out of this. Address marks decay at once, so the second turncoat,
    // from the same 127.0.0.1, is judged alone rather than as a rejoin (section 13 tests those).
    const c = await start({ maxStaleness: 1000, quarantineHalfLifeMs: 1 }, { tickMs: 3_600_000 });
    const n = c.ps.params.length;
    const [honest] = await honestFleet(c, WARMUP);
    const rng = new Rng(11);
    const turns: Record<string, [(k: number) => Float32Array, number]> = {
      // [its updates once turned, how many of them land]
      // Cosines near -0.96 after 16 near 0.96: the average, moving by PAST_WEIGHT = 1/4 a step, is 0.48, 0.12, -0.15, -0.35, then -0.50,
      // below MIN_PAST_COSINE = -0.45.
      signFlip: [(k) => honestGrad(n, 40 + k).map((x) => -x), 4],
      // The fleet's norm, a random direction each time: cosines within about 0.01 of 0, refused once the last RECENT_COSINES are all noise.
      noise: [() => Float32Array.from({ length: n }, () => 1e-3 * rng.normal()), RECENT_COSINES - 1],
    };
    for (const [name, [turned, lands]] of Object.entries(turns)) {
      const { s, reply } = await joinHostile(url);
      sockets.push(s);
      // It lands its VOUCHED_UPDATES updates like the fleet's (each judged, so it is past its newcomer updates), then turns.
      for (let k = 0; k < VOUCHED_UPDATES; k++) expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 20 + k)) })).toMatchObject({ accepted: true });
      expect(await report(s, fakeReport(c.config, { rolloutVersion: c.ps.version }))).toMatchObject({ ok: true });
      const replies = [];
      for (let k = 0; k < 20; k++) {
        const r = await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(turned(k)) });
        replies.push(r.accepted ? 'accepted' : r.reason);
        if (!r.accepted && r.reason === 'quarantined') break;
      }
      // Its first turned updates land, then every one is refused until it is quarantined.
      expect(replies.indexOf('outlier'), name).toBe(lands);
      expect(replies.slice(0, lands).every((r) => r === 'accepted'), name).toBe(true);
      expect(replies.slice(lands, -1).every((r) => r === 'outlier'), name).toBe(true);
      expect(replies.at(-1), name).toBe('quarantined');
      expect(c.workerList().find((w) => w.workerId === reply.workerId), name).toMatchObject({ quarantined: true });
    }
    // The honest workers are untouched and go on.
    expect(c.workerList().filter((w) => !w.quarantined)).toMatchObject([{ rejected: 0 }, { rejected: 0 }]);
    expect(await push(honest.s, { version: honest.version, rolloutVersion: honest.version, grad: encodeF32(honestGrad(n, 9)) })).toMatchObject({ accepted: true });
  });

  it('a flood of tiny updates from one worker does not pull the norm reference down: honest updates are still accepted after it', async () => {
    const c = await start({ maxStaleness: 1000 }, { tickMs: 3_600_000 }); // no metrics tick: fair share (a rate per tick) stays out of this
    const n = c.ps.params.length;
    const honest = await joined();
    const { s: other, reply: otherJoin } = await joinHostile(url); // a second honest worker, holding the params it joined with
    sockets.push(other);
    for (let k = 0; k < WARMUP; k++) expect(await push(honest, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, k)) })).toMatchObject({ accepted: true });
    const held = c.ps.version; // the params the honest worker holds
    const { s: flooder, reply } = await joinHostile(url);
    sockets.push(flooder);
    // 60 updates along the fleet's direction at 1/10,000 of its norm, a report before every 20 (its push quota): every one lands.
    for (let k = 0; k < 60; k++) {
      if (k > 0 && k % 20 === 0) expect(await report(flooder, fakeReport(c.config, { rolloutVersion: c.ps.version }))).toMatchObject({ ok: true });
      expect(await push(flooder, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 100 + k, 1e-7)) })).toMatchObject({ accepted: true });
    }
    // 60 of the last 68 accepted norms are tiny, but the reference is one median per worker: the honest workers' updates still pass.
    expect(c.updates.robust!.medianNorm()).toBeGreaterThan(l2Norm(honestGrad(n, 0)) / 2);
    expect(await push(other, { version: otherJoin.version, rolloutVersion: otherJoin.version, grad: encodeF32(honestGrad(n, 200)) })).toMatchObject({ accepted: true });
    expect(await push(honest, { version: held, rolloutVersion: held, grad: encodeF32(honestGrad(n, 201)) })).toMatchObject({ accepted: true });
    expect(c.workerList().find((w) => w.workerId === reply.workerId)).toMatchObject({ quarantined: false });
  });

  it('with robustUpdates and quarantine off, the same updates are stepped (the defence is what refuses them)', async () => {
    const c = await start({ robustUpdates: false, quarantine: false });
    const n = c.ps.params.length;
    const s = await joined();
    await joined();
    await joined();
    for (let k = 0; k < WARMUP; k++) await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, k)) });
    expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 98).map((x) => -x)) })).toMatchObject({ accepted: true });
  });

  it('with fewer than MIN_FLEET workers there is no majority to judge by: a lone worker\'s updates are never outliers, so it is never quarantined', async () => {
    const c = await start();
    const n = c.ps.params.length;
    const s = await joined();
    await joined();
    expect(MIN_FLEET).toBe(3);
    for (let k = 0; k < WARMUP; k++) await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, k)) });
    // 100x the median norm (still under maxUpdateNorm), then sign-flipped ones: stepped, as a lone worker's swings are.
    expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 98, 1e-3 * 100)) })).toMatchObject({ accepted: true });
    for (let k = 0; k < WARMUP + 2; k++) {
      expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(honestGrad(n, 60 + k).map((x) => -x)) })).toMatchObject({ accepted: true });
    }
    expect(c.workerList().every((w) => !w.quarantined)).toBe(true);
  });

  it('sync mode: one of three gradients scaled x1000 (under maxUpdateNorm) does not move the step: the round takes the coordinate-wise trimmed mean', async () => {
    const c = await start({ updateMode: 'sync', syncTimeoutMs: 60_000 });
    const n = c.ps.params.length;
    const [a, b, h] = [await joined(), await joined(), await joined()];
    const ga = honestGrad(n, 1);
    const gb = honestGrad(n, 2);
    const gh = honestGrad(n, 3).map((x) => -1000 * x);
    const ref = new ParameterServer(c.ps.params.slice(), c.config);
    const replies = await Promise.all([[a, ga], [b, gb], [h, gh]].map(([s, g]) => push(s as HostileSocket, { version: 0, rolloutVersion: 0, grad: encodeF32(g as Float32Array) })));
    expect(replies.map((r) => r.accepted)).toEqual([true, true, true]);
    // Three gradients: one trimmed from each end of each coordinate leaves the median, here the smaller honest value.
    const median = ga.map((x, i) => Math.min(x, gb[i]));
    ref.step(median, l2Norm(median), c.learningRate());
    expect(Array.from(c.ps.params)).toEqual(Array.from(ref.params));
  });

  it('sync mode: joined workers that never send a usable gradient stop counting toward the quorum after 2 x syncTimeoutMs', async () => {
    const c = await start({ updateMode: 'sync', syncTimeoutMs: 100 });
    const silent = await Promise.all(Array.from({ length: 5 }, () => joined()));
    const worker = await joined();
    expect(c.updates.syncTarget()).toBe(6);
    for (const s of silent) emitRaw(s, 'mine'); // connected and talking, but no gradient
    await vi.waitFor(() => expect(c.updates.syncTarget()).toBe(1), { timeout: 10_000, interval: 20 });
    // The round then closes as soon as the one contributing worker's gradient is in, round after round.
    for (let v = 0; v < 3; v++) expect(await push(worker, { version: v, rolloutVersion: v, grad: smallGrad(c) })).toMatchObject({ accepted: true, version: v + 1 });
    expect(c.updates.syncTarget()).toBe(1);
  });
});

describe('11. resources are bounded', () => {
  it('refuses connections over maxConnectionsPerIp and maxConnections, counts them, and takes new ones as others close', async () => {
    const c = await start({ maxConnectionsPerIp: 3, maxConnections: 4 });
    const open = await Promise.all(Array.from({ length: 3 }, () => connectHostile(url)));
    sockets.push(...open);
    await expect(connectHostile(url)).rejects.toThrow();
    open[0].disconnect();
    await vi.waitFor(async () => { sockets.push(await connectHostile(url)); }, { timeout: 10_000, interval: 50 });
    expect(c.status().ignoredMessages.refusedConnections).toBeGreaterThanOrEqual(1);
  });

  it('a message announcing more binary attachments than a push has, or leaving them half sent, closes its connection', async () => {
    await start({ workerTimeoutMs: 600_000 }, { halfSentTimeoutMs: 200 }); // only the half-sent timeout closes it
    for (const [attachments, sent] of [[4, 0], [3, 2]]) {
      const s = await joined();
      const closed = new Promise<string>((resolve) => s.once('disconnect', resolve));
      const engine = s.io.engine;
      engine.write(`5${attachments}-${WORKER_NAMESPACE},["push",{"_placeholder":true,"num":0}]`);
      for (let k = 0; k < sent; k++) engine.write(Buffer.alloc(1000) as unknown as string);
      expect(await closed).toMatch(/transport close|io server disconnect|parse error/);
    }
  });
});

describe('12. fair share', () => {
  it('a worker landing far more updates per second than the median contributing worker is held to its share from its first second, while 3 or more contribute', () => {
    const registry = new WorkerRegistry<string>(asyncDefaults, () => {});
    const ws = Array.from({ length: 4 }, (_, i) => registry.join(hostileJoin, `socket ${i}`, 0, 0));
    const [a, b, c, late] = ws.map((w) => { if (typeof w === 'string') throw new Error(w); return w; });
    for (let t = 1; t <= 20; t++) {
      a.accepted += 2;
      b.accepted += 3;
      c.accepted += 3;
      registry.tick(1, t * 1000);
    }
    expect(registry.fairRate).toBeCloseTo(3, 1);
    // A worker that lands an update whenever it may, within one second: its share, SHARE_FACTOR x 3 + SHARE_SLACK, at most.
    const landed = (w: typeof a, from: number) => {
      let n = 0;
      for (let ms = 0; ms < 1000; ms++) {
        if (!registry.overShare(w, from + ms)) {
          registry.spendShare(w);
          n++;
        }
      }
      return n;
    };
    const share = SHARE_FACTOR * registry.fairRate + SHARE_SLACK;
    // Its first second: a full bucket (one second's worth) and that second's refill; then the share.
    expect(landed(late, 20_000)).toBeLessThanOrEqual(2 * Math.ceil(share) + 1);
    expect(landed(late, 21_000)).toBeLessThanOrEqual(Math.ceil(share) + 1);
    // Two updates in a second are within the share of anyone; a burst beyond the bucket leaves no debt behind it.
    expect(registry.overShare(a, 21_000)).toBe(false);
    for (let k = 0; k < 100; k++) registry.spendShare(a);
    expect(registry.overShare(a, 21_000)).toBe(true);
    expect(registry.overShare(a, 21_500)).toBe(false);
    // With two contributing workers there is no median to hold one to.
    for (const w of [a, b]) registry.drop(w, 22_000);
    registry.tick(1, 22_000);
    expect(landed(late, 22_000)).toBe(1000);
  });

  it('local mode: a delta refused as overShare still counts the rollout report it carries and answers it, up to maxPushesInFlight reports per version of the params', async () => {
    // No metrics tick of its own: the test ticks the registry once. Spot checks off: the fast worker's episodes are made up.
    const c = await start({ updateMode: 'local', maxPushesInFlight: 2, maxStaleness: 1000, spotCheckRate: 0 }, { tickMs: 3_600_000 });
    const n = c.ps.params.length;
    const steps = c.config.numEnvs * c.config.numSteps;
    const fleet = await honestFleet(c, WARMUP);
    const [honest] = fleet;
    const { s: fast, reply } = await joinHostile(url);
    sockets.push(fast);
    // Two ticks as if each had lasted 1,000 s: the first starts every worker's count (the tick a worker joined in is only
    // part of one), and over the second each honest worker lands one update: a median near 0, so the fast worker's share
    // is about its SHARE_SLACK of one update a second, and it lands its first update and is over its share until that
    // second refills it.
    c.registry.tick(1000);
    for (const [j, h] of fleet.entries()) {
      expect(await push(h.s, { version: h.version, rolloutVersion: h.version, grad: encodeF32(honestGrad(n, 50 + j)), ...withReport(c, h.version) }))
        .toMatchObject({ accepted: true });
      h.version = c.ps.version;
    }
    c.registry.tick(1000);
    expect(c.registry.fairRate).toBeGreaterThan(0);
    const mine = () => c.workerList().find((w) => w.workerId === reply.workerId)!;
    let k = 0;
    const pushFast = (version: number) =>
      push(fast, { version, rolloutVersion: version, grad: encodeF32(honestGrad(n, 100 + k++)), ...withReport(c, version, episodes(1, 20)) });

    expect(await pushFast(reply.version)).toMatchObject({ accepted: true, rollout: { ok: true } }); // from the params it joined with
    const held = c.ps.version; // the params its reply carried, and their ticket
    const counted = { envSteps: c.status().envSteps, episodes: c.status().episodes };
    // Over its share: the delta is refused, its report counts (env steps, episodes; the worker's own env steps) and is answered.
    for (let i = 1; i <= 2; i++) {
      expect(await pushFast(held)).toMatchObject({ accepted: false, reason: 'overShare', rollout: { ok: true, numSteps: c.config.numSteps } });
      expect(c.status()).toMatchObject({ version: held, envSteps: counted.envSteps + i * steps, episodes: counted.episodes + i });
    }
    expect(mine().envSteps).toBe(3 * steps);
    // A third from the same params: its report is not counted (nor is a flood of reports on refused deltas).
    const third = await pushFast(held);
    expect(third).toMatchObject({ accepted: false, reason: 'overShare' });
    expect(third).not.toHaveProperty('rollout');
    expect(c.status()).toMatchObject({ envSteps: counted.envSteps + 2 * steps, episodes: counted.episodes + 2 });
    // Once the run moves on, a refusal brings newer params and their ticket, and reports from those count again.
    expect(await push(honest.s, { version: honest.version, rolloutVersion: honest.version, grad: encodeF32(honestGrad(n, 99)), ...withReport(c, honest.version) }))
      .toMatchObject({ accepted: true });
    expect(await pushFast(held)).toMatchObject({ accepted: false, reason: 'overShare', version: held + 1, params: expect.anything() });
    expect(c.status().envSteps).toBe(counted.envSteps + 3 * steps);
    expect(await pushFast(held + 1)).toMatchObject({ accepted: false, reason: 'overShare', rollout: { ok: true } });
    expect(mine()).toMatchObject({ envSteps: 4 * steps, accepted: 1, quarantined: false });
  });
});

describe('13. a quarantine is not shed by joining afresh', () => {
  /** Pushes sign-flipped updates from `s` (after `honestFirst` updates like the fleet's) until it is quarantined; what happened to each. */
  async function flipUntilQuarantined(c: Coordinator, s: HostileSocket, honestFirst: number): Promise<{ honest: number; flips: number; refused: string[] }> {
    const n = c.ps.params.length;
    const tally = { honest: 0, flips: 0, refused: [] as string[] };
    for (let k = 0; k < 60; k++) {
      const flip = k >= honestFirst;
      // A rollout report when it turns, so its flips are within the quota of pushes per counted report.
      if (k === honestFirst) await report(s, fakeReport(c.config, { rolloutVersion: c.ps.version }));
      const g = honestGrad(n, 40 + k);
      const r = await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(flip ? g.map((x) => -x) : g) });
      if (r.accepted) tally[flip ? 'flips' : 'honest']++;
      else if (r.reason === 'quarantined') return tally;
      else tally.refused.push(r.reason ?? '?');
    }
    throw new Error('not quarantined after 60 pushes');
  }

  it('a sign-flipper that joins afresh 10 times gets 3 lives, the 2nd and 3rd on probation (quarantined at their 2nd offence); then its address is refused, while the honest workers joined from it go on', async () => {
    // No metrics tick (fair share stays out, as in 10); marks that last the whole test.
    const c = await start({ maxStaleness: 1000, quarantineHalfLifeMs: 600_000 }, { tickMs: 600_000 });
    const n = c.ps.params.length;
    const [honest] = await honestFleet(c, WARMUP); // a fleet of MIN_FLEET with the attacker
    const held = honest.version; // the params the honest worker holds
    const lives: { probation: boolean; honest: number; flips: number; refused: string[] }[] = [];
    const refusedJoins: string[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      let life: Awaited<ReturnType<typeof joinHostile>>;
      try {
        life = await joinHostile(url);
      } catch (e) {
        refusedJoins.push((e as Error).message);
        continue;
      }
      sockets.push(life.s);
      const probation = c.workerList().find((w) => w.workerId === life.reply.workerId)!.probation;
      lives.push({ probation, ...(await flipUntilQuarantined(c, life.s, VOUCHED_UPDATES)) });
      life.s.disconnect();
    }
    expect(lives.map((l) => l.probation)).toEqual([false, true, true]);
    // Its first life is quarantined at the first offence from MIN_OFFENCES on that takes its trust under QUARANTINE_BELOW (the flips it landed count as accepted work), the others at their PROBATION_MIN_OFFENCES-th.
    let offences = MIN_OFFENCES;
    while (trustScore(lives[0].honest + lives[0].flips, offences) >= QUARANTINE_BELOW) offences++;
    expect(lives.map((l) => l.refused)).toEqual([new Array(offences).fill('outlier'), ...new Array(2).fill(new Array(PROBATION_MIN_OFFENCES).fill('outlier'))]);
    expect(refusedJoins).toHaveLength(7);
    for (const e of refusedJoins) expect(e).toMatch(/quarantined 3 times lately: new workers from it are refused for \d+ s more/);
    // What it landed in all: VOUCHED_UPDATES honest-looking updates and a few flips a life, three lives.
    const flips = lives.reduce((a, l) => a + l.flips, 0);
    expect(lives.every((l) => l.honest === VOUCHED_UPDATES)).toBe(true);
    expect(flips).toBeLessThanOrEqual(3 * 8);
    expect(c.status().accepted).toBe(2 * WARMUP + 3 * VOUCHED_UPDATES + flips);
    // The honest workers joined from the same address are not touched.
    expect(await push(honest.s, { version: held, rolloutVersion: held, grad: encodeF32(honestGrad(n, 99)) })).toMatchObject({ accepted: true });
    expect(c.workerList().filter((w) => !w.quarantined).map((w) => w.probation)).toEqual([false, false]);
  });

  it('leaving one offence short of quarantine does not shed it either: the next identity starts on probation', async () => {
    const c = await start({ quarantineHalfLifeMs: 600_000 });
    const first = await joined();
    for (let k = 0; k < MIN_OFFENCES - 1; k++) expect((await report(first, fakeReport(c.config, episodes(1, 500, 501)))).ok).toBe(false);
    expect(c.workerList()[0]).toMatchObject({ quarantined: false, trust: trustScore(0, MIN_OFFENCES - 1) });
    first.disconnect();
    await vi.waitFor(() => expect(c.workerList()[0].connected).toBe(false), { timeout: 10_000, interval: 10 });
    const second = await joinHostile(url);
    sockets.push(second.s);
    expect(c.workerList().find((w) => w.workerId === second.reply.workerId)).toMatchObject({ probation: true });
    // On probation its second offence quarantines it.
    for (let k = 0; k < PROBATION_MIN_OFFENCES; k++) expect((await report(second.s, fakeReport(c.config, episodes(1, 500, 501)))).ok).toBe(false);
    expect(c.workerList().find((w) => w.workerId === second.reply.workerId)).toMatchObject({ quarantined: true });
  });

  it('the refusal decays: an honest tab from the same address joins again within log2(3/2) half-lives, on probation, and its updates count', async () => {
    const halfLife = 3000;
    const c = await start({ quarantineHalfLifeMs: halfLife });
    // Three identities quarantined in quick succession by impossible reports (5 offences, then 2 on probation).
    for (const offences of [MIN_OFFENCES, PROBATION_MIN_OFFENCES, PROBATION_MIN_OFFENCES]) {
      const { s, reply } = await joinHostile(url);
      sockets.push(s);
      for (let k = 0; k < offences; k++) await report(s, fakeReport(c.config, episodes(1, 500, 501)));
      expect(c.workerList().find((w) => w.workerId === reply.workerId)).toMatchObject({ quarantined: true });
    }
    const refused = await joinHostile(url).then(() => null, (e: Error) => e.message);
    expect(refused).toMatch(/refused for \d+ s more/);
    expect(Number(/for (\d+) s more/.exec(refused!)![1])).toBeLessThanOrEqual(Math.ceil((halfLife * Math.log2(3 / 2)) / 1000)); // 1.75 s at most
    const { s, reply } = await vi.waitFor(() => joinHostile(url), { timeout: 20_000, interval: 200 });
    sockets.push(s);
    expect(c.workerList().find((w) => w.workerId === reply.workerId)).toMatchObject({ probation: true });
    expect(await pushUpdate(c, s)).toMatchObject({ accepted: true });
  });
});
