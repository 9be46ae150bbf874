/**
 * Gymnasium's `TimeLimit` wrapper, which `gymnasium.make` adds from the registered
 * `max_episode_steps`; `makeEnv` applies it to every env, so envs themselves never count steps.
 * It counts the steps since the last `reset` and sets `truncated` on the step that brings the
 * count to `spec.maxEpisodeSteps`, whatever the inner env said about `terminated` (so both can be
 * true, as in Gymnasium); an inner env's own `truncated: true` is kept. Everything else is the
 * inner env's. `setState` leaves the count alone, as assigning `env.unwrapped.state` does in
 * Gymnasium: only `reset` restarts it.
 */

import type { Env, EnvSpec, StepResult } from './types.ts';

export class TimeLimit<E extends Env = Env> implements Env {
  /** The wrapped env (Gymnasium's `env.env`), for members `Env` does not have. */
  readonly env: E;
  /** The limit, read from `env.spec` when wrapping. */
  readonly maxEpisodeSteps: number;
  /** Gymnasium's `_elapsed_steps`: steps since the last reset. */
  private elapsed = 0;

  constructor(env: E) {
    const max = env.spec.maxEpisodeSteps;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new Error(`${env.spec.id}: spec.maxEpisodeSteps must be a positive integer, got ${String(max)}`);
    }
    this.env = env;
    this.maxEpisodeSteps = max;
  }

  get spec(): EnvSpec {
    return this.env.spec;
  }

  /** Steps since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  reset(seed?: number): Float32Array {
    this.elapsed = 0;
    return this.env.reset(seed);
  }

  step(action: number | ArrayLike<number>): StepResult {
    const result = this.env.step(action); // an invalid action throws here and is not counted
    this.elapsed += 1;
    return this.elapsed >= this.maxEpisodeSteps ? { ...result, truncated: true } : result;
  }

  getState(): Float64Array {
    return this.env.getState();
  }

  setState(state: ArrayLike<number>): void {
    this.env.setState(state);
  }
}
