/**
 * Spot checks of reported episodes (workers/spotCheck.ts) against a real Coordinator on port 0
 * over real Socket.IO: hostile sockets (testing/hostileClient.ts) report episodes and answer the
 * coordinator's `spotCheck` with the honest tab's own traces (client/worker/traceBook.ts), with
 * lies, with garbage or not at all; the simulated liar and honest RolloutWorkers train for real.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import type { Coordinator } from './coordinator.ts';
import { configFor, defaultConfig, type TrainConfig } from '../shared/config.ts';
import { envSpec } from '../shared/envs/registry.ts';
import { encodeActions, type EpisodeTrace } from '../shared/envs/trace.ts';
import { VecEnv } from '../shared/envs/vecEnv.ts';
import { Rng } from '../shared/rng.ts';
import { encodeF32 } from '../shared/codec.ts';
import type { RolloutReport, SpotCheckRequest } from '../shared/protocol.ts';
import { TraceBook } from '../client/worker/traceBook.ts';
import { RolloutWorker } from '../client/worker/rolloutWorker.ts';
import { SimulatedAttacker } from './testing/simulatedAttacker.ts';
import { answerSpotChecks, fakeReport, push, report, type HostileSocket } from './testing/hostileClient.ts';
import { liveCoordinators } from './testing/liveCoordinators.ts';
import { UNANSWERED_ALLOWED } from './workers/spotCheck.ts';

/** Every counted report with an episode is checked; an unanswered check times out quickly. */
const checked = { updateMode: 'async' as const, numEnvs: 8, numMinibatches: 1, spotCheckRate: 1, spotCheckTimeoutMs: 300 };

const live = liveCoordinators();
const start = (config: TrainConfig) => live.start({ config, tickMs: 50 });
const joined = (url: string) => live.joined(url);

/** One real rollout of the run's size with random actions: its finished episodes and their traces. */
function realRollout(config: TrainConfig, seed: number): { episodeReturns: number[]; episodeLengths: number[]; traces: EpisodeTrace[] } {
  const vec = new VecEnv(config.envId, config.numEnvs, seed);
  const space = vec.spec.actionSpace;
  const rng = new Rng(seed);
  vec.reset();
  const out = { episodeReturns: [] as number[], episodeLengths: [] as number[], traces: [] as EpisodeTrace[] };
  for (let t = 0; t < config.numSteps; t++) {
    const actions = Float32Array.from({ length: config.numEnvs * vec.actionDim }, () => (space.type === 'discrete' ? rng.int(space.n) : rng.uniform(-2, 2)));
    for (const f of vec.step(actions).finished) {
      out.episodeReturns.push(f.return);
      out.episodeLengths.push(f.length);
      out.traces.push(f.trace);
    }
  }
  expect(out.traces.length).toBeGreaterThan(0);
  return out;
}

/** A worker that reports one real rollout (its numbers changed by `lie`) and answers spot checks from its TraceBook, as a tab does. */
async function reportRollout(c: Coordinator, url: string, lie: (r: RolloutReport) => void = () => {}): Promise<HostileSocket> {
  const s = await joined(url);
  const book = new TraceBook(envSpec(c.config.envId));
  answerSpotChecks(s, (req) => book.answer(req));
  const { traces, ...episodes } = realRollout(c.config, 11);
  const r = fakeReport(c.config, { ...episodes, rolloutVersion: c.ps.version, seq: book.add(traces) });
  lie(r);
  expect(await report(s, r)).toMatchObject({ ok: true });
  return s;
}

const spotChecks = (c: Coordinator) => c.status().spotChecks;
const worker = (c: Coordinator, i = 0) => c.workerList()[i];

describe('spot checks against a real coordinator', () => {
  it('an honest tab\'s trace replays to its reported episode: the check passes and nothing is held against it', async () => {
    for (const envId of ['CartPole-v1', 'Pendulum-v1']) {
      const { c, url } = await start(configFor(envId, checked));
      await reportRollout(c, url);
      await vi.waitFor(() => expect(spotChecks(c)).toMatchObject({ asked: 1, passed: 1, failed: 0, unanswered: 0 }));
      expect(c.status().rejected.failedCheck).toBe(0);
      expect(worker(c)).toMatchObject({ trust: 1, quarantined: false });
      expect(spotChecks(c).replayMs).toBeGreaterThan(0);
    }
  });

  it('a report whose returns are better than its episodes\' is caught by the replay and quarantines its worker at once; its later work stops counting', async () => {
    // Pendulum-v1: returns better than the real ones, still within the reward bounds, same lengths
    const { c, url } = await start(configFor('Pendulum-v1', checked));
    const s = await reportRollout(c, url, (r) => { r.episodeReturns = r.episodeReturns.map((x) => x / 2); });
    await vi.waitFor(() => expect(spotChecks(c)).toMatchObject({ asked: 1, passed: 0, failed: 1 }));
    expect(c.status().rejected.failedCheck).toBe(1);
    expect(worker(c).quarantined).toBe(true);
    const envSteps = c.status().envSteps;
    expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(new Float32Array(c.ps.params.length)) }))
      .toMatchObject({ accepted: false, reason: 'quarantined' });
    expect(await report(s, fakeReport(c.config, { rolloutVersion: c.ps.version }))).toMatchObject({ ok: false, error: expect.stringMatching(/quarantined/) });
    expect(c.status().envSteps).toBe(envSteps);
  });

  it('CartPole-v1 episodes claimed longer than they were: the trace the tab has does not fit the claim', async () => {
    const { c, url } = await start(configFor('CartPole-v1', checked));
    await reportRollout(c, url, (r) => {
      r.episodeLengths = r.episodeLengths.map((l) => Math.min(500, l + 100));
      r.episodeReturns = [...r.episodeLengths];
    });
    await vi.waitFor(() => expect(spotChecks(c).failed).toBe(1));
    expect(worker(c).quarantined).toBe(true);
  });

  it('the simulated liar answers with a made-up trace: it is quarantined at its first check, and the run is not ended by its reports', async () => {
    const { c, url } = await start(configFor('CartPole-v1', { spotCheckRate: 1 }));
    const stats = await new SimulatedAttacker(url, 'lies', 3).run();
    expect(stats.quarantined).toBe(true);
    expect(spotChecks(c)).toMatchObject({ failed: 1, passed: 0 });
    expect(worker(c).quarantined).toBe(true);
    expect(c.status().state).toBe('training');
  });

  it('malformed or oversized traces fail the check cleanly: the coordinator keeps running and nothing but the sender\'s trust changes', async () => {
    // Each answer comes from a fresh worker on 127.0.0.1: address marks decay at once, so no join is refused for the quarantines before it.
    const { c, url } = await start(configFor('CartPole-v1', { ...checked, quarantineHalfLifeMs: 1 }));
    const spec = envSpec('CartPole-v1');
    const garbage: ((req: SpotCheckRequest) => unknown)[] = [
      () => 'garbage',
      () => ({ ok: true, seed: 1.5, actions: new Uint8Array(10) }),
      () => ({ ok: true, seed: 1, actions: [0, 1, 0] }),
      () => ({ ok: true, seed: 1, actions: new Uint8Array(3) }), // no episode is 3 steps long here
      () => ({ ok: 'yes' }),
      () => ({ ok: true, seed: 1, actions: encodeActions(spec, new Float32Array(500).fill(7)) }), // invalid actions
    ];
    for (const [k, answer] of garbage.entries()) {
      const s = await joined(url);
      answerSpotChecks(s, answer);
      const { traces: _, ...episodes } = realRollout(c.config, 20 + k);
      expect(await report(s, fakeReport(c.config, { ...episodes, rolloutVersion: c.ps.version, seq: 0 }))).toMatchObject({ ok: true });
    }
    const params = c.ps.params.slice();
    const envSteps = c.status().envSteps;
    await vi.waitFor(() => expect(spotChecks(c)).toMatchObject({ asked: garbage.length, failed: garbage.length }));
    expect(c.workerList().every((w) => w.quarantined)).toBe(true);
    expect(c.ps.params).toEqual(params);
    expect(c.status()).toMatchObject({ envSteps, version: 0, accepted: 0, state: 'training' });
    // a trace larger than any message the coordinator takes closes its connection: unanswered, nothing else
    const s = await joined(url);
    answerSpotChecks(s, () => ({ ok: true, seed: 1, actions: new Uint8Array(c.ps.params.byteLength * 2 + (2 << 20)) }));
    const { traces: _, ...episodes } = realRollout(c.config, 40);
    expect(await report(s, fakeReport(c.config, { ...episodes, rolloutVersion: c.ps.version, seq: 0 }))).toMatchObject({ ok: true });
    await vi.waitFor(() => expect(spotChecks(c).unanswered).toBe(1));
    expect(c.ps.params).toEqual(params);
    expect(c.status().state).toBe('training');
  });

  it('a check refused, not answered in time, or of a report without a seq is unanswered: an offence, and a quarantine once they outnumber 1 + passed / 10', async () => {
    const { c, url } = await start(configFor('CartPole-v1', checked));
    const s = await joined(url);
    let answers = 0;
    answerSpotChecks(s, () => (answers++ === 0 ? { ok: false, error: 'no such trace' } : new Promise(() => {})));
    const rollout = async (extra: Partial<RolloutReport>) => {
      const { traces: _, ...episodes } = realRollout(c.config, 30);
      expect(await report(s, fakeReport(c.config, { ...episodes, rolloutVersion: c.ps.version, ...extra }))).toMatchObject({ ok: true });
    };
    await rollout({ seq: 0 }); // refused
    await vi.waitFor(() => expect(spotChecks(c).unanswered).toBe(1));
    expect(worker(c)).toMatchObject({ quarantined: false });
    expect(worker(c).trust).toBeLessThan(1);
    expect(UNANSWERED_ALLOWED).toBe(1);
    // a push earns the next report; this one has no seq, so it cannot be checked
    expect(await push(s, { version: c.ps.version, rolloutVersion: c.ps.version, grad: encodeF32(new Float32Array(c.ps.params.length).fill(1e-3)) })).toMatchObject({ accepted: true });
    await rollout({});
    await vi.waitFor(() => expect(spotChecks(c).unanswered).toBe(2));
    expect(worker(c).quarantined).toBe(true);
    expect(c.status().rejected.failedCheck).toBe(2);
  });

  it('a tab that never answers (no handler) is unanswered once spotCheckTimeoutMs passes', async () => {
    const { c, url } = await start(configFor('CartPole-v1', checked));
    const s = await joined(url);
    const { traces: _, ...episodes } = realRollout(c.config, 5);
    expect(await report(s, fakeReport(c.config, { ...episodes, rolloutVersion: c.ps.version, seq: 0 }))).toMatchObject({ ok: true });
    expect(spotChecks(c)).toMatchObject({ asked: 1, unanswered: 0 });
    await vi.waitFor(() => expect(spotChecks(c).unanswered).toBe(1));
  });

  it('spotCheckRate 0 asks nothing', async () => {
    const { c, url } = await start(configFor('CartPole-v1', { ...checked, spotCheckRate: 0 }));
    await reportRollout(c, url, (r) => { r.episodeReturns = r.episodeReturns.map(() => 1); r.episodeLengths = r.episodeLengths.map(() => 1); });
    expect(spotChecks(c).asked).toBe(0);
  });
});

describe('honest RolloutWorkers are never flagged over real training runs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['CartPole-v1 (local mode)', configFor('CartPole-v1', { numEnvs: 4, numSteps: 32, updateEpochs: 2, totalTimesteps: 4 * 32 * 60, hiddenSizes: [16, 16], spotCheckRate: 1 })],
    ['CartPole-v1 (async mode)', { ...defaultConfig, updateMode: 'async' as const, numEnvs: 4, numSteps: 32, updateEpochs: 2, totalTimesteps: 4 * 32 * 30, hiddenSizes: [16, 16], spotCheckRate: 1 }],
    ['Pendulum-v1 (gSDE, float32 actions, time limit)', configFor('Pendulum-v1', { numSteps: 256, numMinibatches: 4, updateEpochs: 2, totalTimesteps: 4 * 256 * 12, hiddenSizes: [16, 16], spotCheckRate: 1 })],
  ])('%s: every report with an episode is checked, and every check passes', async (_name, config) => {
    const { c, url } = await start(config);
    const opts = { url, backend: 'cpu' as const, adapter: 'node', timings: [], userAgent: 'vitest' };
    const states = await Promise.all([new RolloutWorker(opts).run(), new RolloutWorker(opts).run()]);
    expect(states.map((s) => s.state)).toEqual(['done', 'done']);
    const checks = spotChecks(c);
    expect(checks.passed).toBeGreaterThanOrEqual(4);
    expect(checks).toMatchObject({ failed: 0, unanswered: 0 });
    expect(c.status().rejected.failedCheck).toBe(0);
    expect(c.workerList().map((w) => w.quarantined)).toEqual([false, false]);
  });
});
