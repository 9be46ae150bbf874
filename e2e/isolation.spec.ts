/** End to end: with COOP/COEP the worker tab is cross-origin isolated and runs the threaded wasm build. */
import { test, expect } from './fixtures.ts';

test('a cross-origin isolated tab trains on wasm with threads', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ totalTimesteps: 10_000_000 }, { workers: 1, backend: 'wasm' }, { crossOriginIsolation: true });
  const [page] = fleet.pages;
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  await expect.poll(() => coordinator.workerList()[0]?.accepted ?? 0, { timeout: 120_000 }).toBeGreaterThan(0);
  expect(coordinator.workerList()[0]).toMatchObject({ backend: 'wasm', adapter: 'wasm simd threads' });
});
