/**
 * Smoke run of the whole loop in one process: a real coordinator, two RolloutWorkers on real
 * socket.io-client sockets with the tfjs cpu backend, a tiny config.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Coordinator } from '../../server/coordinator.ts';
import { defaultConfig } from '../../shared/config.ts';
import { RolloutWorker } from './rolloutWorker.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const workerOpts = (url: string) => ({ url, backend: 'cpu' as const, adapter: 'node', timings: [], userAgent: 'vitest' });

describe.each([false, true])('RolloutWorker against a real coordinator (pipelinePushes %s)', (pipelinePushes) => {
  let coordinator: Coordinator;
  let url: string;

  beforeAll(async () => {
    coordinator = new Coordinator({
      config: { ...defaultConfig, numEnvs: 4, numSteps: 16, updateEpochs: 2, numMinibatches: 2, totalTimesteps: 4 * 16 * 6, hiddenSizes: [16, 16], pipelinePushes },
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

describe.each(['CartPole-v1', 'Pendulum-v1'])('worker tensor memory (%s: categorical and Gaussian heads)', (envId) => {
  it('stays flat across rollouts and updates', async () => {
    const coordinator = new Coordinator({
      config: { ...defaultConfig, envId, numEnvs: 4, numSteps: 8, updateEpochs: 1, numMinibatches: 1, totalTimesteps: 4 * 8 * 40, hiddenSizes: [8] },
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
