/**
 * Rollout collection for one worker: E envs stepped together for T steps with one batched
 * inference per step, then GAE, then shuffled minibatches. Buffers are allocated once.
 */
import { VecEnv } from '../envs/vecEnv.ts';
import type { EpisodeTrace } from '../envs/trace.ts';
import { Rng } from '../rng.ts';
import { computeGae } from './gae.ts';
import { Normalizer, type NormOptions } from './normalizer.ts';
import { ActionSampler } from './actionSampler.ts';
import type { MinibatchArrays, PolicyOutput } from './learner.ts';
import { actionWidth, policyHead, type PolicyHead } from './policyHead.ts';


/**
 * Normalization, and how often a gSDE policy redraws its exploration matrices: every
 * `sdeSampleFreq` steps, and at the start of every rollout (0: only there).
 */
export interface CollectorOptions extends NormOptions {
  sdeSampleFreq: number;
}

/** Neither normalization (observations and rewards pass through unchanged); gSDE noise redrawn per rollout. */
const DEFAULTS: CollectorOptions = { normObs: false, normReward: false, clipObs: 10, clipReward: 10, gamma: 0.99, sdeSampleFreq: 0 };

/** What collection needs from the policy: one batched inference (see `Learner.act`). */
export interface Policy {
  act(obs: Float32Array, batch: number): Promise<PolicyOutput>;
}

/** A finished episode: its undiscounted return, its length, and its trace (what replays it: envs/trace.ts). */
export interface Episode { return: number; length: number; trace: EpisodeTrace }

export interface RolloutResult {
  envSteps: number;
  episodes: Episode[];
  /** Fraction of the returns' variance the old values explain (CleanRL's explained_variance). */
  explainedVariance: number;
}

export class RolloutCollector {
  readonly env: VecEnv;
  /** Capacity: the longest rollout the buffers hold. */
  readonly numSteps: number;
  /** Length of the last rollout collected (<= numSteps); the samples are its steps x numEnvs. */
  steps = 0;
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly head: PolicyHead;
  /** Numbers per stored action (see `actionWidth`). */
  readonly actionWidth: number;
  private readonly rng: Rng;
  /** Raw observations of the envs' current step, [E, obsDim]. */
  private nextObsRaw: Float32Array;

  readonly obs: Float32Array; // [T, E, obsDim]
  /** Sampled actions as the policy drew them (Gaussian: unclipped), [T, E, actionWidth]. */
  readonly actions: Float32Array;
  /** Log-probabilities of `actions`. */
  readonly logp: Float32Array; // [T, E]
  readonly rewards: Float32Array; // [T, E]
  readonly dones: Uint8Array; // [T, E]
  readonly values: Float32Array; // [T, E]
  advantages = new Float32Array(0); // [T, E]
  returns = new Float32Array(0); // [T, E]

  /** Observation normalization and reward scaling (a pass-through when both are off). */
  readonly normalizer: Normalizer;
  /** Draws each step's actions (gSDE redraws its noise at the start of every rollout). */
  private readonly sampler: ActionSampler;

  constructor(envId: string, numEnvs: number, numSteps: number, seed: number, opts: CollectorOptions = DEFAULTS) {
    this.env = new VecEnv(envId, numEnvs, seed);
    this.numEnvs = numEnvs;
    this.numSteps = numSteps;
    this.obsDim = this.env.spec.obsDim;
    this.head = policyHead(this.env.spec);
    this.actionWidth = actionWidth(this.head);
    this.rng = new Rng(seed ^ 0x5bd1e995);
    const n = numSteps * numEnvs;
    this.obs = new Float32Array(n * this.obsDim);
    this.actions = new Float32Array(n * this.actionWidth);
    this.logp = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Uint8Array(n);
    this.values = new Float32Array(n);
    this.normalizer = new Normalizer(this.obsDim, numEnvs, opts);
    this.sampler = new ActionSampler(this.head, numEnvs, this.rng, opts.sdeSampleFreq);
    this.nextObsRaw = this.env.reset();
    this.normalizer.observe(this.nextObsRaw, numEnvs);
  }

  /** Steps every env `steps` times (numSteps by default) with `policy`, then computes advantages and returns. */
  async collect(policy: Policy, gamma: number, gaeLambda: number, steps = this.numSteps): Promise<RolloutResult> {
    if (!Number.isInteger(steps) || steps < 1 || steps > this.numSteps) throw new RangeError(`collect: steps must be an integer in [1, ${this.numSteps}], got ${steps}`);
    const { numEnvs: e, obsDim: d, actionWidth: w } = this;
    const episodes: Episode[] = [];
    const sampler = this.sampler;
    for (let t = 0; t < steps; t++) {
      const row = t * e;
      const obs = this.normalizer.normalizeObs(this.nextObsRaw, e, this.obs.subarray(row * d, (row + e) * d));
      const out = await policy.act(obs, e);
      sampler.sample(out, t);
      this.actions.set(sampler.actions, row * w);
      this.logp.set(sampler.logp, row);
      this.values.set(out.values, row);
      const step = this.env.step(sampler.envActions);
      for (let i = 0; i < e; i++) this.dones[row + i] = step.terminated[i] | step.truncated[i];
      const rewards = this.rewards.subarray(row, row + e);
      this.normalizer.observe(step.obs, e);
      this.normalizer.scaleRewards(step.rewards, this.dones.subarray(row, row + e), rewards);
      for (const f of step.finished) episodes.push({ return: f.return, length: f.length, trace: f.trace });
      await this.bootstrapTruncated(policy, step.finalObs, step.terminated, row, gamma);
      this.nextObsRaw = step.obs.slice();
    }
    const { values: lastValues } = await policy.act(this.normalizer.normalizeObs(this.nextObsRaw, e, new Float32Array(e * d)), e);
    const n = steps * e;
    const values = this.values.subarray(0, n);
    const gae = computeGae(this.rewards.subarray(0, n), values, this.dones.subarray(0, n), lastValues, steps, e, gamma, gaeLambda);
    this.advantages = gae.advantages;
    this.returns = gae.returns;
    this.steps = steps;
    return {
      envSteps: n,
      episodes,
      explainedVariance: explainedVariance(values, this.returns),
    };
  }

  /**
   * An episode cut by the time limit (truncated, not terminated) did not end in the MDP:
   * fold gamma * V(final obs) into its last reward so GAE can treat it as done.
   */
  private async bootstrapTruncated(
    policy: Policy, finalObs: (Float32Array | null)[], terminated: Uint8Array, row: number, gamma: number,
  ): Promise<void> {
    const idx: number[] = [];
    finalObs.forEach((o, i) => { if (o && !terminated[i]) idx.push(i); });
    if (idx.length === 0) return;
    const raw = new Float32Array(idx.length * this.obsDim);
    idx.forEach((i, k) => raw.set(finalObs[i]!, k * this.obsDim));
    const { values } = await policy.act(this.normalizer.normalizeObs(raw, idx.length, new Float32Array(raw.length)), idx.length);
    idx.forEach((i, k) => { this.rewards[row + i] += gamma * values[k]; });
  }

  /** A fresh random permutation of the last rollout's sample indices. */
  shuffledIndices(): Int32Array {
    const n = this.steps * this.numEnvs;
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.rng.int(i + 1);
      const tmp = idx[i]; idx[i] = idx[j]; idx[j] = tmp;
    }
    return idx;
  }

  /** Gathers the samples idx[start, start + size) into `out` (allocated by `allocMinibatch`). */
  gather(idx: Int32Array, start: number, out: MinibatchArrays): MinibatchArrays {
    const d = this.obsDim;
    const w = this.actionWidth;
    for (let k = 0; k < out.size; k++) {
      const i = idx[start + k];
      out.obs.set(this.obs.subarray(i * d, i * d + d), k * d);
      out.actions.set(this.actions.subarray(i * w, i * w + w), k * w);
      out.logpOld[k] = this.logp[i];
      out.advantages[k] = this.advantages[i];
      out.returns[k] = this.returns[i];
      out.valuesOld[k] = this.values[i];
    }
    return out;
  }

  allocMinibatch(size: number): MinibatchArrays {
    return {
      size,
      obs: new Float32Array(size * this.obsDim),
      actions: new Float32Array(size * this.actionWidth),
      logpOld: new Float32Array(size),
      advantages: new Float32Array(size),
      returns: new Float32Array(size),
      valuesOld: new Float32Array(size),
    };
  }
}

/** 1 - Var[returns - values] / Var[returns]; NaN when the returns are constant. */
export function explainedVariance(values: Float32Array, returns: Float32Array): number {
  const n = values.length;
  let mr = 0, md = 0;
  for (let i = 0; i < n; i++) { mr += returns[i]; md += returns[i] - values[i]; }
  mr /= n; md /= n;
  let vr = 0, vd = 0;
  for (let i = 0; i < n; i++) {
    vr += (returns[i] - mr) ** 2;
    vd += (returns[i] - values[i] - md) ** 2;
  }
  return vr === 0 ? NaN : 1 - vd / vr;
}
