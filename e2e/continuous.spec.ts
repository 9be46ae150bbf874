/** Smoke: a continuous-action env (Gaussian policy) trains briefly on two real headless tabs. */
import { test, expect } from './fixtures.ts';
import type { RunStatus } from '../shared/protocol.ts';
import { configFor } from '../shared/config.ts';

test('two tabs train Pendulum-v1 for a short budget without errors, with accepted updates', async ({ swarm }) => {
  // Training starts at the first join: the budget (about 5 s for one tab) leaves a second tab that joins seconds later
  // time to land updates too. With 3 rollouts a tab, one tab once spent it alone before the other's first push.
  const config = configFor('Pendulum-v1', {
    numEnvs: 4, numSteps: 200, numMinibatches: 4, updateEpochs: 2, totalTimesteps: 4 * 200 * 40, normObs: true, normReward: true,
  });
  const { coordinator, logs } = await swarm(config, { workers: 2, backend: 'wasm' });
  const final = await new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
  expect(final.state).toBe('budgetExhausted');
  expect(final.episodes).toBeGreaterThan(0); // Pendulum episodes are 200 steps: every rollout ends some
  expect(final.meanReturn!).toBeLessThan(0);
  for (const w of coordinator.workerList()) {
    expect(w.accepted).toBeGreaterThan(0);
    expect(w.backend).toBe('wasm');
  }
  expect(coordinator.norm.obs!.count).toBeGreaterThan(final.envSteps);
  expect(logs.filter((l) => /page error|crashed/.test(l))).toEqual([]);
});
