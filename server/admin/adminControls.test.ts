/** Integration: the admin controls of a real coordinator on port 0, over real socket.io-client sockets. */
import { afterEach, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Coordinator, type CoordinatorOptions } from '../coordinator.ts';
import { defaultConfig, type TrainConfig } from '../../shared/config.ts';
import { noteTicket, push as hostilePush } from '../testing/hostileClient.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, type ClientToServerEvents, type DashboardClientToServer, type DashboardServerToClient,
  type DashboardSnapshot, type JoinReply, type PushReply, type PushRequest, type RolloutReport, type RunStatus, type ServerToClientEvents,
} from '../../shared/protocol.ts';
import type { AdminAction, AdminReply, AdminRequest } from '../../shared/admin.ts';
import { M } from '../../shared/metrics.ts';
import { encodeF32 } from '../../shared/codec.ts';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint.ts';

const config: TrainConfig = { ...defaultConfig, updateMode: 'async', annealLr: false, annealClip: false, maxStaleness: 2, totalTimesteps: 1_000_000 };
const TOKEN = 'admin-secret-7f3a';

let coordinator: Coordinator;
let url: string;
const sockets: Socket[] = [];
let tmp: string | null = null;

async function start(opts: Partial<CoordinatorOptions> = {}): Promise<void> {
  coordinator = new Coordinator({ config: structuredClone(config), port: 0, tickMs: 50, ...opts });
  url = `http://127.0.0.1:${await coordinator.start()}`;
}

async function connected<S extends Socket>(s: S): Promise<S> {
  sockets.push(s);
  await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
  return s;
}

async function dashboard(): Promise<{ s: Socket<DashboardServerToClient, DashboardClientToServer>; snapshot: Promise<DashboardSnapshot> }> {
  const s: Socket<DashboardServerToClient, DashboardClientToServer> = io(url + DASHBOARD_NAMESPACE, { transports: ['websocket'], reconnection: false });
  const snapshot = new Promise<DashboardSnapshot>((resolve) => s.once('snapshot', resolve));
  return { s: await connected(s), snapshot };
}

/** A joined worker socket, and the paused events it receives. */
async function worker(): Promise<{ s: Socket<ServerToClientEvents, ClientToServerEvents>; paused: [boolean, string][]; done: RunStatus[] }> {
  const s: Socket<ServerToClientEvents, ClientToServerEvents> = await connected(io(url + WORKER_NAMESPACE, { transports: ['websocket'], reconnection: false }));
  const paused: [boolean, string][] = [];
  const done: RunStatus[] = [];
  s.on('paused', (p, reason) => paused.push([p, reason]));
  s.on('done', (st) => done.push(st));
  const reply: JoinReply = await s.timeout(5000).emitWithAck('join', { backend: 'cpu', adapter: 'test', timings: [], userAgent: 'vitest' });
  if (!reply.ok) throw new Error(reply.error);
  noteTicket(s, reply);
  return { s, paused, done };
}

const grad = () => encodeF32(new Float32Array(coordinator.ps.params.length).fill(1e-3));
/** A gradient at `version`, naming the ticket the worker was sent with it (hostileClient.ts). */
const push = (s: Socket<ServerToClientEvents, ClientToServerEvents>, version = coordinator.ps.version): Promise<PushReply> =>
  hostilePush(s, { version, rolloutVersion: version, grad: grad() });

/** An admin request with `token` (null: none). */
async function admin(s: Socket<DashboardServerToClient, DashboardClientToServer>, action: AdminAction, token: string | null = TOKEN): Promise<AdminReply> {
  return s.timeout(5000).emitWithAck('admin', token === null ? { action } : { token, action });
}

/** The metric's value in the newest history point, once a tick has made one after this call. */
async function nextPoint(metric: string): Promise<number | undefined> {
  const n = coordinator.tracker.history.length;
  await until(() => coordinator.tracker.history.length > n);
  return coordinator.tracker.history.at(-1)!.metrics[metric];
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

afterEach(async () => {
  for (const s of sockets.splice(0)) s.disconnect();
  await coordinator.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
  tmp = null;
});

describe('admin controls', () => {
  it('with an admin token set, a request without it or with a wrong one is refused and changes nothing; the token is never sent out', async () => {
    await start({ adminToken: TOKEN });
    const { s, snapshot } = await dashboard();
    const snap = await snapshot;
    expect(snap.status.controls).toMatchObject({ adminTokenRequired: true, paused: false });
    expect(await admin(s, { type: 'pause' }, null)).toEqual({ ok: false, refused: true, error: 'refused: this coordinator needs its admin token' });
    expect(await admin(s, { type: 'pause' }, 'admin-secret-7f3b')).toEqual({ ok: false, refused: true, error: 'refused: wrong admin token' });
    expect(await admin(s, { type: 'stop' }, '')).toMatchObject({ ok: false, refused: true });
    expect(await admin(s, { type: 'learningRate', value: 0.5 }, 'x')).toMatchObject({ ok: false, refused: true });
    expect(coordinator.status().controls).toMatchObject({ paused: false, learningRate: config.learningRate });
    expect(coordinator.tracker.state).not.toBe('stopped');
    // Nothing the coordinator sends or serves holds the token.
    const served = [JSON.stringify(snap), JSON.stringify(coordinator.status()), await (await fetch(`${url}/api/config`)).text(), await (await fetch(`${url}/api/status`)).text()];
    for (const body of served) expect(body).not.toContain(TOKEN);
  });

  it('bad requests get a clear error', async () => {
    await start({ adminToken: TOKEN });
    const { s } = await dashboard();
    const bad = (req: unknown) => s.timeout(5000).emitWithAck('admin', req as AdminRequest);
    expect(await bad({ token: TOKEN, action: { type: 'reboot' } })).toMatchObject({ ok: false, refused: false, error: expect.stringMatching(/^bad admin request: action/) });
    expect(await bad(null)).toMatchObject({ ok: false, refused: false });
    expect(await admin(s, { type: 'learningRate', value: -1 })).toMatchObject({ ok: false, refused: false, error: expect.stringMatching(/^learningRate: must be a finite number >= 0, got -1/) });
    expect(await admin(s, { type: 'maxStaleness', value: 1.5 })).toMatchObject({ ok: false, refused: false, error: expect.stringMatching(/^maxStaleness: must be an integer >= 0/) });
    expect(coordinator.config).toMatchObject({ learningRate: config.learningRate, maxStaleness: 2 });
  });

  it('pause refuses updates as paused and tells the workers; resume lets them go on', async () => {
    await start({ adminToken: TOKEN });
    const { s } = await dashboard();
    const w = await worker();
    expect((await push(w.s)).accepted).toBe(true);
    expect(await admin(s, { type: 'pause' })).toEqual({ ok: true, message: 'training paused' });
    await until(() => w.paused.length === 1);
    expect(w.paused[0][0]).toBe(true);
    const before = coordinator.ps.params.slice();
    const refused = await push(w.s);
    expect(refused).toMatchObject({ ok: true, accepted: false, reason: 'paused' });
    expect(coordinator.ps.params).toEqual(before);
    expect(coordinator.updates.counts.rejected.paused).toBe(1);
    expect(coordinator.status().controls.paused).toBe(true);
    expect(await nextPoint(M.paused)).toBe(1);
    // A worker that joins while paused is told too.
    const late = await worker();
    await until(() => late.paused.length === 1);

    expect(await admin(s, { type: 'resume' })).toEqual({ ok: true, message: 'training resumed' });
    await until(() => w.paused.length === 2);
    expect(w.paused[1][0]).toBe(false);
    expect((await push(w.s)).accepted).toBe(true);
    expect(await nextPoint(M.paused)).toBe(0);
  });

  it('sync mode: pausing refuses the gradients waiting in the open round as paused; the bound is not the sync run\'s to change', async () => {
    await start({ config: { ...structuredClone(config), updateMode: 'sync', syncTimeoutMs: 60_000 } });
    const { s } = await dashboard();
    const a = await worker();
    await worker(); // the round waits for both
    const waiting = push(a.s);
    // A reply on the same socket comes after the push was handled (Socket.IO keeps a socket's order): it now waits in the round.
    expect(await a.s.timeout(5000).emitWithAck('rollout', {} as RolloutReport)).toMatchObject({ ok: false });
    expect(await admin(s, { type: 'pause' })).toMatchObject({ ok: true });
    expect(await waiting).toMatchObject({ accepted: false, reason: 'paused' });
    expect(coordinator.ps.version).toBe(0);
    expect(await admin(s, { type: 'maxStaleness', value: 3 })).toMatchObject({ ok: false, error: expect.stringMatching(/sync run/) });
  });

  it('a new learning rate steps the following updates and is recorded in the history', async () => {
    await start({ adminToken: TOKEN });
    const { s } = await dashboard();
    const w = await worker();
    expect(await admin(s, { type: 'learningRate', value: 0 })).toEqual({ ok: true, message: 'learning rate set to 0' });
    expect(coordinator.learningRate()).toBe(0);
    expect(await nextPoint(M.learningRate)).toBe(0);
    // At learning rate 0 an accepted update leaves the params where they are.
    const before = coordinator.ps.params.slice();
    expect((await push(w.s)).accepted).toBe(true);
    expect(coordinator.ps.params).toEqual(before);
    expect(await admin(s, { type: 'learningRate', value: 1e-3 })).toMatchObject({ ok: true });
    expect((await push(w.s)).accepted).toBe(true);
    expect(coordinator.ps.params).not.toEqual(before);
    expect(coordinator.status().controls.learningRate).toBe(1e-3);
  });

  it('a new staleness bound gates the following updates and is recorded in the history', async () => {
    await start({ adminToken: TOKEN });
    const { s } = await dashboard();
    const a = await worker();
    expect((await push(a.s)).accepted).toBe(true); // version 1
    const b = await worker(); // holds version 1
    expect((await push(a.s)).accepted).toBe(true); // version 2
    // An update computed at version 1 (staleness 1) is within the bound 2 ...
    expect((await push(b.s, 1)).accepted).toBe(true); // version 3
    expect(await admin(s, { type: 'maxStaleness', value: 0 })).toEqual({ ok: true, message: 'staleness bound set to 0' });
    expect(await nextPoint(M.stalenessBound)).toBe(0);
    // ... and at bound 0 the same staleness is refused.
    expect(await push(a.s, 2)).toMatchObject({ accepted: false, reason: 'stale' });
    expect((await push(b.s)).accepted).toBe(true);
  });

  it('checkpoint now saves where the coordinator was told, stop ends the run', async () => {
    tmp = await mkdtemp(join(tmpdir(), 'tabswarm-admin-'));
    const path = join(tmp, 'checkpoint.ckpt');
    await start({ adminToken: TOKEN, saveCheckpoint: async () => { await saveCheckpoint(path, coordinator.checkpoint()); return path; } });
    const { s } = await dashboard();
    const w = await worker();
    expect((await push(w.s)).accepted).toBe(true);
    expect(await admin(s, { type: 'checkpoint' })).toEqual({ ok: true, message: `checkpoint saved to ${path}` });
    expect((await loadCheckpoint(path)).version).toBe(1);

    const done = new Promise<RunStatus>((resolve) => coordinator.once('done', resolve));
    expect(await admin(s, { type: 'stop' })).toEqual({ ok: true, message: 'run stopped' });
    expect((await done).state).toBe('stopped');
    await until(() => w.done.length === 1);
    expect(await admin(s, { type: 'pause' })).toMatchObject({ ok: false, refused: false, error: 'the run is over (stopped)' });
  });

  it('without an admin token the controls need none; checkpoint without a file to save to is refused clearly', async () => {
    await start();
    const { s, snapshot } = await dashboard();
    expect((await snapshot).status.controls.adminTokenRequired).toBe(false);
    expect(await admin(s, { type: 'pause' }, null)).toMatchObject({ ok: true });
    expect(await admin(s, { type: 'checkpoint' }, null)).toEqual({ ok: false, refused: false, error: 'this coordinator has no checkpoint file to save to' });
  });
});
