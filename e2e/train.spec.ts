/** End to end: a coordinator and two real headless Chromium tabs train CartPole-v1 to solved. */
import { test, expect } from './fixtures.ts';
import type { RunStatus } from '../shared/protocol.ts';

test('two tabs solve CartPole-v1 and both contribute accepted updates', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ envId: 'CartPole-v1', seed: 1, totalTimesteps: 400_000 }, { workers: 2 });
  const final = await new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
  expect(final.state).toBe('solved');
  expect(final.meanReturn!).toBeGreaterThanOrEqual(475);
  const workers = coordinator.workerList();
  expect(workers).toHaveLength(2);
  for (const w of workers) {
    expect(w.accepted).toBeGreaterThan(0);
    expect(w.envSteps).toBeGreaterThan(0);
  }
  // The tab pages show what they did.
  for (const page of fleet.pages) {
    await expect(page.getByTestId('worker-state')).toHaveText('done');
  }
});
