/**
 * The worker page as a volunteer sees it, in real headless Chromium against real coordinators:
 * Stop and Restart, a coordinator restarted on the same port, a pause, a run that ends and the
 * next one at the same URL, a tab that tries again after an error, and a returning tab that skips
 * timing backends.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { test as base, expect } from '@playwright/test';
import { Coordinator } from '../server/coordinator.ts';
import { configFor, type TrainConfig } from '../shared/config.ts';
import { Fleet } from '../fleet/fleet.ts';
import type { BackendChoice } from '../client/worker/backends.ts';

interface Fixtures {
  /** Starts a coordinator serving the built client on `port` (0: a free one) for CartPole-v1 with `config` overrides. */
  coordinatorAt: (port: number, config?: Partial<TrainConfig>, token?: string) => Promise<Coordinator>;
  /** A headless Chromium to open pages with (fleet.page gives each page its own browser context). */
  tabs: Fleet;
}

const test = base.extend<Fixtures>({
  coordinatorAt: async ({}, use) => {
    const started: Coordinator[] = [];
    await use(async (port, config = {}, token = undefined) => {
      const c = new Coordinator({ config: configFor('CartPole-v1', { totalTimesteps: 100_000_000, ...config }), port, staticDir: resolve('dist/client'), token });
      started.push(c);
      await c.start();
      return c;
    });
    for (const c of started) await c.stop();
  },
  tabs: async ({}, use) => {
    const fleet = new Fleet({ url: 'http://127.0.0.1', workers: 0 });
    await fleet.start();
    await use(fleet);
    await fleet.stop();
  },
});

const urlOf = (c: Coordinator) => `http://127.0.0.1:${c.port}`;
const connected = (c: Coordinator) => c.workerList().filter((w) => w.connected);
const choiceOf = (page: Page) => page.evaluate(() => (window as unknown as { tabswarm: { choice: BackendChoice } }).tabswarm.choice);
const WAIT = { timeout: 120_000 };

test('the page shows the env, its throughput and share; Stop ends training and disconnects, Restart trains again', async ({ coordinatorAt, tabs }) => {
  const c = await coordinatorAt(0);
  const page = await tabs.page('/worker.html?backend=wasm', undefined, urlOf(c));
  await expect(page.getByTestId('worker-state')).toHaveText('training', WAIT);
  await expect(page.getByTestId('worker-env')).toHaveText('CartPole-v1');
  await expect(page.getByTestId('worker-backend-why')).toHaveText(/forced by \?backend=wasm/);
  await expect(page.getByTestId('worker-throughput')).toHaveText(/^[1-9][\d,]* env steps\/s$/, WAIT);
  // The only tab: all of the run's accepted updates are its own.
  await expect(page.getByTestId('worker-share')).toHaveText(/^100\.0% \([\d,]+ of [\d,]+\)$/, WAIT);

  await page.getByTestId('worker-stop').click();
  await expect(page.getByTestId('worker-state')).toHaveText('stopped');
  await expect.poll(() => connected(c).length, WAIT).toBe(0);
  const after = c.status();
  await page.waitForTimeout(1500);
  expect(c.status().accepted).toBe(after.accepted);
  expect(c.status().envSteps).toBe(after.envSteps);

  await expect(page.getByTestId('worker-restart')).toBeVisible();
  await page.getByTestId('worker-restart').click();
  await expect(page.getByTestId('worker-state')).toHaveText('training', WAIT);
  await expect.poll(() => c.status().accepted, WAIT).toBeGreaterThan(after.accepted);
  expect(connected(c)).toHaveLength(1);
});

test('a tab stopped by an error tries again by itself, waiting longer each time, and trains once it can', async ({ coordinatorAt, tabs }) => {
  const a = await coordinatorAt(0, {}, 'right');
  const page = await tabs.page('/worker.html?backend=wasm&token=wrong', undefined, urlOf(a));
  await expect(page.getByTestId('worker-state')).toHaveText('error', WAIT);
  await expect(page.getByTestId('worker-message')).toHaveText('join refused: bad token; trying again in 2 s', WAIT);
  await expect(page.getByTestId('worker-message')).toHaveText('join refused: bad token; trying again in 4 s', WAIT);
  expect(a.workerList()).toHaveLength(0);
  // The coordinator comes back on the same port taking the tab's token: the next try joins it and trains.
  const port = a.port;
  await a.stop();
  const b = await coordinatorAt(port, {}, 'wrong');
  await expect(page.getByTestId('worker-state')).toHaveText('training', WAIT);
  await expect.poll(() => b.status().accepted, WAIT).toBeGreaterThan(0);
});

test('a coordinator restarted on the same port: the page reconnects by itself and trains on, with no error', async ({ coordinatorAt, tabs }) => {
  const a = await coordinatorAt(0);
  const port = a.port;
  const page = await tabs.page('/worker.html?backend=wasm', undefined, urlOf(a));
  await expect.poll(() => a.status().accepted, WAIT).toBeGreaterThan(0);
  await a.stop();
  await expect(page.getByTestId('worker-message')).toHaveText(/reconnecting|cannot reach/, WAIT);
  // Down for several of Socket.IO's retries.
  await page.waitForTimeout(3000);
  await expect(page.getByTestId('worker-state')).toHaveText('training');
  const b = await coordinatorAt(port);
  await expect.poll(() => b.status().accepted, WAIT).toBeGreaterThan(0);
  expect(connected(b)).toHaveLength(1);
  await expect(page.getByTestId('worker-state')).toHaveText('training');
  await expect(page.getByTestId('worker-message')).toHaveText('training');
});

test('a paused run: the page says why, sends nothing, stays connected, and trains on when resumed', async ({ coordinatorAt, tabs }) => {
  const c = await coordinatorAt(0);
  const page = await tabs.page('/worker.html?backend=wasm', undefined, urlOf(c));
  await expect.poll(() => c.status().accepted, WAIT).toBeGreaterThan(0);
  c['workerNs'].emit('paused', true, 'an admin paused the run');
  await expect(page.getByTestId('worker-state')).toHaveText('paused');
  await expect(page.getByTestId('worker-message')).toHaveText('paused by the coordinator: an admin paused the run');
  await page.waitForTimeout(500); // what was on the wire settles
  const held = c.status();
  await page.waitForTimeout(1500);
  expect(c.status().accepted).toBe(held.accepted);
  expect(c.status().envSteps).toBe(held.envSteps);
  expect(connected(c)).toHaveLength(1);
  c['workerNs'].emit('paused', false, '');
  await expect(page.getByTestId('worker-state')).toHaveText('training');
  await expect.poll(() => c.status().accepted, WAIT).toBeGreaterThan(held.accepted);
});

test('a run that ends: its tabs, and a tab opened after the end, say so, wait, and join the next run at the same URL', async ({ coordinatorAt, tabs }) => {
  const a = await coordinatorAt(0);
  const port = a.port;
  const early = await tabs.page('/worker.html?backend=wasm', undefined, urlOf(a));
  await expect.poll(() => a.status().accepted, WAIT).toBeGreaterThan(0);
  a.endRun();
  await expect(early.getByTestId('worker-state')).toHaveText('done');
  await expect(early.getByTestId('worker-message')).toHaveText(/^run over: stopped; waiting for the next run at /);
  const late = await tabs.page('/worker.html?backend=wasm', undefined, urlOf(a));
  await expect(late.getByTestId('worker-state')).toHaveText('done', WAIT);
  await expect(late.getByTestId('worker-message')).toHaveText(/^the run is over \(stopped\): waiting for the next run at /);

  await a.stop();
  const b = await coordinatorAt(port);
  await expect.poll(() => connected(b).length, WAIT).toBe(2);
  await expect.poll(() => Math.min(...b.workerList().map((w) => w.accepted)), WAIT).toBeGreaterThan(0);
  for (const page of [early, late]) await expect(page.getByTestId('worker-state')).toHaveText('training');
});

test('a returning tab uses the backend remembered in this browser without timing; ?retime=1 measures again', async ({ coordinatorAt, tabs }) => {
  const c = await coordinatorAt(0);
  const first = await tabs.page('/worker.html', undefined, urlOf(c));
  await expect(first.getByTestId('worker-state')).toHaveText('training', WAIT);
  const measured = await choiceOf(first);
  expect(measured.how).toBe('measured');
  expect(measured.timings.map((t) => t.backend).sort()).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
  await expect(first.getByTestId('worker-backend-why')).toHaveText(/measured fastest here/);
  await first.close();

  // A second visit in the same browser (its context keeps localStorage).
  const context = first.context();
  const again = await context.newPage();
  const messages: string[] = [];
  await again.exposeFunction('noteMessage', (m: string) => messages.push(m));
  await again.addInitScript(() => {
    new MutationObserver(() => {
      const m = document.querySelector('[data-testid="worker-message"]')?.textContent ?? '';
      (window as unknown as { noteMessage: (m: string) => void }).noteMessage(m);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await again.goto(`${urlOf(c)}/worker.html`);
  await expect(again.getByTestId('worker-state')).toHaveText('training', WAIT);
  const remembered = await choiceOf(again);
  expect(remembered.how).toBe('remembered');
  expect(remembered.backend).toBe(measured.backend);
  expect(remembered.timings).toEqual(measured.timings);
  expect(messages.filter((m) => m.startsWith('timing'))).toEqual([]);
  await expect(again.getByTestId('worker-backend')).toHaveText(measured.backend);
  await expect(again.getByTestId('worker-backend')).toHaveAttribute('data-how', 'remembered');
  await expect(again.getByTestId('worker-backend-why')).toHaveText(/remembered from this browser's earlier measurement/);
  // The coordinator got the measurements the choice was made from.
  await expect.poll(() => connected(c).length, WAIT).toBe(1);
  expect(connected(c)[0].timings).toEqual(measured.timings);
  await again.close();

  const retimed = await context.newPage();
  await retimed.goto(`${urlOf(c)}/worker.html?retime=1`);
  await expect(retimed.getByTestId('worker-state')).toHaveText('training', WAIT);
  expect((await choiceOf(retimed)).how).toBe('measured');
});

test('a fleet\'s first tab times the backends alone and its other tabs start from its choice; a later launch (a fresh browser profile) uses it through the choices file', async ({ coordinatorAt }) => {
  const c = await coordinatorAt(0);
  const file = join(await mkdtemp(join(tmpdir(), 'tabswarm-choices-')), 'backend-choices.json');
  const logs: string[] = [];
  const launch = async (workers: number) => {
    const fleet = new Fleet({ url: urlOf(c), workers, plain: true, rememberChoices: file, onLog: (i, line) => logs.push(`${i} ${line}`) });
    await fleet.start();
    await expect.poll(() => connected(c).length, WAIT).toBe(workers);
    const joined = connected(c);
    await fleet.stop();
    await expect.poll(() => connected(c).length, WAIT).toBe(0);
    return joined;
  };
  const [first, other] = await launch(2);
  // What the tabs do reaches the fleet's log (tabswarm start prints it): tab 0 times, tab 1 does not.
  expect(logs).toContainEqual(expect.stringMatching(/^0 tabswarm: timing the backends on this browser and device/));
  expect(logs).toContainEqual(expect.stringMatching(/^0 tabswarm: backend \w+ \(measured, [\d.]+ s\)$/));
  expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^1 tabswarm: backend ${first.backend} \\(remembered, [\\d.]+ s\\)$`)));
  expect(logs.filter((l) => l.startsWith('1 tabswarm: timing'))).toEqual([]);
  expect(first.timings.map((t) => t.backend).sort()).toEqual(['cpu', 'wasm', 'webgl', 'webgpu']);
  // Measured again, two timings of four backends would not be equal to the last digit.
  expect(other.timings).toEqual(first.timings);
  const saved = JSON.parse(await readFile(file, 'utf8')) as Record<string, string>;
  expect(Object.values(saved).map((v) => JSON.parse(v))).toEqual([{ backend: first.backend, timings: first.timings }]);

  logs.length = 0;
  const [later] = await launch(1);
  expect(later.workerId).not.toBe(first.workerId);
  expect(later.backend).toBe(first.backend);
  expect(later.timings).toEqual(first.timings);
  expect(logs).toContainEqual(expect.stringMatching(new RegExp(`^0 tabswarm: backend ${first.backend} \\(remembered, [\\d.]+ s\\)$`)));
  expect(logs.filter((l) => l.includes('tabswarm: timing'))).toEqual([]);
});
