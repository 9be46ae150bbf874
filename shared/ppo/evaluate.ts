/**
 * Deterministic evaluation of trained parameters, as RL Baselines3 Zoo reports its results: each
 * step takes the most likely action (categorical: the largest logit; Gaussian: the mean, clipped
 * to the Box), on observations normalized with frozen statistics. Plain JS (forwardPlain), so it
 * runs in Node without TensorFlow.js.
 */
import type { TrainConfig } from '../config.ts';
import { makeEnv } from '../envs/registry.ts';
import { forwardPlain } from './params.ts';
import { modelFor, type ModelSpec } from './modelSpec.ts';
import { RunningMeanStd } from './runningStats.ts';

export type EvalConfig = Pick<TrainConfig, 'envId' | 'hiddenSizes' | 'gsde' | 'normObs' | 'clipObs'>;

/** Returns of `episodes` whole episodes; episode k starts from reset(seed + k). */
export function evaluatePolicy(config: EvalConfig, params: Float32Array, obsStats: Float64Array | null, episodes: number, seed: number): number[] {
  const steps = evaluationSteps(config, params, obsStats, episodes, seed);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * `evaluatePolicy` one env step at a time: the generator pauses after every step and returns the
 * episodes' returns, so a caller that must stay responsive (the coordinator's solve check) can run
 * it in slices. The copy of `params` and `obsStats` is the caller's to keep unchanged meanwhile.
 */
export function* evaluationSteps(config: EvalConfig, params: Float32Array, obsStats: Float64Array | null, episodes: number, seed: number): Generator<void, number[], void> {
  const policy = new GreedyPolicy(config, params, obsStats);
  const env = makeEnv(config.envId, seed);
  const returns: number[] = [];
  for (let k = 0; k < episodes; k++) {
    let obs = env.reset(seed + k);
    let ret = 0;
    for (let done = false; !done;) {
      const step = env.step(policy.act(obs));
      ret += step.reward;
      obs = step.obs;
      done = step.terminated || step.truncated;
      yield;
    }
    returns.push(ret);
  }
  return returns;
}

/**
 * The deterministic policy of `params`: the most likely action for an observation (categorical:
 * the largest logit; Gaussian: the mean, clipped to the Box), normalized with frozen statistics.
 */
export class GreedyPolicy {
  private readonly model: ModelSpec;
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

  act(obs: Float32Array): number | number[] {
    const { head, layout } = this.model;
    const input = this.rms ? this.rms.normalize(obs, 1, this.config.clipObs, this.normalized) : obs;
    const { actorOut } = forwardPlain(this.params, layout, input, 1);
    return head.type === 'categorical'
      ? actorOut.indexOf(Math.max(...actorOut))
      : Array.from(actorOut, (m, j) => Math.min(Math.max(m, head.low[j]), head.high[j]));
  }
}
