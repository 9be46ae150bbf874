/**
 * Evaluation of trained parameters on whole episodes, as RL Baselines3 Zoo reports its results:
 * deterministic (each step the most likely action: categorical, the largest logit; Gaussian, the
 * mean clipped to the Box) or stochastic (actions drawn as the tabs draw them, actionSampler.ts,
 * from a seeded stream), on observations normalized with frozen statistics. Plain JS
 * (actorPlain), so it runs in Node without TensorFlow.js.
 */
import type { TrainConfig } from '../config.ts';
import { makeEnv } from '../envs/registry.ts';
import type { Env } from '../envs/types.ts';
import { Rng } from '../rng.ts';
import { runToEnd } from '../steps.ts';
import { ActionSampler } from './actionSampler.ts';
import { actorPlain, logStdPlain } from './params.ts';
import { modelFor, type ModelSpec } from './modelSpec.ts';
import { RunningMeanStd } from './runningStats.ts';

export type EvalConfig = Pick<TrainConfig, 'envId' | 'hiddenSizes' | 'gsde' | 'normObs' | 'clipObs'>;
/** What the stochastic policy needs besides: how often gSDE redraws its noise. */
export type SampledEvalConfig = EvalConfig & Pick<TrainConfig, 'sdeSampleFreq'>;

/** How evaluation picks actions: the most likely one, or drawn from the policy's distribution. */
export type EvalMode = 'deterministic' | 'stochastic';
export const EVAL_MODES: readonly EvalMode[] = ['deterministic', 'stochastic'];

/** A policy that acts on one raw observation; `t` is the step within the episode. */
export interface EvalPolicy {
  act(obs: Float32Array, t: number): number | number[];
}

/**
 * Returns of `episodes` whole episodes; episode k starts from reset(seed + k). Stochastic actions
 * come from one stream seeded by `seed`, so the same seed gives the same returns.
 */
export function evaluatePolicy(
  config: SampledEvalConfig, params: Float32Array, obsStats: Float64Array | null, episodes: number, seed: number, mode: EvalMode = 'deterministic',
): number[] {
  return runToEnd(evaluationSteps(config, params, obsStats, episodes, seed, mode));
}

/**
 * `evaluatePolicy` one env step at a time: the generator pauses after every reset and step and
 * returns the episodes' returns, so a caller that must stay responsive (the coordinator's solve
 * check) can run it in slices. The copy of `params` and `obsStats` is the caller's to keep unchanged meanwhile.
 */
export function* evaluationSteps(
  config: SampledEvalConfig, params: Float32Array, obsStats: Float64Array | null, episodes: number, seed: number, mode: EvalMode = 'deterministic',
): Generator<void, number[], void> {
  const policy = evalPolicy(config, params, obsStats, mode, seed);
  const env = makeEnv(config.envId, seed);
  const returns: number[] = [];
  for (let k = 0; k < episodes; k++) returns.push(yield* playEpisode(env, policy, seed + k));
  return returns;
}

/**
 * One episode of `policy` from env.reset(seed): pauses after the reset and after every step (the
 * env then holds the state to look at, e.g. to draw) and returns the episode's return.
 */
export function* playEpisode(env: Env, policy: EvalPolicy, seed: number): Generator<void, number, void> {
  let obs = env.reset(seed);
  yield;
  let ret = 0;
  for (let t = 0, done = false; !done; t++) {
    const step = env.step(policy.act(obs, t));
    ret += step.reward;
    obs = step.obs;
    done = step.terminated || step.truncated;
    yield;
  }
  return ret;
}

/** The policy of `params` in `mode`; a stochastic one draws from a stream seeded by `seed`. */
export function evalPolicy(config: SampledEvalConfig, params: Float32Array, obsStats: Float64Array | null, mode: EvalMode, seed: number): EvalPolicy {
  return mode === 'deterministic' ? new GreedyPolicy(config, params, obsStats) : new SampledPolicy(config, params, obsStats, seed);
}

/** The actor of `params` on one raw observation, normalized with frozen statistics. */
class PlainActor {
  readonly model: ModelSpec;
  private readonly rms: RunningMeanStd | null;
  private readonly normalized: Float32Array;

  constructor(private readonly config: EvalConfig, private readonly params: Float32Array, obsStats: Float64Array | null) {
    this.model = modelFor(config);
    const { spec, numParams } = this.model;
    if (params.length !== numParams) throw new Error(`evaluatePolicy: ${config.envId}'s model has ${numParams} params, got ${params.length}`);
    if (config.normObs && !obsStats) throw new Error('evaluatePolicy: the run normalized observations; its statistics are needed');
    this.rms = config.normObs ? RunningMeanStd.fromArray(spec.obsDim, obsStats!) : null;
    this.normalized = new Float32Array(spec.obsDim);
  }

  forward(obs: Float32Array): { actorOut: Float32Array; actorHidden: Float32Array } {
    const input = this.rms ? this.rms.normalize(obs, 1, this.config.clipObs, this.normalized) : obs;
    return actorPlain(this.params, this.model.layout, input, 1);
  }
}

/**
 * The deterministic policy of `params`: the most likely action for an observation (categorical:
 * the largest logit; Gaussian: the mean, clipped to the Box), normalized with frozen statistics.
 */
export class GreedyPolicy implements EvalPolicy {
  private readonly actor: PlainActor;

  constructor(config: EvalConfig, params: Float32Array, obsStats: Float64Array | null) {
    this.actor = new PlainActor(config, params, obsStats);
  }

  act(obs: Float32Array): number | number[] {
    const { head } = this.actor.model;
    const { actorOut } = this.actor.forward(obs);
    return head.type === 'categorical'
      ? actorOut.indexOf(Math.max(...actorOut))
      : Array.from(actorOut, (m, j) => Math.min(Math.max(m, head.low[j]), head.high[j]));
  }
}

/**
 * The stochastic policy of `params`, as the tabs act while training: a categorical draw, or a
 * Gaussian (or gSDE) draw clipped to the Box, from a stream seeded by `seed`.
 */
export class SampledPolicy implements EvalPolicy {
  private readonly actor: PlainActor;
  private readonly sampler: ActionSampler;
  private readonly logStd: Float32Array;

  constructor(private readonly config: SampledEvalConfig, params: Float32Array, obsStats: Float64Array | null, seed: number) {
    this.actor = new PlainActor(config, params, obsStats);
    const { head, layout } = this.actor.model;
    this.sampler = new ActionSampler(head, 1, new Rng(seed ^ 0x5bd1e995), config.sdeSampleFreq);
    this.logStd = logStdPlain(params, layout) ?? new Float32Array(0);
  }

  act(obs: Float32Array, t: number): number | number[] {
    const { actorOut, actorHidden } = this.actor.forward(obs);
    const { sampler } = this;
    sampler.sample({ actorOut, logStd: this.logStd, actorHidden: this.config.gsde ? actorHidden : new Float32Array(0) }, t);
    return sampler.head.type === 'categorical' ? sampler.actions[0] : Array.from(sampler.envActions);
  }
}
