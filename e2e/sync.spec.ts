/** End to end: the sync baseline with two real tabs, one of them a simulated slow device. */
import { test, expect } from './fixtures.ts';
import type { RunStatus } from '../shared/protocol.ts';

test('sync mode: two tabs, one slow, step together; every step averages both or closes at the cutoff', async ({ swarm }) => {
  const { coordinator } = await swarm(
    { envId: 'CartPole-v1', seed: 3, totalTimesteps: 8_000, updateMode: 'sync', syncTimeoutMs: 500 },
    { workers: 2, backend: 'wasm', delays: [0, 30] },
  );
  const final = await new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
  expect(final.state).toBe('budgetExhausted');
  const [fast, slow] = coordinator.workerList().sort((a, b) => a.workerIndex - b.workerIndex);
  expect(fast.accepted).toBeGreaterThan(0);
  expect(slow.accepted).toBeGreaterThan(0);
  // Every applied gradient was computed at the version it was applied to, and most steps averaged both tabs.
  expect(final.stalenessHistogram).toEqual([final.accepted]);
  expect(final.version).toBeLessThan(final.accepted);
  expect(final.accepted).toBeGreaterThan(1.5 * final.version);
});
