/**
 * Worker churn: while CartPole-v1 trains on the 2 tabs of a `tabswarm workers`, one tab's renderer
 * is killed every 10 s (what an out-of-memory kill or a crash does) and the fleet reopens it. The
 * run still solves, every accepted update is one step of the parameters (nothing accepted is lost,
 * nothing counted twice), and the coordinator logs no error.
 */
import { test, expect } from '@playwright/test';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outputSoFar, renderersUnder, tabswarmProcess, until, type TabswarmProcess } from './tabswarmProcess.ts';

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
      await new Promise((r) => setTimeout(r, 10_000));
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
