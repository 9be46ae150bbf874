/**
 * `tabswarm eval <run-or-checkpoint>` (`npm run eval -- ...`): plays a trained policy and prints
 * the mean and std of its episode returns, deterministic (the most likely action each step, the
 * figure RL Baselines3 Zoo reports) and stochastic (actions drawn as the tabs draw them while
 * training), both from --seed (shared/ppo/evaluate.ts). `--render DIR` writes episodes as animated
 * GIFs and optionally PNG frames (render.ts). Exit code 2 for a bad flag or file.
 */
import { Command, Option } from 'commander';
import { renderableEnvIds } from '../shared/envs/render.ts';
import { EVAL_MODES, evaluatePolicy, type EvalMode } from '../shared/ppo/evaluate.ts';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';
import { importEnvModules, numberArg, parsedBy } from './args.ts';
import { checkpointPath } from './export.ts';
import { renderEpisodes, type RenderedEpisode } from './render.ts';

/** Largest rendered side, in pixels. */
const MAX_SIDE = 4096;

/** `--size WxH`: width and height in pixels, each in [16, MAX_SIDE]. */
export function parseSize(v: string): { width: number; height: number } {
  const m = /^(\d+)x(\d+)$/.exec(v);
  const [width, height] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(width >= 16 && width <= MAX_SIDE && height >= 16 && height <= MAX_SIDE)) {
    throw new Error(`--size must be WIDTHxHEIGHT in pixels, each from 16 to ${MAX_SIDE} (e.g. 300x200), got "${v}"`);
  }
  return { width, height };
}

interface EvalOptions {
  episodes: number;
  seed: number;
  mode: EvalMode | 'both';
  json: boolean;
  envModule: string[];
  render?: string;
  renderEpisodes: number;
  size: { width: number; height: number };
  fps: number;
  frames: boolean;
}

/** Options that only mean something with --render. */
const RENDER_ONLY = ['renderEpisodes', 'size', 'fps', 'frames'];

export const evalCommand = () => new Command('eval')
  .description('Evaluate a checkpoint\'s policy, deterministic and stochastic; optionally render episodes to GIFs.')
  .argument('<run-or-checkpoint>', 'a run folder holding checkpoint.ckpt, or a checkpoint file')
  .option('--episodes <n>', 'episodes to play per mode', numberArg('--episodes', { integer: true, min: 1 }), 100)
  .option('--seed <n>', 'episode k starts from reset(seed + k); stochastic actions are drawn from a stream seeded by it', numberArg('--seed', { integer: true }), 0)
  .addOption(new Option('--mode <mode>', 'how actions are chosen: the most likely (deterministic), drawn from the policy (stochastic), or both')
    .choices([...EVAL_MODES, 'both']).default('both'))
  .option('--json', 'print one JSON object instead of text', false)
  .option('--env-module <file>', 'a file that registers the run\'s custom environment (repeatable)', (f: string, all: string[]) => [...all, f], [] as string[])
  .option('--render <dir>', 'write episodes as animated GIFs (episode-K.gif) into DIR; played stochastic with --mode stochastic, else deterministic')
  .option('--render-episodes <n>', 'episodes to render (episodes 0..n-1 of the evaluation)', numberArg('--render-episodes', { integer: true, min: 1 }), 1)
  .addOption(new Option('--size <WxH>', 'rendered frame size in pixels').argParser(parsedBy(parseSize)).default({ width: 300, height: 200 }, '300x200'))
  .option('--fps <n>', 'frames per second of the GIFs', numberArg('--fps', { min: 1 }), 30)
  .option('--frames', 'also write each frame as a PNG (episode-K/frame-NNNN.png)', false)
  .exitOverride()
  .action(async (source: string, o: EvalOptions, cmd: Command) => {
    const stray = cmd.options.filter((opt) => RENDER_ONLY.includes(opt.attributeName()) && cmd.getOptionValueSource(opt.attributeName()) === 'cli');
    if (o.render === undefined && stray.length > 0) cmd.error(`error: ${stray.map((opt) => opt.long).join(', ')} ${stray.length === 1 ? 'needs' : 'need'} --render DIR`, { exitCode: 2 });
    await evaluate(source, o);
  });

async function evaluate(source: string, o: EvalOptions): Promise<void> {
  await importEnvModules(o.envModule);
  const ck = await loadCheckpoint(await checkpointPath(source));
  if (o.render !== undefined && !renderableEnvIds().includes(ck.envId)) {
    throw new Error(`--render: there is no drawing of ${ck.envId}; an --env-module adds one with registerRenderer (shared/envs/render.ts) next to registerEnv. Drawn: ${renderableEnvIds().join(', ')}`);
  }
  const obsStats = checkpointRunState(ck).norm.obs ?? null;
  const modes = o.mode === 'both' ? EVAL_MODES : [o.mode];
  const results = modes.map((mode) => {
    const returns = evaluatePolicy(ck.config, ck.params, obsStats, o.episodes, o.seed, mode);
    const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
    const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / returns.length);
    return { mode, mean, std, returns };
  });
  let rendered: RenderedEpisode[] = [];
  const renderMode: EvalMode = o.mode === 'stochastic' ? 'stochastic' : 'deterministic';
  if (o.render !== undefined) {
    rendered = await renderEpisodes(ck.config, ck.params, obsStats, renderMode, o.seed, {
      dir: o.render, episodes: o.renderEpisodes, ...o.size, fps: o.fps, pngFrames: o.frames,
    });
  }
  if (o.json) {
    console.log(JSON.stringify({
      envId: ck.envId, version: ck.version, envSteps: ck.envSteps, episodes: o.episodes, seed: o.seed,
      ...Object.fromEntries(results.map(({ mode, ...r }) => [mode, r])),
      ...(o.render !== undefined && { rendered: rendered.map((r) => ({ mode: renderMode, ...r })) }),
    }));
    return;
  }
  for (const { mode, mean, std, returns } of results) {
    console.log(`${ck.envId}: mean return ${mean.toFixed(1)} +- ${std.toFixed(1)} over ${returns.length} ${mode} episodes (version ${ck.version}, ${ck.envSteps} env steps)`);
  }
  rendered.forEach((r, k) => {
    console.log(`episode ${k} (${renderMode}, return ${r.return.toFixed(1)}, ${r.frames} frames): ${r.gif}${r.pngDir ? ` and ${r.pngDir}/` : ''}`);
  });
}
