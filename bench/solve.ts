/**
 * `npm run bench:solve`: time `npm start`'s main job to solved, with 1 and with 2 headless tabs,
 * several seeds each, and write docs/SOLVE.md. Each run is a real `tabswarm start` process.
 *
 *   npm run bench:solve -- --tabs 1,2 --seeds 1,2,3
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { fmt, list, machineLine, median, runTabswarm } from './runs.ts';

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
  .option('--extra <args>', 'extra flags for tabswarm start', '')
  .parse()
  .opts<{ tabs: string; seeds: string; out: string; extra: string }>();

async function runOnce(tabs: number, seed: number): Promise<RunResult> {
  const { exitCode, launchToExitS, summary: s } = await runTabswarm(['--workers', String(tabs), '--seed', String(seed), ...opts.extra.split(' ').filter(Boolean)]);
  return {
    tabs, seed, exitCode, launchToExitS, solved: s.solved, solvedAtEnvSteps: s.solvedAtEnvSteps, solvedAtWallS: s.solvedAtWallS,
    backends: s.workers.map((w) => `${w.backend} (${w.adapter})`),
  };
}

/** Median over all runs, an unsolved one (null) counting as slower than any solved one. */
function medianSolved(xs: (number | null)[], digits = 1): string {
  const m = median(xs.map((x) => x ?? Infinity));
  return m === Infinity ? 'not solved' : fmt(m, digits);
}

async function main(): Promise<void> {
  const results: RunResult[] = [];
  for (const tabs of list(opts.tabs).map(Number)) {
    for (const seed of list(opts.seeds).map(Number)) {
      const r = await runOnce(tabs, seed);
      console.log(JSON.stringify(r));
      results.push(r);
    }
  }
  const lines = [
    '# Time to solve CartPole-v1 with `npm start`',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}.`,
    `Command: \`npm run bench:solve -- --tabs ${opts.tabs} --seeds ${opts.seeds}${opts.extra ? ` --extra "${opts.extra}"` : ''}\``,
    '',
    'Solved = mean return of the last 100 episodes >= 475. "training s" runs from the first tab\'s join to solved;',
    'medians are over every seed, an unsolved run counting as slower than any solved one ("not solved" when the median falls on one);',
    '"launch to exit s" adds starting the coordinator and Chromium, each tab\'s backend measurement, and writing the outputs.',
    '',
    '| tabs | runs solved | median env steps | median training s | median launch to exit s | backends chosen |',
    '|---|---|---|---|---|---|',
  ];
  for (const tabs of list(opts.tabs).map(Number)) {
    const rs = results.filter((r) => r.tabs === tabs);
    const solved = rs.filter((r) => r.solved).length;
    const backends = [...new Set(rs.flatMap((r) => r.backends))].join(', ');
    const steps = medianSolved(rs.map((r) => r.solvedAtEnvSteps), 0);
    lines.push(`| ${tabs} | ${solved}/${rs.length} | ${steps} | ${medianSolved(rs.map((r) => r.solvedAtWallS))} | ${fmt(median(rs.map((r) => r.launchToExitS)))} | ${backends} |`);
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
