/**
 * End to end through emulated internet links: each tab talks to the coordinator through its own
 * WanRelay (fleet/wanRelay.ts), which adds the link's latency, jitter and bandwidth caps to every
 * byte, the page's assets included. These tests show that training works over such links and
 * measure what crosses them; how fast it goes is a benchmark figure, not asserted here.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, type Swarm } from './fixtures.ts';
import { LINK_PROFILES } from '../fleet/wanRelay.ts';
import type { TrainConfig } from '../shared/config.ts';
import type { RunStatus } from '../shared/protocol.ts';
import type { WorkerStatus } from '../client/worker/rolloutWorker.ts';

/** The CartPole-v1 config of the per-minibatch protocol that solves in about 100k env steps (bench/cartpole-fast.json). */
const fast = JSON.parse(readFileSync(resolve('bench/cartpole-fast.json'), 'utf8')) as Partial<TrainConfig>;

const doneOf = (coordinator: Swarm['coordinator']) => new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));

/** A worker tab's own status (window.tabswarm.status, set by client/worker/main.ts once its backend is chosen). */
const tabStatus = (page: Page) => page.evaluate(() => (window as unknown as { tabswarm: { status: WorkerStatus } }).tabswarm.status);

/** The worker id a tab joined as; null until it has its backend and has joined. */
const tabWorkerId = (page: Page) => page.evaluate(() => (window as unknown as { tabswarm?: { status: WorkerStatus } }).tabswarm?.status.workerId ?? null);

/** Each tab's relay, which the fleet starts for every tab given a link. */
function relaysOf(fleet: Swarm['fleet']) {
  return fleet.relays().map((r, i) => {
    if (!r) throw new Error(`tab ${i} has no relay`);
    return r;
  });
}

test('2 tabs 100 ms away (continental link) train CartPole-v1 to solved in local mode, both with accepted work', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm(
    // A generous budget so that a slow learner still solves; wasm is forced so the tabs skip timing backends.
    { envId: 'CartPole-v1', seed: 1, totalTimesteps: 300_000, updateMode: 'local', backend: 'wasm' }, // CartPole-v1's defaults: local mode
    { workers: 2, link: LINK_PROFILES.continental },
  );
  const final = await doneOf(coordinator);
  expect(final.state).toBe('solved');
  expect(final.meanReturn!).toBeGreaterThanOrEqual(475);

  const workers = coordinator.workerList();
  expect(workers).toHaveLength(2);
  for (const w of workers) expect(w.accepted).toBeGreaterThan(0);

  const relays = relaysOf(fleet);
  expect(relays).toHaveLength(2);
  for (const r of relays) {
    expect(r.link.name).toBe('continental');
    expect(r.bytes.up).toBeGreaterThan(0);
    expect(r.bytes.down).toBeGreaterThan(0);
  }
  // Bytes up per env step. The per-minibatch protocol (async) pushes one full fp32 gradient per
  // minibatch, numMinibatches * updateEpochs = 20 of them for each 512-step rollout of this
  // config: about 1,400-2,900 B per env step. Local mode pushes one delta (the same size as a
  // gradient) with the rollout's report per rollout, about 72 B per env step for CartPole's
  // ~9k params; the page's own asset requests add little. 300 leaves room for both.
  const up = relays.reduce((s, r) => s + r.bytes.up, 0);
  const upPerStep = up / final.envSteps;
  test.info().annotations.push({ type: 'bytes up per env step', description: upPerStep.toFixed(1) });
  expect(upPerStep).toBeLessThan(300);

  // A local-mode tab sits idle through at most one reply per rollout (with maxPushesInFlight 2,
  // the oldest push's, when a second one is on the wire); the per-minibatch protocol waits for
  // numMinibatches * updateEpochs + 1 = 21 per rollout of this config. Two per rollout is the bound.
  expect(fleet.pages).toHaveLength(2);
  for (const page of fleet.pages) {
    const s = await tabStatus(page);
    expect(s.rollouts).toBeGreaterThan(0);
    expect(s.roundTripsWaited).toBeLessThanOrEqual(2 * s.rollouts);
  }
});

test('mixed links: one tab on loopback and one on a mobile link both contribute accepted work', async ({ swarm }) => {
  // The loopback tab starts training seconds before the mobile one has loaded its page through a
  // 10 Mbit/s, 300 ms link and joined; a run that ended on a step budget or on solving could be
  // over by then on a fast machine. So this run cannot end (CartPole-v1's returns stop at 500,
  // and the budget is far off) and the test waits for the mobile tab's work instead.
  const { coordinator, fleet } = await swarm(
    { envId: 'CartPole-v1', seed: 2, totalTimesteps: 10_000_000, solveThreshold: 501, updateMode: 'local', backend: 'wasm' },
    { workers: 2, link: [LINK_PROFILES.loopback, LINK_PROFILES.mobile] },
  );
  const relays = relaysOf(fleet);
  expect(relays.map((r) => r.link.name)).toEqual(['loopback', 'mobile']);
  expect(fleet.pages).toHaveLength(2);

  // Worker indices follow join order, not tab order: each tab's row is found by its workerId.
  const rowsByTab = async () => {
    const rows = coordinator.workerList();
    return Promise.all(fleet.pages.map(async (page) => {
      const workerId = await tabWorkerId(page);
      return rows.find((w) => w.workerId === workerId) ?? null;
    }));
  };
  await expect.poll(async () => (await rowsByTab()).map((w) => w?.accepted ?? 0).every((n) => n >= 5), { timeout: 240_000 }).toBe(true);
  const [nearRow, mobileRow] = (await rowsByTab()).map((w) => w!);
  expect(nearRow.workerId).not.toBe(mobileRow.workerId);
  expect(nearRow.accepted).toBeGreaterThan(0);
  expect(mobileRow.accepted).toBeGreaterThan(0);
  expect(mobileRow.envSteps).toBeGreaterThan(0);
  expect(coordinator.status().state).toBe('training');
  for (const r of relays) {
    expect(r.bytes.up).toBeGreaterThan(0);
    expect(r.bytes.down).toBeGreaterThan(0);
  }

  // The mobile tab's share of rejected pushes, as the coordinator counted them (reported, not bounded).
  const mobileRejectedShare = mobileRow.rejected / (mobileRow.accepted + mobileRow.rejected);
  expect(mobileRejectedShare).toBeGreaterThanOrEqual(0);
  expect(mobileRejectedShare).toBeLessThan(1);
  const share = (w: typeof mobileRow) => `${w.accepted} accepted, ${w.rejected} rejected (${(100 * w.rejected / (w.accepted + w.rejected)).toFixed(1)}%)`;
  test.info().annotations.push(
    { type: 'mobile tab', description: share(mobileRow) },
    { type: 'loopback tab', description: share(nearRow) },
    { type: 'mobile tab joined', description: `${((mobileRow.joinedAt - nearRow.joinedAt) / 1000).toFixed(1)} s after the loopback tab` },
  );
});

test('async (per-minibatch) protocol still trains through a national (50 ms) link', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm(
    { ...fast, envId: 'CartPole-v1', seed: 3, totalTimesteps: 6_000, updateMode: 'async', backend: 'wasm' },
    { workers: 1, link: LINK_PROFILES.national },
  );
  const final = await doneOf(coordinator);
  expect(final.state).toBe('budgetExhausted');
  const [row] = coordinator.workerList();
  expect(row.accepted).toBeGreaterThan(0);
  expect(final.accepted).toBe(row.accepted);
  const [relay] = relaysOf(fleet);
  expect(relay.link.name).toBe('national');
  expect(relay.bytes.down).toBeGreaterThan(0);
  // One gradient per minibatch goes up: well above local mode's bound in the first test.
  const upPerStep = relay.bytes.up / final.envSteps;
  test.info().annotations.push({ type: 'bytes up per env step', description: upPerStep.toFixed(1) });
  expect(upPerStep).toBeGreaterThan(300);
});
