/** End to end: plain worker tabs, the kind `npm start` opens, train and still report their errors. */
import { test, expect } from './fixtures.ts';
import type { Backend } from '../shared/protocol.ts';

test('plain tabs train and report their page errors', async ({ swarm }) => {
  const { coordinator, logs } = await swarm(
    { totalTimesteps: 10_000_000 },
    { workers: 2, plain: true, backend: ['cpu', 'bogus' as Backend] },
  );
  await expect.poll(() => coordinator.workerList()[0]?.accepted ?? 0, { timeout: 120_000 }).toBeGreaterThan(0);
  expect(coordinator.workerList()).toHaveLength(1);
  expect(coordinator.workerList()[0]).toMatchObject({ backend: 'cpu' });
  await expect.poll(() => logs.join('\n')).toMatch(/\[tab 1\] console error: Error: unknown backend "bogus"/);
});
