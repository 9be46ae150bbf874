/**
 * `npm run bench:learn`: train each environment with the distributed system (real coordinator,
 * headless tabs) and write docs/LEARNING.md: env steps and wall seconds to the reward threshold,
 * or the best mean return within the budget, beside the RL Baselines3 Zoo anchors.
 *
 *   npm run bench:learn -- --envs CartPole-v1,Acrobot-v1 --seeds 1 --tabs 2 --max-wall 600
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { configFor } from '../shared/config.ts';
import { envIds } from '../shared/envs/registry.ts';
import { M } from '../shared/metrics.ts';
import { evalCheckpoint, fmt, list, machineLine, runTabswarm, writeReport } from './runs.ts';

/** SB3 zoo PPO results: mean return and the env steps it trained for. */
const ANCHORS: Record<string, { ret: number; steps: number } | undefined> = {
  'CartPole-v1': { ret: 500, steps: 100_000 },
  'Acrobot-v1': { ret: -73.5, steps: 1_000_000 },
  'MountainCar-v0': { ret: -110.4, steps: 1_000_000 },
  'Pendulum-v1': { ret: -172, steps: 100_000 },
  'LunarLander-v3': { ret: 242, steps: 1_000_000 },
  'LunarLanderContinuous-v3': { ret: 271, steps: 1_000_000 },
};

const opts = new Command()
  .option('--envs <list>', 'environment IDs', envIds().join(','))
  .option('--seeds <list>', 'seeds', '1')
  .option('--tabs <n>', 'headless tabs per run', '2')
  .option('--max-wall <s>', 'wall-clock limit per run, seconds', '600')
  .option('--out <file>', 'report', 'docs/LEARNING.md')
  .parse()
  .opts<{ envs: string; seeds: string; tabs: string; maxWall: string; out: string }>();

interface Row {
  envId: string; seed: number; state: string; threshold: number; budget: number; envSteps: number; wallS: number | null;
  solvedAtEnvSteps: number | null; solvedAtWallS: number | null; best: number | null; bestAt: number | null; rejected: number; accepted: number;
  /** Mean return of the final policy over EVAL_EPISODES deterministic episodes. */
  evalReturn: number;
}

/** Deterministic episodes played with each run's final checkpoint (`npm run eval`). */
const EVAL_EPISODES = 100;

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const envId of list(opts.envs)) {
    for (const seed of list(opts.seeds).map(Number)) {
      const { summary: s, history, runDir } = await runTabswarm(['--env', envId, '--seed', String(seed), '--workers', opts.tabs, '--max-wall', opts.maxWall]);
      let best: number | null = null;
      let bestAt: number | null = null;
      for (const p of history) {
        const r = p.metrics[M.meanReturn];
        if (r !== undefined && (best === null || r > best)) { best = r; bestAt = p.envSteps; }
      }
      const row: Row = {
        envId, seed, state: s.state, threshold: Number(s.config.solveThreshold), budget: Number(s.config.totalTimesteps), envSteps: s.envSteps,
        wallS: s.trainingWallS, solvedAtEnvSteps: s.solvedAtEnvSteps, solvedAtWallS: s.solvedAtWallS, best, bestAt,
        accepted: s.updates.accepted, rejected: Object.values(s.updates.rejected).reduce((a, b) => a + b, 0),
        evalReturn: await evalCheckpoint(join(runDir, 'checkpoint.ckpt'), EVAL_EPISODES),
      };
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  const lines = [
    '# Learning benchmark',
    '',
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machineLine()}, ${opts.tabs} tabs per run, at most ${opts.maxWall} s per run.`,
    `Command: \`npm run bench:learn -- --envs ${opts.envs} --seeds ${opts.seeds} --tabs ${opts.tabs} --max-wall ${opts.maxWall}\``,
    '',
    'Solved = mean return of the last 100 episodes >= the threshold. "best" is the best such mean seen (over fewer',
    'episodes while the first 100 fill). A run ends when solved, when its env step budget is spent, or at the wall limit',
    '("stopped"). These are training episodes, played with exploration noise. "final eval" plays the final policy',
    `deterministically (the most likely action, \`npm run eval\`) for ${EVAL_EPISODES} episodes, as the zoo's anchor numbers are measured.`,
    'Hyperparameters: `shared/envDefaults.ts` (RL Baselines3 Zoo values), listed below.',
    '',
    '| env | seed | end | threshold | env steps to solve | s to solve | best mean return (at env steps) | env steps run | final eval | updates accepted / rejected | anchor (SB3 zoo) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const a = ANCHORS[r.envId];
    lines.push(`| ${r.envId} | ${r.seed} | ${r.state} | ${r.threshold} | ${r.solvedAtEnvSteps ?? '-'} | ${fmt(r.solvedAtWallS)} | ${fmt(r.best)} (${r.bestAt ?? '-'}) | ${r.envSteps} of ${r.budget} | ${fmt(r.evalReturn)} | ${r.accepted} / ${r.rejected} | ${a ? `${a.ret} at ${a.steps.toLocaleString('en-US')}` : '-'} |`);
  }
  lines.push('', '## Hyperparameters', '', '```json');
  for (const envId of [...new Set(rows.map((r) => r.envId))]) lines.push(`"${envId}": ${JSON.stringify(configFor(envId))}`);
  lines.push('```', '');
  await mkdir('docs', { recursive: true });
  await writeReport(opts.out, lines.join('\n'), '## Notes');
  console.log(`wrote ${opts.out}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
