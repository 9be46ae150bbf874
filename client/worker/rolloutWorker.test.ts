/**
 * Smoke run of the whole loop in one process: a real coordinator, two RolloutWorkers on real
 * socket.io-client sockets with the tfjs cpu backend, a tiny config.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Coordinator } from '../../server/coordinator.ts';
import { defaultConfig } from '../../shared/config.ts';
import { RolloutWorker } from './rolloutWorker.ts';
import { Adam } from '../../shared/ppo/adam.ts';
import { Learner } from '../../shared/ppo/learner.ts';

const learnerSetParams = Learner.prototype.setParams;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

/** These tests exercise the per-minibatch protocol; CartPole-v1's default is local mode. */
const asyncDefaults = { ...defaultConfig, updateMode: 'async' as const };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const workerOpts = (url: string) => ({ url, backend: 'cpu' as const, adapter: 'node', timings: [], userAgent: 'vitest' });

describe.each([false, true])('RolloutWorker against a real coordinator (pipelinePushes %s)', (pipelinePushes) => {
  let coordinator: Coordinator;
  let url: string;

  beforeAll(async () => {
    coordinator = new Coordinator({
      config: { ...asyncDefaults, numEnvs: 4, numSteps: 16, updateEpochs: 2, numMinibatches: 2, totalTimesteps: 4 * 16 * 6, hiddenSizes: [16, 16], pipelinePushes },
      port: 0,
      tickMs: 50,
    });
    url = `http://127.0.0.1:${await coordinator.start()}`;
  });
  afterAll(() => coordinator.stop());

  it('two workers roll out, push accepted gradients and stop when the budget is spent', async () => {
    const a = new RolloutWorker(workerOpts(url));
    const b = new RolloutWorker(workerOpts(url));
    const [sa, sb] = await Promise.all([a.run(), b.run()]);
    const status = coordinator.status();
    expect(status.state).toBe('budgetExhausted');
    expect(status.envSteps).toBeGreaterThanOrEqual(4 * 16 * 6);
    for (const s of [sa, sb]) {
      expect(s.state).toBe('done');
      expect(s.rollouts).toBeGreaterThan(0);
      expect(s.accepted).toBeGreaterThan(0);
    }
    // Each accepted push is one version; counts agree on both sides.
    expect(status.accepted).toBe(coordinator.ps.version);
    expect(sa.accepted + sb.accepted).toBe(status.accepted);
    const workers = coordinator.workerList();
    expect(workers.map((w) => w.accepted).sort()).toEqual([sa.accepted, sb.accepted].sort());
    expect(workers.reduce((n, w) => n + w.envSteps, 0)).toBe(status.envSteps);
  });
});

describe('Local mode: one delta per rollout', () => {
  it.each([[1, 1], [4, 2], [10, 4]])('waits on at most 2 round trips per rollout with %i epochs x %i minibatches, and both workers land deltas', async (updateEpochs, numMinibatches) => {
    const config = {
      ...defaultConfig, updateMode: 'local' as const, numEnvs: 4, numSteps: 16, updateEpochs, numMinibatches, totalTimesteps: 4 * 16 * 12, hiddenSizes: [16, 16],
    };
    const coordinator = new Coordinator({ config, port: 0, tickMs: 50 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const pushes = new Map<string, number>();
    const [sa, sb] = await Promise.all([new RolloutWorker(workerOpts(url)).run(), new RolloutWorker(workerOpts(url)).run()]);
    await coordinator.stop();
    for (const w of coordinator.workerList()) pushes.set(w.workerId, w.accepted + w.rejected);
    const status = coordinator.status();
    expect(status.state).toBe('budgetExhausted');
    for (const s of [sa, sb]) {
      expect(s.state).toBe('done');
      expect(s.accepted).toBeGreaterThan(0);
      // One push per rollout, however many gradient steps the rollout's epochs took.
      expect(pushes.get(s.workerId!)).toBeLessThanOrEqual(s.rollouts);
      expect(s.roundTripsWaited).toBeLessThanOrEqual(2 * s.rollouts);
    }
    expect(status.accepted).toBe(coordinator.ps.version);
    // Every report rode with its delta: the env steps counted are the workers' own.
    expect(coordinator.workerList().reduce((n, w) => n + w.envSteps, 0)).toBe(status.envSteps);
  });

  // One tab at outerLr 1: the coordinator steps each delta by 1, so global params that come back
  // plus the tab's deltas still on the wire are exactly where the tab already was. Each rollout's
  // second push waits on the first's reply with its own delta on the wire, so every run adopts
  // params at least once while a delta is pending.
  it.each([true, false])('rebaseInFlight %s: adopting the global params keeps the tab where its own deltas put it only when rebasing', async (rebaseInFlight) => {
    const config = {
      ...defaultConfig, updateMode: 'local' as const, numEnvs: 4, numSteps: 16, updateEpochs: 4, numMinibatches: 2, totalTimesteps: 4 * 16 * 12, hiddenSizes: [16, 16],
      learningRate: 1e-3, outerLr: 1, maxPushesInFlight: 2, maxRolloutScale: 1, rebaseInFlight,
    };
    const coordinator = new Coordinator({ config, port: 0, tickMs: 50 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    // Every params the tab's learner is set to (copied: the tab's own are updated in place), and
    // whether an Adam step made them since the last (else: adopted or rebased).
    const sets: { params: Float32Array; local: boolean }[] = [];
    const step = vi.spyOn(Adam.prototype, 'step');
    let steps = 0;
    const setParams = vi.spyOn(Learner.prototype, 'setParams').mockImplementation(function (this: Learner, flat) {
      sets.push({ params: Float32Array.from(flat), local: step.mock.calls.length > steps });
      steps = step.mock.calls.length;
      learnerSetParams.call(this, flat);
    });
    try {
      const s = await new RolloutWorker(workerOpts(url)).run();
      expect(s.accepted).toBeGreaterThan(4);
    } finally {
      step.mockRestore();
      setParams.mockRestore();
      await coordinator.stop();
    }
    // How far each adoption (with its rebase, when on) moved the tab from its last local step.
    const jumps: number[] = [];
    let last: Float32Array | null = null;
    for (let i = 0; i < sets.length; i++) {
      if (sets[i].local) last = sets[i].params;
      else if (last && (i + 1 === sets.length || sets[i + 1].local)) jumps.push(maxAbsDiff(sets[i].params, last));
    }
    expect(jumps.length).toBeGreaterThan(4);
    if (rebaseInFlight) expect(Math.max(...jumps)).toBeLessThan(1e-6);
    else expect(Math.max(...jumps)).toBeGreaterThan(1e-4); // the delta still on the wire, dropped until its reply (about 2e-3 here)
  });

  it('async mode, for comparison, waits on a round trip per minibatch', async () => {
    const config = { ...asyncDefaults, numEnvs: 4, numSteps: 16, updateEpochs: 4, numMinibatches: 2, totalTimesteps: 4 * 16 * 3, hiddenSizes: [16, 16] };
    const coordinator = new Coordinator({ config, port: 0, tickMs: 50 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const s = await new RolloutWorker(workerOpts(url)).run();
    await coordinator.stop();
    // The report and 4 x 2 pushes per rollout; the last report spends the budget, and the run ends with its reply.
    expect(s.rollouts).toBe(3);
    expect(s.roundTripsWaited).toBe(2 * (1 + 4 * 2) + 1);
  });
});

describe.each(['CartPole-v1', 'Pendulum-v1'])('worker tensor memory (%s: categorical and Gaussian heads)', (envId) => {
  it('stays flat across rollouts and updates', async () => {
    const coordinator = new Coordinator({
      config: { ...asyncDefaults, envId, numEnvs: 4, numSteps: 8, updateEpochs: 1, numMinibatches: 1, totalTimesteps: 4 * 8 * 40, hiddenSizes: [8] },
      port: 0,
    });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const counts: number[] = [];
    const worker = new RolloutWorker({ ...workerOpts(url), onStatus: (s) => { if (s.rollouts > 0) counts.push(tf.memory().numTensors); } });
    const before = tf.memory().numTensors;
    await worker.run();
    await coordinator.stop();
    expect(counts.length).toBeGreaterThan(30);
    // After the first rollout the count never moves; after the run everything is released.
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('RolloutWorker options', () => {
  it('target-KL early stop ends each rollout\'s update after its first epoch', async () => {
    const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 8, updateEpochs: 5, numMinibatches: 2, totalTimesteps: 4 * 8 * 3, hiddenSizes: [8], targetKl: 1e-12 };
    const coordinator = new Coordinator({ config: cfg, port: 0 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const s = await new RolloutWorker(workerOpts(url)).run();
    await coordinator.stop();
    // One epoch of 2 minibatches per rollout; without the early stop it would be 5 epochs of 2.
    expect(s.rollouts).toBe(3);
    expect(s.accepted + s.rejected).toBeLessThanOrEqual(2 * s.rollouts);
    expect(s.accepted).toBeGreaterThan(0);
  });

  it('a policyLag rejection ends the rollout\'s update and the worker collects a fresh rollout', async () => {
    const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 8, updateEpochs: 4, numMinibatches: 2, totalTimesteps: 4 * 8 * 4, hiddenSizes: [8], maxPolicyLag: 2 };
    const coordinator = new Coordinator({ config: cfg, port: 0 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const s = await new RolloutWorker(workerOpts(url)).run();
    await coordinator.stop();
    expect(s.state).toBe('done');
    expect(s.rollouts).toBe(4);
    // Lags 0, 1 and 2 are applied, lag 3 is refused: 3 accepted and 1 policyLag per rollout but the last.
    expect(coordinator.updates.counts.rejected.policyLag).toBe(3);
    expect(coordinator.updates.counts.accepted).toBe(9);
  });

  it('with normalization on, the coordinator\'s stats count every observation the worker saw', async () => {
    const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 8, updateEpochs: 1, numMinibatches: 1, totalTimesteps: 4 * 8 * 3, hiddenSizes: [8], normObs: true, normReward: true };
    const coordinator = new Coordinator({ config: cfg, port: 0 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const s = await new RolloutWorker(workerOpts(url)).run();
    await coordinator.stop();
    expect(s.state).toBe('done');
    // The initial reset (4 obs) plus one obs per env step; the prior adds 1e-4.
    expect(coordinator.norm.obs!.count).toBeCloseTo(4 + 4 * 8 * 3, 3);
    expect(coordinator.norm.ret!.count).toBeCloseTo(4 * 8 * 3, 3);
    expect(Math.abs(coordinator.norm.obs!.mean[2])).toBeLessThan(0.2); // CartPole's pole angle stays near 0
  });
});

describe('RolloutWorker update codecs', () => {
  it.each(['fp16', 'int8'] as const)('trains with %s updates: every push decodes and is accepted', async (updateCodec) => {
    const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 8, updateEpochs: 2, numMinibatches: 2, totalTimesteps: 4 * 8 * 3, hiddenSizes: [8], updateCodec };
    const coordinator = new Coordinator({ config: cfg, port: 0 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const s = await new RolloutWorker(workerOpts(url)).run();
    await coordinator.stop();
    expect(s.state).toBe('done');
    // 2 epochs x 2 minibatches after each of the first 2 rollouts; the third report spends the budget.
    expect(s.accepted).toBe(2 * 2 * 2);
    expect(coordinator.updates.counts.accepted).toBe(8);
    expect(Object.values(coordinator.updates.counts.rejected).reduce((a, b) => a + b, 0)).toBe(coordinator.updates.counts.rejected.finished);
  });
});

describe('RolloutWorker lifecycle', () => {
  const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 16, updateEpochs: 2, numMinibatches: 2, hiddenSizes: [8] };

  it('a slow worker beside a fast one gets shorter rollouts and still lands updates within the bound', async () => {
    const coordinator = new Coordinator({ config: { ...cfg, maxStaleness: 2, workSizing: true, totalTimesteps: 4 * 16 * 200 }, port: 0, tickMs: 50 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    const fast = new RolloutWorker(workerOpts(url));
    const slow = new RolloutWorker({ ...workerOpts(url), delayMs: 24 });
    const slowSizes: number[] = [];
    const watch = setInterval(() => { if (slow.status.numSteps > 0) slowSizes.push(slow.status.numSteps); }, 20);
    const [sf, ss] = await Promise.all([fast.run(), slow.run()]);
    clearInterval(watch);
    await coordinator.stop();
    expect(sf.state).toBe('done');
    expect(ss.state).toBe('done');
    expect(sf.accepted).toBeGreaterThan(ss.accepted);
    expect(ss.accepted).toBeGreaterThan(0);
    expect(Math.min(...slowSizes)).toBeLessThan(16);
    expect(coordinator.updates.stalenessHistogram.length).toBeLessThanOrEqual(3); // nothing older than maxStaleness was applied
  });

  it('resumes after the coordinator drops it, with fresh params, and finishes the run', async () => {
    const coordinator = new Coordinator({ config: { ...cfg, totalTimesteps: 4 * 16 * 8 }, port: 0, tickMs: 50 });
    const url = `http://127.0.0.1:${await coordinator.start()}`;
    let dropped = false;
    const worker = new RolloutWorker({
      ...workerOpts(url),
      onStatus: (s) => {
        if (!dropped && s.rollouts === 2 && s.workerId) dropped = coordinator.dropWorker(s.workerId);
      },
    });
    const s = await worker.run();
    await coordinator.stop();
    expect(dropped).toBe(true);
    expect(s.state).toBe('done');
    expect(s.resumes).toBe(1);
    expect(coordinator.workerList()).toHaveLength(1); // the same worker, not a new one
    expect(coordinator.status().state).toBe('budgetExhausted');
    expect(coordinator.updates.counts.accepted).toBe(s.accepted);
  });
});

describe('RolloutWorker across coordinator restarts, pauses and runs', () => {
  const cfg = { ...asyncDefaults, numEnvs: 4, numSteps: 16, updateEpochs: 2, numMinibatches: 2, hiddenSizes: [8] };
  /** Resolves once `check()` holds, polling every 20 ms. */
  const until = async (check: () => boolean) => { while (!check()) await new Promise((r) => setTimeout(r, 20)); };

  it('reconnects to a coordinator restarted on the same port and trains on there', async () => {
    const a = new Coordinator({ config: { ...cfg, totalTimesteps: 1e9 }, port: 0, tickMs: 50 });
    const port = await a.start();
    const worker = new RolloutWorker(workerOpts(`http://127.0.0.1:${port}`));
    const running = worker.run();
    await until(() => worker.status.accepted > 0);
    await a.stop();
    // Down for longer than Socket.IO's first retries: the worker keeps trying.
    await new Promise((r) => setTimeout(r, 1500));
    expect(worker.status.state).toBe('training');
    const b = new Coordinator({ config: { ...cfg, totalTimesteps: 4 * 16 * 6 }, port, tickMs: 50 });
    await b.start();
    const s = await running;
    await b.stop();
    expect(s.state).toBe('done');
    expect(s.resumes).toBeGreaterThanOrEqual(1);
    expect(b.status().state).toBe('budgetExhausted');
    expect(b.workerList()).toHaveLength(1);
    expect(b.updates.counts.accepted).toBeGreaterThan(0);
  });

  it('keeps trying a coordinator that is not up yet, joins it once it is, and stop() ends the wait', async () => {
    const probe = new Coordinator({ config: cfg, port: 0 });
    const port = await probe.start();
    await probe.stop(); // a port nothing listens on now
    const worker = new RolloutWorker(workerOpts(`http://127.0.0.1:${port}`));
    const running = worker.run();
    await until(() => worker.status.message.startsWith('cannot reach'));
    await new Promise((r) => setTimeout(r, 1500));
    expect(worker.status.state).toBe('connecting');
    const late = new Coordinator({ config: { ...cfg, totalTimesteps: 1e9 }, port, tickMs: 50 });
    await late.start();
    await until(() => late.updates.counts.accepted > 0);
    await late.stop();
    // Down again: stop() ends the reconnecting.
    await until(() => worker.status.message.startsWith('cannot reach') || worker.status.message.startsWith('connection lost'));
    worker.stop();
    expect((await running).state).toBe('stopped');
  });

  it('holds while the coordinator pauses the run, connected, and goes on when it resumes', async () => {
    const coordinator = new Coordinator({ config: { ...cfg, totalTimesteps: 1e9 }, port: 0, tickMs: 50 });
    const worker = new RolloutWorker(workerOpts(`http://127.0.0.1:${await coordinator.start()}`));
    const running = worker.run();
    await until(() => worker.status.accepted > 0);
    coordinator['workerNs'].emit('paused', true, 'checkpointing');
    await until(() => worker.status.paused === 'checkpointing');
    // What was on the wire settles; after that nothing more arrives while held.
    await new Promise((r) => setTimeout(r, 300));
    const held = { pushes: coordinator.updates.counts.accepted, envSteps: coordinator.status().envSteps };
    await new Promise((r) => setTimeout(r, 700));
    expect(coordinator.updates.counts.accepted).toBe(held.pushes);
    expect(coordinator.status().envSteps).toBe(held.envSteps);
    expect(coordinator.workerList()[0].connected).toBe(true);
    coordinator['workerNs'].emit('paused', false, '');
    await until(() => coordinator.updates.counts.accepted > held.pushes);
    expect(worker.status.paused).toBeNull();
    worker.stop();
    const s = await running;
    expect(s.state).toBe('stopped');
    await until(() => !coordinator.workerList()[0].connected);
    await coordinator.stop();
  });

  it('with waitForNextRun, a worker whose run ended joins the next run at the same URL', async () => {
    const a = new Coordinator({ config: { ...cfg, totalTimesteps: 4 * 16 * 3 }, port: 0, tickMs: 50 });
    const port = await a.start();
    const worker = new RolloutWorker({ ...workerOpts(`http://127.0.0.1:${port}`), waitForNextRun: true });
    const running = worker.run();
    await until(() => worker.status.state === 'done');
    expect(worker.status.message).toMatch(/waiting for the next run/);
    // The ended run stays served for a while: the worker waits, connected.
    await new Promise((r) => setTimeout(r, 300));
    expect(worker.status.state).toBe('done');
    await a.stop();
    const b = new Coordinator({ config: { ...cfg, totalTimesteps: 4 * 16 * 3 }, port, tickMs: 50 });
    const bDone = new Promise((r) => b.once('done', r));
    await b.start();
    await bDone;
    expect(b.workerList()).toHaveLength(1);
    expect(b.workerList()[0].accepted).toBeGreaterThan(0);
    await until(() => worker.status.state === 'done');
    expect(worker.status.accepted).toBe(b.workerList()[0].accepted); // counted afresh for the new run
    worker.stop();
    expect((await running).state).toBe('stopped');
    await b.stop();
  });

  it('with waitForNextRun, a worker that joins a run that has ended says so and joins the next one', async () => {
    const a = new Coordinator({ config: { ...cfg, totalTimesteps: 1e9 }, port: 0, tickMs: 50 });
    const port = await a.start();
    a.endRun();
    const worker = new RolloutWorker({ ...workerOpts(`http://127.0.0.1:${port}`), waitForNextRun: true });
    const running = worker.run();
    await until(() => worker.status.state === 'done');
    expect(worker.status.message).toMatch(/the run is over \(stopped\).*waiting for the next run/);
    await a.stop();
    const b = new Coordinator({ config: { ...cfg, totalTimesteps: 1e9 }, port, tickMs: 50 });
    await b.start();
    await until(() => b.updates.counts.accepted > 0);
    expect(worker.status.state).toBe('training');
    worker.stop();
    expect((await running).state).toBe('stopped');
    await b.stop();
  });
});
