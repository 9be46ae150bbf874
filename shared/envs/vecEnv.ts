/**
 * E envs of one ID stepped together, with same-step auto-reset (as Stable-Baselines3's
 * `DummyVecEnv`): when an env's episode ends, `step` returns its last observation in `finalObs`
 * and the first observation of its next episode in `obs`.
 */

import { envSpec, makeEnv } from './registry.ts';
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
  /** Episodes that ended this step, in env order; `return` is the undiscounted sum of rewards. */
  finished: { env: number; return: number; length: number }[];
}

export class VecEnv {
  readonly numEnvs: number;
  readonly spec: EnvSpec;
  private readonly envs: Env[];
  private readonly seed: number;
  private seeded = false;
  private started = false;
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

  /** Env i is seeded with `seed + i` at the first `reset`; later resets continue each env's stream. */
  constructor(id: string, numEnvs: number, seed: number) {
    if (!Number.isSafeInteger(numEnvs) || numEnvs < 1) {
      throw new Error(`VecEnv: numEnvs must be a positive integer, got ${String(numEnvs)}`);
    }
    if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(seed + numEnvs)) {
      throw new Error(`VecEnv: seed must be a safe integer, got ${String(seed)}`);
    }
    this.spec = envSpec(id);
    this.numEnvs = numEnvs;
    const space = this.spec.actionSpace;
    this.actionDim = space.type === 'discrete' ? 1 : space.low.length;
    this.seed = seed;
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
      const first = this.envs[i].reset(this.seeded ? undefined : this.seed + i);
      this.obs.set(first, i * this.spec.obsDim);
      this.episodeReturn[i] = 0;
      this.episodeLength[i] = 0;
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
      const r = env.step(this.actionOf(actions, i));
      this.rewards[i] = r.reward;
      this.terminated[i] = r.terminated ? 1 : 0;
      this.truncated[i] = r.truncated ? 1 : 0;
      this.episodeReturn[i] += r.reward;
      this.episodeLength[i] += 1;
      if (r.terminated || r.truncated) {
        finalObs[i] = r.obs.slice();
        finished.push({ env: i, return: this.episodeReturn[i], length: this.episodeLength[i] });
        this.episodeReturn[i] = 0;
        this.episodeLength[i] = 0;
        this.obs.set(env.reset(), i * obsDim);
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

  /** Throws on a wrong length or an invalid action (named by index). */
  /** Env i's physical state (for drawing and debugging). */
  state(i: number): Float64Array {
    return this.envs[i].getState();
  }

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
