/**
 * The dashboard in real headless Chromium during real runs: every PPO diagnostic charted live,
 * over env steps and wall time, smoothed, readable on a phone; the admin controls and their
 * refusal; the Contribute button; the live view of the current policy for every shipped env.
 * Screenshots are kept as test artifacts (and as docs/dashboard.png with TABSWARM_DOCS_SCREENSHOT=1).
 */
import { copyFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { test, expect } from './fixtures.ts';
import { CHARTS } from '../client/dashboard/charts.ts';
import { M } from '../shared/metrics.ts';
import { renderableEnvIds } from '../shared/envs/render.ts';
import { saveCheckpoint, loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import type { Coordinator } from '../server/coordinator.ts';
import { connectHostile, hostileJoin } from '../server/testing/hostileClient.ts';
import { MAX_WORKER_ROWS } from '../client/dashboard/WorkerTable.tsx';

const chart = (page: Page, metric: string) => page.getByTestId(`chart-${metric}`);

async function screenshot(page: Page, name: string, testInfo: import('@playwright/test').TestInfo, fullPage = true): Promise<string> {
  const path = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path, fullPage });
  await testInfo.attach(name, { path, contentType: 'image/png' });
  return path;
}

/** Non-white pixels of the policy canvas (a drawn env has some). */
const drawnPixels = (page: Page) => page.getByTestId('policy-canvas').evaluate((c: HTMLCanvasElement) => {
  const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
  return n;
});

test('every PPO diagnostic is charted live, over env steps or wall time, smoothed, with the policy playing; readable on a phone', async ({ swarm }, testInfo) => {
  const { coordinator, fleet, url, logs } = await swarm({ envId: 'CartPole-v1', seed: 1, totalTimesteps: 10_000_000 }, { workers: 2, backend: 'cpu' });
  const page = await fleet.page('/', (line) => logs.push(`[dashboard] ${line}`));
  await expect(page.getByTestId('run-state')).toHaveText(/training/i, { timeout: 120_000 });

  // Every chart fills as the run reports (losses after the first updates, returns after the first episodes).
  for (const def of CHARTS) {
    await expect.poll(async () => Number(await chart(page, def.metric).getAttribute('data-points')), { timeout: 120_000, message: def.metric }).toBeGreaterThan(3);
    await expect(chart(page, def.metric).locator('.recharts-line-curve').first()).toBeVisible();
    await expect(chart(page, def.metric).getByText('env steps', { exact: true })).toBeVisible(); // the x axis label
    await expect(chart(page, def.metric).getByText(def.yLabel, { exact: true })).toBeVisible(); // the y axis label
  }
  await expect(chart(page, M.episodicReturn).locator('.recharts-reference-line-line')).toHaveCount(1); // a horizontal line: no height, so not "visible" to Playwright
  await expect(chart(page, M.episodicReturn).getByText(`solve threshold ${coordinator.config.solveThreshold}`)).toBeVisible();
  // Charts stay live: the throughput chart reaches further as ticks arrive.
  const lastX = async () => Number(await chart(page, M.sps).getAttribute('data-last-x'));
  const before = await lastX();
  await expect.poll(lastX, { timeout: 30_000 }).toBeGreaterThan(before);

  // The live policy view draws the env with the coordinator's current params.
  await expect.poll(async () => Number(await page.getByTestId('policy-canvas').getAttribute('data-frames')), { timeout: 30_000 }).toBeGreaterThan(30);
  await expect(page.getByTestId('policy-view')).toHaveAttribute('data-version', /^\d+$/);
  expect(await drawnPixels(page)).toBeGreaterThan(100);

  // Smoothing: above 0 the raw values are drawn faintly behind the smoothed line; at 0 only one line.
  const lines = () => chart(page, M.policyLoss).locator('.recharts-line');
  await expect(lines()).toHaveCount(2);
  await page.getByTestId('smoothing').fill('0');
  await expect(lines()).toHaveCount(1);
  await page.getByTestId('smoothing').fill('0.9');
  await expect(lines()).toHaveCount(2);
  await page.getByTestId('smoothing').fill('0.6');

  await screenshot(page, 'dashboard-desktop', testInfo);
  if (process.env.TABSWARM_DOCS_SCREENSHOT === '1') {
    // docs/dashboard.png: the top of the page once the policy is well on its way.
    await expect.poll(() => coordinator.status().meanReturn ?? 0, { timeout: 300_000 }).toBeGreaterThan(300);
    const reached = await lastX();
    await expect.poll(lastX).toBeGreaterThan(reached); // the page has redrawn since
    await page.setViewportSize({ width: 1280, height: 1500 });
    await copyFile(await screenshot(page, 'dashboard-docs', testInfo, false), 'docs/dashboard.png');
    await page.setViewportSize({ width: 1280, height: 720 });
  }

  // Over wall time.
  await page.getByTestId('x-axis-wallS').check();
  for (const def of CHARTS) await expect(chart(page, def.metric)).toHaveAttribute('data-x', 'wallS');
  await expect(chart(page, M.episodicReturn).getByText('wall time', { exact: true })).toBeVisible();

  // The history downloads hold the same metric names.
  const csv = await page.request.get(url + (await page.getByTestId('download-csv').getAttribute('href'))!);
  expect(csv.headers()['content-type']).toMatch(/text\/csv/);
  const header = (await csv.text()).split('\n')[0].split(',');
  for (const def of CHARTS) expect(header).toContain(def.metric);
  const jsonl = await page.request.get(url + (await page.getByTestId('download-jsonl').getAttribute('href'))!);
  expect(JSON.parse((await jsonl.text()).split('\n')[0])).toHaveProperty('envSteps');

  // A phone: one column of charts, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const lefts = await page.locator('.charts > figure').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().left)));
  expect(new Set(lefts).size).toBe(1);
  for (const box of await page.locator('.chart, .panel, .status, .controls').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().right))) {
    expect(box).toBeLessThanOrEqual(390);
  }
  await screenshot(page, 'dashboard-phone', testInfo);
});

test('admin controls: read-only without the token, refused with a wrong one; pause, resume, learning rate, staleness bound, checkpoint and stop with it', async ({ swarm }, testInfo) => {
  const ckpt = testInfo.outputPath('checkpoint.ckpt');
  let c: Coordinator | null = null;
  const saveNow = async () => { await saveCheckpoint(ckpt, c!.checkpoint()); return ckpt; };
  const { coordinator, fleet, logs } = await swarm(
    { envId: 'CartPole-v1', seed: 2, totalTimesteps: 10_000_000, updateMode: 'async' }, { workers: 1, backend: 'cpu' },
    { adminToken: 'let-me-in-42', saveCheckpoint: saveNow },
  );
  c = coordinator;
  const page = await fleet.page('/', (line) => logs.push(`[dashboard] ${line}`));
  await expect(page.getByTestId('run-state')).toHaveText(/training/i, { timeout: 120_000 });
  await expect(page.getByTestId('read-only')).toBeVisible();
  await expect(page.getByTestId('admin-pause')).toBeDisabled();
  await expect(page.getByTestId('admin-stop')).toBeDisabled();

  await page.getByTestId('admin-token').fill('let-me-in-41');
  await page.getByTestId('admin-pause').click();
  await expect(page.getByTestId('admin-reply')).toHaveText('Refused: wrong admin token');
  await expect(page.getByTestId('admin-reply')).toHaveAttribute('data-ok', 'false');
  await expect(page.getByTestId('admin-reply')).toHaveCSS('color', 'rgb(220, 38, 38)');
  expect(coordinator.status().controls.paused).toBe(false);
  await screenshot(page, 'admin-refused', testInfo, false);

  await page.getByTestId('admin-token').fill('let-me-in-42');
  await page.getByTestId('admin-pause').click();
  await expect(page.getByTestId('admin-reply')).toHaveText('training paused');
  await expect(page.getByTestId('paused')).toBeVisible();
  expect(coordinator.status().controls.paused).toBe(true);
  const versionPaused = coordinator.ps.version;
  await page.getByTestId('admin-resume').click();
  await expect(page.getByTestId('admin-reply')).toHaveText('training resumed');
  await expect.poll(() => coordinator.ps.version, { timeout: 60_000 }).toBeGreaterThan(versionPaused);
  // The charts shade the time training was paused.
  await page.getByTestId('x-axis-wallS').check();
  await expect(chart(page, M.sps).locator('.recharts-reference-area')).toHaveCount(1);

  await page.getByTestId('admin-lr').fill('0.0001');
  await page.getByTestId('admin-lr').press('Enter');
  await expect(page.getByTestId('admin-reply')).toHaveText('learning rate set to 0.0001');
  expect(coordinator.config.learningRate).toBe(0.0001);
  await page.getByTestId('admin-staleness').fill('3');
  await page.getByTestId('admin-staleness').press('Enter');
  await expect(page.getByTestId('admin-reply')).toHaveText('staleness bound set to 3');
  expect(coordinator.config.maxStaleness).toBe(3);
  // A bound the page itself refuses is not sent (the coordinator's own refusal is in server/admin/adminControls.test.ts).
  await page.getByTestId('admin-staleness').fill('-2');
  await page.getByTestId('admin-staleness').press('Enter');
  expect(await page.getByTestId('admin-staleness').evaluate((e: HTMLInputElement) => e.validity.valid)).toBe(false);
  await expect(page.getByTestId('admin-reply')).toHaveText('staleness bound set to 3');
  expect(coordinator.config.maxStaleness).toBe(3);

  await page.getByTestId('admin-checkpoint').click();
  await expect(page.getByTestId('admin-reply')).toHaveText(`checkpoint saved to ${ckpt}`);
  expect((await loadCheckpoint(ckpt)).config.learningRate).toBe(0.0001);

  page.once('dialog', (d) => void d.accept());
  await page.getByTestId('admin-stop').click();
  await expect(page.getByTestId('run-state')).toHaveText(/stopped/i);
  await expect(page.getByTestId('run-over')).toBeVisible();
  await expect(page.getByTestId('contribute')).toHaveCount(0);
  await expect(page.getByTestId('contribute-over')).toBeVisible();
  await expect(page.getByTestId('admin-pause')).toBeDisabled();
  // The training wall time stopped with the run: later ticks show the same figure.
  const wall = coordinator.status().trainingWallS;
  const points = coordinator.tracker.history.length;
  await expect.poll(() => coordinator.tracker.history.length, { timeout: 10_000 }).toBeGreaterThan(points + 2);
  expect(coordinator.status().trainingWallS).toBe(wall);
  expect(coordinator.tracker.history.at(-1)!.wallS).toBe(wall);
  await screenshot(page, 'admin-stopped', testInfo);
});

test('the Contribute button carries the join token the page was opened with', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ totalTimesteps: 10_000_000 }, { workers: 0 }, { token: 'join-secret' });
  const page = await fleet.page('/?token=join-secret');
  await expect(page.getByTestId('contribute')).toHaveAttribute('href', '/worker.html?token=join-secret');
  await page.getByTestId('contribute').click();
  await expect(page).toHaveURL(/\/worker\.html\?token=join-secret$/);
  await expect.poll(() => coordinator.workerList().filter((w) => w.connected).length, { timeout: 120_000 }).toBe(1);
});

test('the live view plays the current policy of every shipped env', async ({ swarm }, testInfo) => {
  for (const envId of renderableEnvIds()) {
    const { fleet } = await swarm({ envId }, { workers: 0 });
    const page = await fleet.page('/');
    await expect(page.getByTestId('policy-view')).toHaveAttribute('data-version', '0', { timeout: 30_000 });
    await expect.poll(async () => Number(await page.getByTestId('policy-canvas').getAttribute('data-frames')), { message: envId }).toBeGreaterThan(10);
    expect(await drawnPixels(page), envId).toBeGreaterThan(50);
    const path = testInfo.outputPath(`policy-${envId}.png`);
    await page.getByTestId('policy-canvas').screenshot({ path });
    await testInfo.attach(`policy-${envId}`, { path, contentType: 'image/png' });
    await page.close();
  }
});

test('with 300 workers connected the worker table draws its first 100 rows and counts them all', async ({ swarm }) => {
  // 300 sockets from this one address: above the default per-address limit (maxConnectionsPerIp 256).
  const { coordinator, fleet, url } = await swarm({ totalTimesteps: 10_000_000, maxConnectionsPerIp: 512 }, { workers: 0 });
  const sockets = await Promise.all(Array.from({ length: 300 }, async () => {
    const s = await connectHostile(url);
    const reply = await s.timeout(30_000).emitWithAck('join', hostileJoin);
    expect(reply.ok).toBe(true);
    return s;
  }));
  try {
    const page = await fleet.page('/');
    await expect(page.locator('.workers h2')).toContainText('300 connected, 300 total');
    await expect(page.getByTestId('worker-row')).toHaveCount(MAX_WORKER_ROWS);
    await expect(page.getByTestId('workers-more')).toHaveText(`showing ${MAX_WORKER_ROWS} of 300 workers; the CSV history and /metrics cover all`);
    expect(coordinator.workerList()).toHaveLength(300);
  } finally {
    for (const s of sockets) s.disconnect();
  }
});
