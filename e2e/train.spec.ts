/** End to end: a coordinator and two real headless Chromium tabs train CartPole-v1 to solved. */
import { test, expect } from './fixtures.ts';
import type { RunStatus } from '../shared/protocol.ts';

test('two tabs solve CartPole-v1, both contribute accepted updates, the dashboard follows live', async ({ swarm }) => {
  const { coordinator, fleet, logs } = await swarm({ envId: 'CartPole-v1', seed: 1, totalTimesteps: 400_000 }, { workers: 2 });
  const done = new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
  const dashboard = await fleet.page('/', (line) => logs.push(`[dashboard] ${line}`));
  await expect(dashboard.getByTestId('worker-row')).toHaveCount(2, { timeout: 120_000 });
  await expect(dashboard.getByTestId('run-state')).toHaveText(/training/i);

  const final = await done;
  expect(final.state).toBe('solved');
  expect(final.meanReturn!).toBeGreaterThanOrEqual(475);
  const workers = coordinator.workerList();
  expect(workers).toHaveLength(2);
  for (const w of workers) {
    expect(w.accepted).toBeGreaterThan(0);
    expect(w.envSteps).toBeGreaterThan(0);
    expect(w.stageSeconds.collect).toBeGreaterThan(0);
    expect(w.stageSeconds.gradient).toBeGreaterThan(0);
    expect(w.stageSeconds.push).toBeGreaterThan(0);
    // Every backend was timed, and the tab trains on the one with the cheapest cycle.
    expect(w.timings.map((t) => t.backend).sort()).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
    const fastest = Math.min(...w.timings.filter((t) => t.cycleMs !== null).map((t) => t.cycleMs!));
    expect(w.timings.find((t) => t.backend === w.backend)?.cycleMs).toBe(fastest);
  }
  // A tab stopped by an error tries again by itself (client/worker/main.ts): shown here if one did.
  const stopped = logs.filter((l) => l.includes('tabswarm: training stopped'));
  if (stopped.length) console.log(`tabs that stopped on an error and tried again:\n${stopped.join('\n')}`);
  // The tab's own state with its message, so that a tab that ended otherwise says why.
  for (const page of fleet.pages) {
    await expect.poll(() => page.evaluate(() => `${document.querySelector('[data-testid=worker-state]')?.textContent}: ${document.querySelector('[data-testid=worker-message]')?.textContent}`)).toMatch(/^done: /);
  }
  await expect(dashboard.getByTestId('run-state')).toHaveText(/solved/i);
  await expect(dashboard.getByTestId('env-steps')).toHaveText(final.envSteps.toLocaleString('en-US'));
  await expect(dashboard.locator('.recharts-line-curve').first()).toBeVisible();
  await expect(dashboard.getByTestId('worker-stages').first()).toHaveText(/^rollouts \d+%, gradients \d+%, pushes \d+%, param uploads \d+%$/);
  await expect(dashboard.getByTestId('staleness-histogram')).toHaveAttribute('data-total', String(final.accepted));
});

test('the dashboard\'s Contribute action makes that tab a worker, and closing it leaves', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ totalTimesteps: 10_000_000 }, { workers: 0, backend: 'cpu' });
  const page = await fleet.page('/');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-state', 'connected');
  await page.getByTestId('contribute').click();
  await expect(page).toHaveURL(/\/worker\.html/);
  await expect.poll(() => coordinator.workerList().filter((w) => w.connected).length, { timeout: 120_000 }).toBe(1);
  await expect.poll(() => coordinator.workerList()[0].accepted, { timeout: 120_000 }).toBeGreaterThan(0);
  await page.close();
  await expect.poll(() => coordinator.workerList()[0].connected, { timeout: 30_000 }).toBe(false);
  // Nothing from the departed tab is counted after it left.
  const after = coordinator.status();
  await new Promise((r) => setTimeout(r, 1500));
  expect(coordinator.status().accepted).toBe(after.accepted);
  expect(coordinator.status().envSteps).toBe(after.envSteps);
});
