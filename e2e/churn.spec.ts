/**
 * Runs that lose nothing when their parts die. Worker churn: while CartPole-v1 trains on the 2 tabs of a `tabswarm workers`, one tab's renderer
 * is killed every 5 s (what an out-of-memory kill or a crash does) and the fleet reopens it. The
 * run still solves, every accepted update is one step of the parameters (nothing accepted is lost,
 * nothing counted twice), and the coordinator logs no error. A coordinator killed mid-run and
 * resumed: the tabs of another machine's fleet carry on with it.
 */
import { test, expect } from '@playwright/test';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';
import { freePort, outputSoFar, renderersUnder, tabswarmProcess, until, type TabswarmProcess } from './tabswarmProcess.ts';

test('tabs killed every few seconds during a CartPole-v1 run: it solves, loses no accepted update, and the coordinator logs no error', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-churn-'));
  const coordinator = tabswarmProcess(['start', '--port', '0', '--workers', '0', '--max-wall', '560', '--run-dir', runDir]);
  let workers: TabswarmProcess | undefined;
  let kills = 0;
  try {
    await until(coordinator, async () => /contribute a tab: (\S+)/.test(outputSoFar(coordinator)));
    const link = /contribute a tab: (\S+)/.exec(outputSoFar(coordinator))![1];
    workers = tabswarmProcess(['workers', '--url', link, '--tabs', '2', '--backend', 'cpu']);
    const w = workers;
    await until(w, async () => /tab \d: training .*updates [1-9]/.test(outputSoFar(w)));
    let ended = false;
    void coordinator.done.then(() => { ended = true; });
    while (!ended) {
      await new Promise((r) => setTimeout(r, 5_000));
      const renderers = renderersUnder(w.child.pid!);
      if (ended || renderers.length === 0) continue;
      process.kill(renderers[kills % renderers.length], 'SIGKILL');
      kills++;
    }
    const { code, out } = await coordinator.done;
    console.log(`churn: ${kills} tab renderers killed during the run`);
    expect(out).toContain('SOLVED CartPole-v1: solved');
    expect(code).toBe(0);
    expect(out).not.toMatch(/error/i);
    expect(kills).toBeGreaterThanOrEqual(3);
    expect(outputSoFar(w)).toMatch(/reopened [1-9]/);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { version: number; updates: { accepted: number } };
    expect(summary.version).toBe(summary.updates.accepted);
  } finally {
    workers?.child.kill('SIGTERM');
    await workers?.done;
    coordinator.child.kill('SIGKILL');
  }
});

test('SIGKILL the coordinator mid-run and resume it on the same port: the version goes on from the checkpoint, the same tabs reconnect by themselves, and the run solves', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-churn-'));
  await writeFile(join(runDir, 'config.json'), JSON.stringify({ checkpointEverySec: 2 }));
  const port = String(await freePort());
  const first = tabswarmProcess(['start', '--port', port, '--workers', '0', '--config', join(runDir, 'config.json'), '--run-dir', runDir, '--max-wall', '500']);
  let resumed: TabswarmProcess | undefined;
  let workers: TabswarmProcess | undefined;
  try {
    await until(first, async () => outputSoFar(first).includes('contribute a tab:'));
    // another machine's tabs: they outlive the coordinator
    workers = tabswarmProcess(['workers', '--url', `http://127.0.0.1:${port}`, '--tabs', '2', '--backend', 'cpu']);
    const w = workers;
    const ckptPath = join(runDir, 'checkpoint.ckpt');
    await until(first, async () => (await loadCheckpoint(ckptPath).then((ck) => ck.version, () => 0)) >= 5);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const killed = await loadCheckpoint(ckptPath);

    resumed = tabswarmProcess(['start', '--port', port, '--workers', '0', '--resume', runDir, '--max-wall', '500']);
    const { code, out } = await resumed.done;
    expect(out).toContain(`resumed at version ${killed.version}, ${killed.envSteps.toLocaleString()} env steps`);
    expect(out).toContain('SOLVED CartPole-v1: solved');
    expect(code).toBe(0);
    // the same two tabs, never reopened, joined the resumed coordinator and had work accepted
    expect(outputSoFar(w)).not.toMatch(/reopened|crashed|closed/);
    const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as {
      version: number; envSteps: number; updates: { accepted: number }; workers: { workerId: string; accepted: number }[];
    };
    expect(summary.workers).toHaveLength(2);
    // the tabs the checkpoint remembered resumed as themselves (their records, trust included, came back with it)
    const remembered = checkpointRunState(killed).workers!.map((x) => x.workerId);
    expect(remembered.length).toBeGreaterThan(0);
    expect(summary.workers.map((x) => x.workerId)).toEqual(expect.arrayContaining(remembered));
    for (const x of summary.workers) expect(x.accepted).toBeGreaterThan(0);
    expect(summary.version).toBeGreaterThan(killed.version);
    expect(summary.envSteps).toBeGreaterThan(killed.envSteps);
    expect(summary.updates.accepted).toBe(summary.version);
  } finally {
    workers?.child.kill('SIGTERM');
    await workers?.done;
    first.child.kill('SIGKILL');
    resumed?.child.kill('SIGKILL');
  }
});
