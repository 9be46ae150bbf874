/**
 * What a coordinator killed with SIGKILL loses: `tabswarm start` trains CartPole-v1 on 2 tabs,
 * is killed at a random moment, and the versions and env steps its history.jsonl recorded past its
 * last periodic checkpoint are the training lost (a resume continues from the checkpoint). Each
 * kill is then resumed for a few seconds to check the run goes on from the checkpoint.
 *
 *   npx tsx bench/crashLoss.ts --every 5 --kills 5
 */
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { readHistoryLines } from '../cli/history.ts';
import { machineLine } from './runs.ts';

const o = new Command()
  .option('--every <s>', 'checkpointEverySec', '5')
  .option('--kills <n>', 'runs to kill', '5')
  .option('--warmup <s>', 'seconds of training before the kill window opens', '10')
  .parse()
  .opts<{ every: string; kills: string; warmup: string }>();
const every = Number(o.every);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `tabswarm start ARGS`; resolves with its exit once it ends. */
function start(args: string[]) {
  const child = spawn('node', ['bin/tabswarm.js', 'start', '--no-build', '--port', '0', '--backend', 'cpu', ...args], { stdio: 'ignore' });
  return { child, done: new Promise<void>((r) => child.on('close', () => r())) };
}

const rows: { versionsLost: number; envStepsLost: number; secondsLost: number; resumedFrom: number; resumedTo: number }[] = [];
for (let k = 0; k < Number(o.kills); k++) {
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-crash-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify({ checkpointEverySec: every, totalTimesteps: 10_000_000 }));
  const run = start(['--workers', '2', '--config', join(dir, 'config.json'), '--run-dir', dir, '--max-wall', '600']);
  // training started (a point past version 0), then a random moment within two checkpoint intervals
  while (!(await readHistoryLines(join(dir, 'history.jsonl'))).some((p) => p.version > 0)) await sleep(200);
  await sleep((Number(o.warmup) + Math.random() * 2 * every) * 1000);
  run.child.kill('SIGKILL');
  await run.done;
  const ck = await loadCheckpoint(join(dir, 'checkpoint.ckpt'));
  const last = (await readHistoryLines(join(dir, 'history.jsonl'))).at(-1)!;
  const ckWallS = (ck.extra as { tracker?: { wallS?: number } }).tracker?.wallS ?? 0;
  const resumed = start(['--workers', '1', '--resume', dir, '--max-wall', '8']);
  await resumed.done;
  const after = await loadCheckpoint(join(dir, 'checkpoint.ckpt'));
  rows.push({ versionsLost: last.version - ck.version, envStepsLost: last.envSteps - ck.envSteps, secondsLost: last.wallS - ckWallS, resumedFrom: ck.version, resumedTo: after.version });
  console.log(JSON.stringify(rows.at(-1)));
}

const mean = (k: keyof (typeof rows)[number]) => rows.reduce((s, r) => s + r[k], 0) / rows.length;
const max = (k: keyof (typeof rows)[number]) => Math.max(...rows.map((r) => r[k]));
console.log(`\n${machineLine()}; checkpointEverySec ${every}, ${rows.length} kills, 2 tabs (cpu backend), CartPole-v1`);
console.log('| | mean | max |\n|---|---|---|');
console.log(`| versions lost | ${mean('versionsLost').toFixed(1)} | ${max('versionsLost')} |`);
console.log(`| env steps lost | ${mean('envStepsLost').toFixed(0)} | ${max('envStepsLost')} |`);
console.log(`| training seconds lost (history's last point - checkpoint) | ${mean('secondsLost').toFixed(1)} | ${max('secondsLost').toFixed(1)} |`);
console.log(`resumed runs that went on from their checkpoint's version: ${rows.filter((r) => r.resumedTo >= r.resumedFrom).length} of ${rows.length}`);
