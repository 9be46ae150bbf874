/**
 * `npm run eval -- <checkpoint>`: play a trained policy deterministically (the most likely
 * action each step, shared/ppo/evaluate.ts) and print the mean and std of its episode returns,
 * the figure RL Baselines3 Zoo reports. Exit code 2 for a bad flag or file.
 */
import { Command, CommanderError } from 'commander';
import { evaluatePolicy } from '../shared/ppo/evaluate.ts';
import { checkpointNorm, loadCheckpoint } from './checkpoint.ts';
import { importEnvModules, numberArg } from './cli.ts';

const program = new Command()
  .name('tabswarm-eval')
  .description('Evaluate a checkpoint\'s policy deterministically.')
  .argument('<checkpoint>', 'a checkpoint.ckpt written by a run')
  .option('--episodes <n>', 'episodes to play', numberArg('--episodes', { integer: true, min: 1 }), 100)
  .option('--seed <n>', 'episode k starts from reset(seed + k)', numberArg('--seed', { integer: true }), 0)
  .option('--env-module <file>', 'a file that registers the run\'s custom environment (repeatable)', (f: string, all: string[]) => [...all, f], [] as string[])
  .exitOverride();

async function main(): Promise<void> {
  program.parse();
  const o = program.opts<{ episodes: number; seed: number; envModule: string[] }>();
  await importEnvModules(o.envModule);
  const ck = await loadCheckpoint(program.args[0]);
  const returns = evaluatePolicy(ck.config, ck.params, checkpointNorm(ck)?.obs ?? null, o.episodes, o.seed);
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
  console.log(`${ck.envId}: mean return ${mean.toFixed(1)} +- ${std.toFixed(1)} over ${returns.length} deterministic episodes (version ${ck.version}, ${ck.envSteps} env steps)`);
}

main().catch((e: unknown) => {
  if (!(e instanceof CommanderError)) console.error(`tabswarm-eval: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(e instanceof CommanderError && e.exitCode === 0 ? 0 : 2);
});
