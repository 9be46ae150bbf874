/**
 * `npm run bench:solve`: time `npm start`'s main job to solved, with 1 and with 2 headless tabs,
 * several seeds each, and write docs/SOLVE.md. Each run is a real `server/main.ts` process.
 *
 *   npm run bench:solve -- --tabs 1,2 --seeds 1,2,3
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile, mkdir } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';

interface RunResult {
  tabs: number;
  seed: number;
  exitCode: number | null;
  /** Seconds from process launch to exit (coordinator start, tab launch, backend measurement, training). */
  launchToExitS: number;
  solved: boolean;
  solvedAtEnvSteps: number | null;
  solvedAtWallS: number | null;
  backends: string[];
}

const opts = new Command()
  .option('--tabs <list>', 'tab counts', '1,2')
  .option('--seeds <list>', 'seeds', '1,2,3')
  .option('--out <file>', 'report', 'docs/SOLVE.md')
  .option('--extra <args>', 'extra flags for server/main.ts', '')
  .parse()
  .opts<{ tabs: string; seeds: string; out: string; extra: string }>();

const list = (s: string) => s.split(',').map((x) => Number(x.trim()));

async function runOnce(tabs: number, seed: number): Promise<RunResult> {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-bench-'));
  const args = ['tsx', 'server/main.ts', '--port', '0', '--workers', String(tabs), '--seed', String(seed), '--run-dir', runDir, ...opts.extra.split(' ').filter(Boolean)];
  const t0 = performance.now();
  const exitCode = await new Promise<number | null>((resolve) => {
    const p = spawn('npx', args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('close', resolve);
  });
  const launchToExitS = (performance.now() - t0) / 1000;
  const s = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  return {
    tabs, seed, exitCode, launchToExitS, solved: s.solved, solvedAtEnvSteps: s.solvedAtEnvSteps, solvedAtWallS: s.solvedAtWallS,
    backends: s.workers.map((w: { backend: string; adapter: string }) => `${w.backend} (${w.adapter})`),
  };
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const fmt = (x: number | null, d = 1) => (x === null ? '-' : x.toFixed(d));

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (const tabs of list(opts.tabs)) {
    for (const seed of list(opts.seeds)) {
      const r = await runOnce(tabs, seed);
      console.log(JSON.stringify(r));
      results.push(r);
    }
  }
  const lines = [
    '# Time to solve CartPole-v1 with `npm start`',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), headless Chromium, no GPU.`,
    `Command: \`npm run bench:solve -- --tabs ${opts.tabs} --seeds ${opts.seeds}${opts.extra ? ` --extra "${opts.extra}"` : ''}\``,
    '',
    'Solved = mean return of the last 100 episodes >= 475. "training s" runs from the first tab\'s join to solved;',
    '"launch to exit s" adds starting the coordinator and Chromium, each tab\'s backend measurement, and writing the outputs.',
    '',
    '| tabs | runs solved | median env steps | median training s | median launch to exit s | backends chosen |',
    '|---|---|---|---|---|---|',
  ];
  for (const tabs of list(opts.tabs)) {
    const rs = results.filter((r) => r.tabs === tabs);
    const ok = rs.filter((r) => r.solved);
    const backends = [...new Set(rs.flatMap((r) => r.backends))].join(', ');
    lines.push(`| ${tabs} | ${ok.length}/${rs.length} | ${fmt(median(ok.map((r) => r.solvedAtEnvSteps!)), 0)} | ${fmt(median(ok.map((r) => r.solvedAtWallS!)))} | ${fmt(median(rs.map((r) => r.launchToExitS)))} | ${backends} |`);
  }
  lines.push('', '## Every run', '', '| tabs | seed | solved | env steps | training s | launch to exit s | backends |', '|---|---|---|---|---|---|---|');
  for (const r of results) {
    lines.push(`| ${r.tabs} | ${r.seed} | ${r.solved ? 'yes' : 'no'} | ${r.solvedAtEnvSteps ?? '-'} | ${fmt(r.solvedAtWallS)} | ${fmt(r.launchToExitS)} | ${r.backends.join(', ')} |`);
  }
  await mkdir('docs', { recursive: true });
  await writeFile(opts.out, lines.join('\n') + '\n');
  console.log(`wrote ${opts.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
