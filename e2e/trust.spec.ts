/**
 * End to end: two honest headless tabs and one simulated hostile worker, which pushes the fleet's
 * last movement sign-flipped as fast as the replies come, train CartPole-v1 to solved; the hostile
 * worker ends up quarantined, and shown so on the dashboard, and none of the honest ones does.
 * And real tabs answer the coordinator's spot checks with traces that its Node envs replay to
 * the reported episodes (browser V8 and Node agree), so no honest tab fails one.
 */
import { test, expect } from './fixtures.ts';
import type { RunStatus } from '../shared/protocol.ts';
import { SimulatedAttacker } from '../server/testing/simulatedAttacker.ts';

test('two honest tabs solve CartPole-v1 beside a sign-flipping worker, which is quarantined', async ({ swarm }) => {
  const { coordinator, url, fleet } = await swarm({ envId: 'CartPole-v1', seed: 1, totalTimesteps: 400_000 }, { workers: 2 });
  const done = new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
  // The tabs join first (they measure their backends), so the attacker meets a working fleet.
  await expect.poll(() => coordinator.workerList().filter((w) => w.accepted > 0).length, { timeout: 180_000 }).toBe(2);
  const attacker = new SimulatedAttacker(url, 'signFlip');
  const attack = attacker.run();

  const final = await done;
  attacker.stop();
  const stats = await attack;
  expect(final.state).toBe('solved');
  expect(stats.quarantined).toBe(true);
  const workers = coordinator.workerList();
  expect(workers.filter((w) => w.quarantined).map((w) => w.workerId)).toHaveLength(1);
  const hostile = workers.find((w) => w.quarantined)!;
  expect(hostile.accepted).toBe(stats.accepted);
  expect(hostile.trust).toBeLessThan(0.5);
  for (const w of workers.filter((x) => !x.quarantined)) expect(w.accepted).toBeGreaterThan(0);
  // The dashboard shows which worker is quarantined, and the others' trust.
  const dashboard = await fleet.page('/');
  await expect(dashboard.locator('[data-testid="worker-row"][data-quarantined="true"] [data-testid="worker-trust"]')).toHaveText('quarantined');
  await expect(dashboard.locator('[data-testid="worker-row"][data-quarantined="false"]')).toHaveCount(2);
});

for (const [envId, overrides] of [
  ['CartPole-v1', { totalTimesteps: 16 * 32 * 30 }],
  // trigonometry, Box2D contacts and float32 Gaussian actions, clipped in the tab
  ['LunarLanderContinuous-v3', { totalTimesteps: 16 * 64 * 12, numSteps: 64, numMinibatches: 4, updateEpochs: 1 }],
] as const) {
  test(`real tabs answer every spot check of ${envId}, and every one passes`, async ({ swarm }) => {
    const { coordinator } = await swarm({ envId, seed: 2, spotCheckRate: 1, ...overrides }, { workers: 2 });
    const done = new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
    const final = await done;
    expect(final.spotChecks.passed).toBeGreaterThanOrEqual(4);
    expect(final.spotChecks).toMatchObject({ failed: 0, unanswered: 0 });
    expect(final.rejected.failedCheck).toBe(0);
    expect(coordinator.workerList().filter((w) => w.quarantined)).toEqual([]);
  });
}
