/**
 * `tabswarm eval <checkpoint>` (`npm run eval -- <checkpoint>`): play a trained policy deterministically (the most likely
 * action each step, shared/ppo/evaluate.ts) and print the mean and std of its episode returns,
 * the figure RL Baselines3 Zoo reports. Exit code 2 for a bad flag or file.
 */
import { Command } from 'commander';
import { evaluatePolicy } from '../shared/ppo/evaluate.ts';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';
import { importEnvModules, numberArg } from './args.ts';

export const evalCommand = () => new Command('eval')
  .description('Evaluate a checkpoint\'s policy deterministically.')
  .argument('<checkpoint>', 'a checkpoint.ckpt written by a run')
  .option('--episodes <n>', 'episodes to play', numberArg('--episodes', { integer: true, min: 1 }), 100)
  .option('--seed <n>', 'episode k starts from reset(seed + k)', numberArg('--seed', { integer: true }), 0)
  .option('--env-module <file>', 'a file that registers the run\'s custom environment (repeatable)', (f: string, all: string[]) => [...all, f], [] as string[])
  .exitOverride()
  .action(evaluate);

async function evaluate(checkpoint: string, o: { episodes: number; seed: number; envModule: string[] }): Promise<void> {
  await importEnvModules(o.envModule);
  const ck = await loadCheckpoint(checkpoint);
  const returns = evaluatePolicy(ck.config, ck.params, checkpointRunState(ck).norm.obs ?? null, o.episodes, o.seed);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
  console.log(`${ck.envId}: mean return ${mean.toFixed(1)} +- ${std.toFixed(1)} over ${returns.length} deterministic episodes (version ${ck.version}, ${ck.envSteps} env steps)`);
}
