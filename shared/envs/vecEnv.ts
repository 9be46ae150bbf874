/**
 * E envs of one ID stepped together, with same-step auto-reset (as Stable-Baselines3's
 * `DummyVecEnv`): when an env's episode ends, `step` returns its last observation in `finalObs`
 * and the first observation of its next episode in `obs`.
 *
 * Every episode starts from `reset(seed)` with a seed of its own, and the VecEnv records each
 * episode's seed and actions: a finished episode comes with its trace (envs/trace.ts), from which
 * anyone with the env replays it exactly. The seeds are deterministic given the VecEnv's seed.
 */

import { Rng } from '../rng.ts';
import { envSpec, makeEnv } from './registry.ts';
import { actionDim, type EpisodeTrace } from './trace.ts';
import { discreteActions, type Env, type EnvSpec } from './types.ts';

/**
 * One vectorized step. `obs`, `rewards`, `terminated` and `truncated` are buffers owned by the
 * VecEnv and overwritten by the next `step` call: copy them to keep them longer.
 */
export interface VecStep {
  /** [E, obsDim], row-major; rows of envs that ended this step already hold the reset obs. */
  obs: Float32Array;
  /** [E] */
  rewards: Float32Array;
  /** [E], 1 where the episode terminated this step. */
  terminated: Uint8Array;
  /** [E], 1 where the episode was truncated (time limit) this step. */
  truncated: Uint8Array;
  /** [E]: the last obs of an env whose episode ended this step, else null. */
  finalObs: (Float32Array | null)[];
  /** Episodes that ended this step, in env order; `return` is the undiscounted sum of rewards, `trace` replays it. */
  finished: { env: number; return: number; length: number; trace: EpisodeTrace }[];
}

export class VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  private readonly envs: Env[];
  private readonly seed: number;
  private seeded = false;
  private started = false;
  /** Draws the reset seed of every episode after each env's first (see the constructor). */
  private readonly seeds: Rng;
  /** [E] the reset seed of each env's current episode. */
  private readonly episodeSeed: number[];
  /** [E] each env's current episode's actions so far, [length, actionDim] (grown as needed). */
  private episodeActions: Float32Array[];
  /** [E] running episode return and length. */
  private readonly episodeReturn: Float64Array;
  private readonly episodeLength: Int32Array;
  /** Reused output buffers (see `VecStep`). */
  private readonly obs: Float32Array;
  private readonly rewards: Float32Array;
  private readonly terminated: Uint8Array;
  private readonly truncated: Uint8Array;
  /** Values per env action: 1 for a discrete space, the Box length otherwise. */
  readonly actionDim: number;

  /**
   * Env i's first episode starts from `reset(seed + i)`; every later episode (an auto-reset, or
   * another `reset()`) from `reset(s)` with s a 32-bit seed drawn from an Rng of its own seeded
   * from `seed`, so that each episode can be replayed from its seed alone.
   */
  constructor(id: string, numEnvs: number, seed: number) {
    if (!Number.isSafeInteger(numEnvs) || numEnvs < 1) {
      throw new Error(`VecEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    }
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(seed + numEnvs)) {
      throw new Error(`VecEnv: seed must be a safe integer, got ${String(seed)}`);
    }
    this.spec = envSpec(id);
    this.numEnvs = numEnvs;
    this.actionDim = actionDim(this.spec);
    this.seed = seed;
    this.seeds = new Rng(-1 - seed); // not Rng(seed), which env 0's own stream starts from
    this.episodeSeed = new Array<number>(numEnvs).fill(0);
    this.episodeActions = Array.from({ length: numEnvs }, () => new Float32Array(this.actionDim * 16));
    this.envs = Array.from({ length: numEnvs }, (_, i) => makeEnv(id, seed + i));
    this.episodeReturn = new Float64Array(numEnvs);
    this.episodeLength = new Int32Array(numEnvs);
    this.obs = new Float32Array(numEnvs * this.spec.obsDim);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
  }

  /** Resets every env; returns a fresh [E, obsDim] copy (not the step buffer). */
  reset(): Float32Array {
    for (let i = 0; i < this.numEnvs; i++) {
      this.obs.set(this.startEpisode(i, this.seeded ? this.seeds.nextUint32() : this.seed + i), i * this.spec.obsDim);
    }
    this.seeded = true;
    this.started = true;
    return this.obs.slice();
  }

  /**
   * Steps every env; all actions are checked before any env moves. Discrete: `actions[i]` is env
   * i's action, [E]. Box: row i of `actions`, [E, actionDim] row-major, is env i's action (a
   * subarray for typed arrays); clipping to the bounds is the env's job.
   */
  step(actions: ArrayLike<number>): VecStep {
    if (!this.started) throw new Error('VecEnv: call reset() before step()');
    this.checkActions(actions);

    const obsDim = this.spec.obsDim;
    const finalObs: (Float32Array | null)[] = new Array<Float32Array | null>(this.numEnvs).fill(null);
    const finished: VecStep['finished'] = [];
    for (let i = 0; i < this.numEnvs; i++) {
      const env = this.envs[i];
      const action = this.actionOf(actions, i);
      const r = env.step(action);
      this.record(i, action);
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.episodeReturn[i] += r.reward;
      this.episodeLength[i] += 1;
      if (r.terminated || r.truncated) {
        finalObs[i] = r.obs.slice();
        const length = this.episodeLength[i];
        const trace = { seed: this.episodeSeed[i], actions: this.episodeActions[i].slice(0, length * this.actionDim) };
        finished.push({ env: i, return: this.episodeReturn[i], length, trace });
        this.obs.set(this.startEpisode(i, this.seeds.nextUint32()), i * obsDim);
      } else {
        this.obs.set(r.obs, i * obsDim);
      }
    }
    return {
      obs: this.obs,
      rewards: this.rewards,
      terminated: this.terminated,
      truncated: this.truncated,
      finalObs,
      finished,
    };
  }

  /** Env i's physical state (for drawing and debugging). */
  state(i: number): Float64Array {
    return this.envs[i].getState();
  }

  /** The reset seed of env i's current episode. */
  seedOf(i: number): number {
    return this.episodeSeed[i];
  }

  /** Starts env i's next episode from `reset(seed)`; returns its first observation. */
  private startEpisode(i: number, seed: number): Float32Array {
    this.episodeSeed[i] = seed;
    this.episodeReturn[i] = 0;
    this.episodeLength[i] = 0;
    return this.envs[i].reset(seed);
  }

  /** Appends env i's action to its episode's trace (before episodeLength counts the step). */
  private record(i: number, action: number | ArrayLike<number>): void {
    const dim = this.actionDim;
    const at = this.episodeLength[i] * dim;
    let buf = this.episodeActions[i];
    if (at + dim > buf.length) {
      const grown = new Float32Array(Math.max(2 * buf.length, at + dim));
      grown.set(buf);
      this.episodeActions[i] = buf = grown;
    }
    if (typeof action === 'number') buf[at] = action;
    else for (let j = 0; j < dim; j++) buf[at + j] = action[j];
  }

  /** Throws on a wrong length or an invalid action (named by index). */
  private checkActions(actions: ArrayLike<number>): void {
    const space = this.spec.actionSpace;
    if (space.type === 'discrete') {
      if (actions.length !== this.numEnvs) {
        throw new Error(`VecEnv: expected ${this.numEnvs} actions, got ${actions.length}`);
      }
      for (let i = 0; i < this.numEnvs; i++) {
        const a = actions[i];
        if (!Number.isInteger(a) || a < 0 || a >= discreteActions(this.spec)) {
          throw new Error(`VecEnv: actions[${i}] = ${String(a)} is not an integer in [0, ${space.n})`);
        }
      }
      return;
    }
    const dim = this.actionDim;
    if (actions.length !== this.numEnvs * dim) {
      throw new Error(
        `VecEnv: expected ${this.numEnvs * dim} action values ([${this.numEnvs}, ${dim}]), got ${actions.length}`,
      );
    }
    for (let k = 0; k < actions.length; k++) {
      const a = actions[k];
      // Box spaces are float32, so a value beyond float32's range is as invalid as Infinity
      if (typeof a !== 'number' || !Number.isFinite(Math.fround(a))) {
        throw new Error(`VecEnv: actions[${k}] (env ${Math.floor(k / dim)}) = ${String(a)} is not a finite float32`);
      }
    }
  }

  /** Env i's action: a number for a discrete space, its row for a Box space. */
  private actionOf(actions: ArrayLike<number>, i: number): number | ArrayLike<number> {
    if (this.spec.actionSpace.type === 'discrete') return actions[i];
    const dim = this.actionDim;
    const { subarray } = actions as { subarray?: (begin: number, end: number) => ArrayLike<number> };
    if (typeof subarray === 'function') return subarray.call(actions, i * dim, (i + 1) * dim);
    return Array.from({ length: dim }, (_, j) => actions[i * dim + j]);
  }
}
