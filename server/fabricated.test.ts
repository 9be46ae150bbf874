/**
 * Updates computed on fabricated rollouts, against a real Coordinator on port 0 over real
 * Socket.IO: two honest RolloutWorkers and one FabricatedAttacker (testing/fabricatedAttacker.ts,
 * a RolloutWorker that negates its minibatches' advantages) train CartPole-v1 in local mode. The
 * attacker's reports and traces are its real episodes, so its spot checks pass; what catches it is
 * the direction test per part of the model (updates/robustAcceptance.ts, networkParts).
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Coordinator } from './coordinator.ts';
import { configFor } from '../shared/config.ts';
import { RolloutWorker } from '../client/worker/rolloutWorker.ts';
import { FabricatedAttacker } from './testing/fabricatedAttacker.ts';
import { MIN_OFFENCES } from './workers/trust.ts';

let coordinators: Coordinator[] = [];

afterEach(async () => {
  await Promise.all(coordinators.map((c) => c.stop()));
  coordinators = [];
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('updates computed on fabricated rollouts', () => {
  it('a tab training on negated advantages, its reports true, is refused as an outlier and quarantined; the honest tabs are not', async () => {
    // A small CartPole-v1 run in local mode: 4 envs x 32 steps a delta, every report with an episode spot-checked.
    const config = configFor('CartPole-v1', { numEnvs: 4, numSteps: 32, updateEpochs: 4, totalTimesteps: 4 * 32 * 150, hiddenSizes: [16, 16], spotCheckRate: 1 });
    const c = new Coordinator({ config, port: 0, tickMs: 50 });
    coordinators.push(c);
    const url = `http://127.0.0.1:${await c.start()}`;
    const opts = { url, backend: 'cpu' as const, adapter: 'node', timings: [], userAgent: 'vitest' };
    const honest = [new RolloutWorker(opts), new RolloutWorker(opts)];
    const attacker = new FabricatedAttacker(url, 'cpu');
    const [[h1, h2], a] = await Promise.all([Promise.all(honest.map((w) => w.run())), attacker.run()]);

    expect([h1.state, h2.state]).toEqual(['done', 'done']);
    expect(a.quarantined).toBe(true);
    expect(a.error).toBeUndefined();
    // Quarantined for its updates' direction (MIN_OFFENCES outliers), not for its reports: every spot check passed.
    expect(a.rejected.outlier).toBeGreaterThanOrEqual(MIN_OFFENCES);
    expect(a.rejected.failedCheck).toBeUndefined();
    const checks = c.status().spotChecks;
    expect(checks).toMatchObject({ failed: 0, unanswered: 0 });
    expect(checks.passed).toBeGreaterThan(0);
    const byId = new Map(c.workerList().map((w) => [w.workerId, w]));
    expect(byId.get(a.workerId!)?.quarantined).toBe(true);
    for (const h of [h1, h2]) {
      expect(byId.get(h.workerId!)?.quarantined).toBe(false);
      expect(h.accepted).toBeGreaterThan(a.accepted);
    }
  }, 300_000);
});
