/** The `tabswarm` command (what `npm start` and `npm run eval` run) as a user runs it: a real process, real tabs, real files. */
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { WORKER_NAMESPACE } from '../shared/protocol.ts';
import { jsonLines, outputSoFar, tabswarm, tabswarmProcess, until } from './tabswarmProcess.ts';

/**
 * A run that will not end by itself before the test signals it: a long budget and a checkpoint every
 * second. --max-wall only bounds a broken build's run, which `until` then reports instead of hanging.
 */
async function longRun(): Promise<{ runDir: string; args: string[] }> {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  const config = join(runDir, 'config.json');
  await writeFile(config, JSON.stringify({ checkpointEverySec: 1 }));
  return { runDir, args: ['start', '--port', '0', '--workers', '1', '--backend', 'cpu', '--total-timesteps', '10000000', '--max-wall', '30', '--config', config, '--run-dir', runDir] };
}

const exists = (path: string) => stat(path).then(() => true, () => false);

test('a run out of budget writes a loadable checkpoint and a summary, and exits 1', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  const { code, out } = await tabswarm(['start', '--port', '0', '--workers', '1', '--backend', 'cpu', '--total-timesteps', '2000', '--run-dir', runDir]);
  expect(out).toMatch(/dashboard: http:\/\/localhost:\d+\//);
  expect(out).toContain('NOT SOLVED');
  expect(code).toBe(1);
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ envId: 'CartPole-v1', solved: false, state: 'budgetExhausted' });
  expect(summary.envSteps).toBeGreaterThanOrEqual(2000);
  expect(summary.workers).toHaveLength(1);
  expect(summary.workers[0]).toMatchObject({ backend: 'cpu' });
  expect(summary.updates.accepted).toBeGreaterThan(0);
  const ck = await loadCheckpoint(join(runDir, 'checkpoint.ckpt'));
  expect(ck.version).toBe(summary.version);
  expect(ck.envSteps).toBe(summary.envSteps);

  // `npm run eval` plays the checkpoint's policy deterministically and stochastically, and renders an episode
  const evaluated = await tabswarm(['eval', join(runDir, 'checkpoint.ckpt'), '--episodes', '3', '--render', join(runDir, 'render')]);
  expect(evaluated.out).toMatch(new RegExp(`CartPole-v1: mean return \\d+\\.\\d \\+- \\d+\\.\\d over 3 deterministic episodes \\(version ${ck.version}, `));
  expect(evaluated.out).toMatch(/CartPole-v1: mean return \d+\.\d \+- \d+\.\d over 3 stochastic episodes/);
  expect(evaluated.code).toBe(0);
  expect(new TextDecoder().decode((await readFile(join(runDir, 'render', 'episode-0.gif'))).subarray(0, 6))).toBe('GIF89a');

  // The checkpoint resumes the run: params, optimizer, version and env steps continue (a run out of budget needs a larger one).
  const resumeDir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  const over = await tabswarm(['start', '--port', '0', '--workers', '0', '--resume', join(runDir, 'checkpoint.ckpt'), '--run-dir', resumeDir]);
  expect(over.code).toBe(2);
  expect(over.out).toMatch(/already over \(budgetExhausted .*raise --total-timesteps/);
  const resumed = await tabswarm([
    'start', '--port', '0', '--workers', '0', '--resume', join(runDir, 'checkpoint.ckpt'), '--total-timesteps', '100000', '--max-wall', '1', '--run-dir', resumeDir,
  ]);
  expect(resumed.code).toBe(1);
  const ck2 = await loadCheckpoint(join(resumeDir, 'checkpoint.ckpt'));
  expect(Array.from(ck2.params)).toEqual(Array.from(ck.params));
  expect(Array.from(ck2.adam.m)).toEqual(Array.from(ck.adam.m));
  expect([ck2.version, ck2.envSteps, ck2.adam.t]).toEqual([ck.version, ck.envSteps, ck.adam.t]);
  expect(ck2.config.totalTimesteps).toBe(100000);
});

test('an env registered by a user\'s --env-module file trains in real tabs', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  const { code, out } = await tabswarm([
    'start', '--port', '0', '--workers', '1', '--backend', 'cpu', '--env-module', 'examples/lineWalk.ts', '--env', 'LineWalk-v0',
    '--total-timesteps', '3000', '--run-dir', runDir,
  ]);
  expect(out).toContain('training LineWalk-v0');
  expect([0, 1]).toContain(code);
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  expect(summary.envId).toBe('LineWalk-v0');
  expect(summary.episodes).toBeGreaterThan(0);
  expect(summary.updates.accepted).toBeGreaterThan(0);
  expect(summary.workers[0]).toMatchObject({ backend: 'cpu', envSteps: expect.any(Number) });
  expect(summary.workers[0].envSteps).toBeGreaterThan(0);
});

test('bad flags and bad files get a clear error and exit 2', async () => {
  const badWorkers = await tabswarm(['start', '--workers', 'many']);
  expect(badWorkers.code).toBe(2);
  expect(badWorkers.out).toMatch(/--workers must be an integer >= 0/);
  const badEnv = await tabswarm(['start', '--env', 'Nope-v0', '--workers', '0']);
  expect(badEnv.code).toBe(2);
  expect(badEnv.out).toMatch(/unknown environment Nope-v0/);
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  await writeFile(join(dir, 'bad.ckpt'), 'not a checkpoint at all');
  const badCkpt = await tabswarm(['start', '--resume', join(dir, 'bad.ckpt'), '--workers', '0']);
  expect(badCkpt.code).toBe(2);
  expect(badCkpt.out).toMatch(/checkpoint/i);
  const badModule = await tabswarm(['start', '--env-module', join(dir, 'missing.ts'), '--workers', '0']);
  expect(badModule.code).toBe(2);
  expect(badModule.out).toMatch(/--env-module .*missing\.ts does not exist/);
  const evalBadCkpt = await tabswarm(['eval', join(dir, 'bad.ckpt')]);
  expect(evalBadCkpt.code).toBe(2);
  expect(evalBadCkpt.out).toMatch(/bad\.ckpt: .*not a tabswarm checkpoint/);
  const evalBadFlag = await tabswarm(['eval', join(dir, 'bad.ckpt'), '--episodes', '0']);
  expect(evalBadFlag.code).toBe(2);
  expect(evalBadFlag.out).toMatch(/--episodes must be an integer >= 1/);
});

test('--version and --help answer without building the client', async () => {
  const before = (await stat('dist/client/worker.html')).mtimeMs;
  const version = await tabswarm(['--version']);
  expect(version.code).toBe(0);
  expect(version.out.trim()).toBe(JSON.parse(await readFile('package.json', 'utf8')).version);
  const help = await new Promise<{ code: number | null; out: string }>((resolve) => {
    const p = spawn('node', ['bin/tabswarm.js', 'start', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('close', (code) => resolve({ code, out }));
  });
  expect(help.code).toBe(0);
  expect(help.out).toContain('Usage: tabswarm start');
  expect(help.out).toMatch(/--codec <codec>[^-]*choices:\s+"fp32",\s+"fp16",\s+"int8"/);
  expect((await stat('dist/client/worker.html')).mtimeMs).toBe(before);
});

// SIGINT too: Playwright's own handler would close the tabs' browser and exit before the run's files are written.
for (const sig of ['SIGTERM', 'SIGINT'] as const) test(`${sig} mid-run ends the run: final checkpoint, summary and the streamed history are written`, async () => {
  const { runDir, args } = await longRun();
  const run = tabswarmProcess(args);
  const told: string[] = [];
  try {
    // a few points on disk, the latest after training began (a tab's first ticks come before its first update)
    await until(run, async () => {
      const lines = await jsonLines(join(runDir, 'history.jsonl')) as { version: number }[];
      return lines.length >= 3 && lines.at(-1)!.version > 0;
    });
    // a tab of another machine, connected but not joined, hears what the stopping coordinator says
    const port = /dashboard: http:\/\/localhost:(\d+)\//.exec(outputSoFar(run))![1];
    const tab = io(`http://127.0.0.1:${port}${WORKER_NAMESPACE}`, { transports: ['websocket'], reconnection: false });
    tab.on('paused', (paused: boolean, reason: string) => told.push(`paused ${paused}: ${reason}`));
    tab.on('done', () => told.push('done'));
    await new Promise<void>((resolve, reject) => { tab.once('connect', resolve); tab.once('connect_error', reject); });
    run.child.kill(sig);
    const { code, signal, out } = await run.done;
    tab.disconnect();
    expect(signal).toBeNull(); // it exited by itself, not by the signal's default action
    expect(out).toContain('NOT SOLVED');
    expect(code).toBe(1);
  } finally {
    run.child.kill('SIGKILL');
  }
  // told to wait for the coordinator's return, not that the run is over
  expect(told).toEqual(['paused true: the coordinator is stopping; training continues when it restarts']);
  const ck = await loadCheckpoint(join(runDir, 'checkpoint.ckpt'));
  expect(ck.version).toBeGreaterThan(0);
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  expect(summary).toMatchObject({ solved: false, state: 'stopped', version: ck.version });
  const history = JSON.parse(await readFile(join(runDir, 'history.json'), 'utf8')) as unknown[];
  const lines = await jsonLines(join(runDir, 'history.jsonl'));
  expect(lines.length).toBeGreaterThanOrEqual(history.length - 1);
  // same shape as history.json's points: the last point of each is the same one
  expect(lines.at(-1)).toEqual(history.at(-1));
  expect(lines[0]).toMatchObject({ wallS: expect.any(Number), envSteps: expect.any(Number), version: expect.any(Number), metrics: expect.any(Object) });
});

test('SIGKILL mid-run leaves a whole periodic checkpoint, and --resume continues from it', async () => {
  const { runDir, args } = await longRun();
  const ckptPath = join(runDir, 'checkpoint.ckpt');
  const run = tabswarmProcess(args);
  try {
    // a periodic checkpoint taken after training began (a version > 0), and history on disk
    const firstVersion = async () => loadCheckpoint(ckptPath).then((ck) => ck.version, () => 0);
    await until(run, async () => (await jsonLines(join(runDir, 'history.jsonl'))).length > 0 && (await firstVersion()) > 0);
    // then some training past that checkpoint, so that the kill lands somewhere inside a checkpoint interval
    const v0 = await firstVersion();
    await until(run, async () => ((await jsonLines(join(runDir, 'history.jsonl'))).at(-1) as { version: number }).version >= v0 + 3);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
  } finally {
    run.child.kill('SIGKILL');
  }
  // Killed wherever it was, even mid-save: the file is the last whole checkpoint, never a partial one.
  const killed = await loadCheckpoint(ckptPath);
  expect(killed.version).toBeGreaterThan(0);
  expect(killed.envSteps).toBeGreaterThan(0);
  expect(await exists(join(runDir, 'summary.json'))).toBe(false);
  const lines = await jsonLines(join(runDir, 'history.jsonl'));
  expect(lines.length).toBeGreaterThan(0);

  // what the kill lost: the training after the last checkpoint (its history points are on disk)
  const last = lines.at(-1) as { version: number; envSteps: number };
  console.log(`SIGKILL with checkpointEverySec 1: lost ${last.version - killed.version} versions and ${last.envSteps - killed.envSteps} env steps (checkpoint at version ${killed.version}, ${killed.envSteps} env steps)`);

  // --resume RUN_FOLDER continues in that folder: the history up to the checkpoint stays, the run's goes on after it
  const resumed = await tabswarm([
    'start', '--port', '0', '--workers', '1', '--backend', 'cpu', '--resume', runDir, '--total-timesteps', '20000000', '--max-wall', '3', '--verbose',
  ]);
  expect(resumed.out).toContain(`run folder: ${runDir}`);
  // --verbose reports each periodic checkpoint (the resumed config keeps checkpointEverySec 1)
  expect(resumed.out).toMatch(new RegExp(`tabswarm: checkpoint at version \\d+, [\\d,]+ env steps -> ${ckptPath}`));
  expect(resumed.out).toContain(`resumed at version ${killed.version}, ${killed.envSteps.toLocaleString()} env steps`);
  expect(resumed.code).toBe(1);
  const after = await loadCheckpoint(ckptPath);
  expect(after.version).toBeGreaterThanOrEqual(killed.version);
  expect(after.envSteps).toBeGreaterThanOrEqual(killed.envSteps);
  expect(after.config.totalTimesteps).toBe(20000000);
  const history = await jsonLines(join(runDir, 'history.jsonl')) as { envSteps: number; version: number; wallS: number }[];
  const killedWallS = (killed.extra as { tracker: { wallS: number } }).tracker.wallS;
  const kept = (lines as typeof history).filter((p) => p.version <= killed.version && p.envSteps <= killed.envSteps && p.wallS <= killedWallS);
  expect(kept.length).toBeGreaterThan(0);
  expect(history.slice(0, kept.length)).toEqual(kept);
  const continued = history.slice(kept.length);
  expect(continued.length).toBeGreaterThan(0);
  // continued, not restarted: env steps, versions and wall time go on from the checkpoint's
  for (const p of continued) expect(p.envSteps).toBeGreaterThanOrEqual(killed.envSteps);
  for (const p of continued) expect(p.version).toBeGreaterThanOrEqual(killed.version);
  expect(continued[0].wallS).toBeGreaterThanOrEqual(kept.at(-1)!.wallS);
  expect(JSON.parse(await readFile(join(runDir, 'history.json'), 'utf8'))).toEqual(history);
});

test('a port in use gets one clear line and exit 2, and the failed start leaves no run folder', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  const runDir = join(await mkdtemp(join(tmpdir(), 'tabswarm-cli-')), 'run');
  try {
    const { code, out } = await tabswarm(['start', '--port', String(port), '--workers', '0', '--run-dir', runDir]);
    expect(code).toBe(2);
    expect(out.trim()).toBe(`tabswarm: port ${port} on 127.0.0.1 is in use (another tabswarm?): pick another with --port, or --port 0 for any free one`);
  } finally {
    busy.close();
  }
  expect(await exists(runDir)).toBe(false);
});

test('the default run folder is named after the env trained (here the one a ready config file names); --quiet prints only the outcome', async () => {
  const before = new Set(await readdir('runs').catch(() => []));
  const { code, out } = await tabswarm(['start', '--port', '0', '--workers', '0', '--config', 'configs/Acrobot-v1.json', '--max-wall', '1', '--quiet']);
  const made = (await readdir('runs')).filter((d) => !before.has(d));
  try {
    expect(code).toBe(1);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatch(/-Acrobot-v1$/);
    expect(out).not.toContain('dashboard:');
    expect(out.trim().split('\n')).toEqual([
      'NOT SOLVED Acrobot-v1: stopped',
      '  env steps 0, mean return -, updates accepted 0, rejected: none',
      `  checkpoint ${join(process.cwd(), 'runs', made[0], 'checkpoint.ckpt')}`,
      `  summary ${join(process.cwd(), 'runs', made[0], 'summary.json')}`,
    ]);
    expect(JSON.parse(await readFile(join('runs', made[0], 'summary.json'), 'utf8'))).toMatchObject({ envId: 'Acrobot-v1' });
  } finally {
    for (const d of made) await rm(join('runs', d), { recursive: true, force: true });
  }
});

test('a checkpoint of another env or another network is refused with the file named, and nothing is started over it', async () => {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
  expect((await tabswarm(['start', '--port', '0', '--workers', '0', '--max-wall', '1', '--run-dir', runDir])).code).toBe(1);
  const ckptPath = join(runDir, 'checkpoint.ckpt');
  const before = await readFile(ckptPath);
  const otherEnv = await tabswarm(['start', '--port', '0', '--workers', '0', '--resume', runDir, '--env', 'Acrobot-v1']);
  expect(otherEnv.code).toBe(2);
  expect(otherEnv.out.trim()).toBe(`tabswarm: checkpoint ${ckptPath} is for CartPole-v1, not Acrobot-v1`);
  const config = join(runDir, 'small.json');
  await writeFile(config, JSON.stringify({ hiddenSizes: [8] }));
  const otherNet = await tabswarm(['start', '--port', '0', '--workers', '0', '--resume', runDir, '--config', config]);
  expect(otherNet.code).toBe(2);
  expect(otherNet.out).toMatch(new RegExp(`^tabswarm: checkpoint ${ckptPath.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not fit this run: .*values`));
  expect(await readFile(ckptPath)).toEqual(before);
});
