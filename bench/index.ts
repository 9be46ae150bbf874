/**
 * `npm run bench`: every performance benchmark in turn, then docs/PERFORMANCE.md from their
 * reports (docs/perf/*.md), each section with the command that made it.
 *
 *   npm run bench                          # all: backends, load, codecs, solve (1, 2 and 4 tabs), solveFast
 *   npm run bench -- --only load,codecs    # some, then the report from whatever is in docs/perf
 *   npm run bench -- --only none           # only rewrite the report
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { list, machineLine } from './runs.ts';

/**
 * CartPole-v1 with 10 gradient passes per sample in minibatches of 256, against the zoo's 20 over
 * one of 256: about as many env steps to solve, less wall time per env step. Ten seeds, as single
 * runs spread widely.
 */
const FAST_CARTPOLE = 'bench/cartpole-fast.json';

/** Each part: its script, its arguments, and the report it writes. */
const PARTS = {
  backends: { script: 'bench/backends.ts', args: ['--compare-isolation'], report: 'docs/perf/backends.md', title: 'Backends in headless Chromium' },
  load: { script: 'bench/load.ts', args: [], report: 'docs/perf/coordinator.md', title: 'Coordinator under load' },
  codecs: { script: 'bench/codecs.ts', args: [], report: 'docs/perf/codecs.md', title: 'Update codecs' },
  solve: { script: 'bench/solve.ts', args: ['--tabs', '1,2,4', '--out', 'docs/perf/solve.md'], report: 'docs/perf/solve.md', title: 'Time to solve CartPole-v1' },
  solveFast: {
    script: 'bench/solve.ts',
    args: ['--tabs', '2', '--seeds', '1,2,3,4,5,6,7,8,9,10', `--extra=--config ${FAST_CARTPOLE}`, '--out', 'docs/perf/solve-fast.md'],
    report: 'docs/perf/solve-fast.md',
    title: `Time to solve CartPole-v1 with fewer gradient passes (${FAST_CARTPOLE})`,
  },
};
type Part = keyof typeof PARTS;

const opts = new Command()
  .option('--only <list>', `parts to run (${Object.keys(PARTS).join(', ')}, or none)`, Object.keys(PARTS).join(','))
  .parse()
  .opts<{ only: string }>();

function run(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('npx', ['tsx', script, ...args], { stdio: 'inherit' });
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

const TARGETS = `Targets (issue 5), each checked in the section named:
- CartPole-v1 solved in <= 15 s of training with 2 headless tabs on a 2-core machine, in <= 100k env steps, median of 3 seeds (Time to solve).
- Rollout throughput >= 100k env steps/s per tab on CartPole with batched envs and inference (Backends, rollout table).
- Coordinator >= 5,000 applied updates/s for a 10k-parameter model on one core, p99 apply latency < 10 ms with 1,000 simulated workers; ratio to the optimizer step's memory-bandwidth limit (Coordinator under load).
- Coordinator memory < 300 MB with 1,000 connected workers (Coordinator under load); tab tensor count flat (Backends, and the tests).`;

async function main(): Promise<void> {
  const only = list(opts.only).filter((p) => p !== 'none') as Part[];
  for (const p of only) {
    if (!(p in PARTS)) throw new Error(`unknown part ${p}: use ${Object.keys(PARTS).join(', ')}`);
    await run(PARTS[p].script, PARTS[p].args);
  }
  const sections: string[] = [];
  for (const [name, part] of Object.entries(PARTS)) {
    if (!existsSync(part.report)) {
      sections.push(`## ${part.title}\n\nNot measured yet: \`npm run bench -- --only ${name}\`.`);
      continue;
    }
    // Each report's own title becomes this section's; its other headings move one level down.
    const body = (await readFile(part.report, 'utf8')).replace(/^# .*\n/, '').replace(/^(#+) /gm, '#$1 ');
    sections.push(`## ${part.title}\n\nFrom [${part.report.replace('docs/', '')}](${part.report.replace('docs/', '')}).\n${body}`);
  }
  // The reading of the figures against the targets is written by hand after a run, and dated there.
  const verdict = existsSync('docs/perf/verdict.md') ? (await readFile('docs/perf/verdict.md', 'utf8')).replace(/^# .*\n/, '').trim() : '';
  const doc = [
    '# Performance',
    '',
    `Written by \`npm run bench\` on ${machineLine()}. Every figure below is a median of repeated runs unless its`,
    'section says otherwise, with the command that produced it. Re-run one part with `npm run bench -- --only <part>`.',
    '',
    TARGETS,
    '',
    ...(verdict ? ['## Where the targets stand', '', verdict, ''] : []),
    ...sections,
  ].join('\n');
  await writeFile('docs/PERFORMANCE.md', doc.trimEnd() + '\n');
  console.log('wrote docs/PERFORMANCE.md');
}

main().catch((e) => { console.error(e); process.exit(1); });
