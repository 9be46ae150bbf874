/** The environment contract every tabswarm env implements. */

/** Gymnasium's Discrete(n) or a 1-D Box(low, high) of float actions. */
export type ActionSpace =
  | { type: 'discrete'; n: number }
  | { type: 'box'; low: readonly number[]; high: readonly number[] };

export interface EnvSpec {
  /** Gymnasium ID, e.g. "CartPole-v1". */
  id: string;
  obsDim: number;
  actionSpace: ActionSpace;
  /** Gymnasium's registered max_episode_steps (TimeLimit truncation). */
  maxEpisodeSteps: number;
  /** Gymnasium's registered reward_threshold; null where Gymnasium registers none. */
  rewardThreshold: number | null;
  /**
   * Bounds [min, max] of one step's reward by the env's definition in Gymnasium, where it has
   * them: the coordinator refuses a reported episode whose return lies outside length times
   * these. Absent where rewards are shaped or unbounded (LunarLander, MountainCarContinuous).
   */
  rewardRange?: readonly [number, number];
}

/** The number of actions of a discrete env; a clear error for a continuous one. */
export function discreteActions(spec: EnvSpec): number {
  if (spec.actionSpace.type !== 'discrete') throw new Error(`${spec.id} has continuous actions; this policy needs a discrete action space`);
  return spec.actionSpace.n;
}

export interface StepResult {
  /** Observation as Gymnasium returns it (CartPole: float32-rounded state). */
  obs: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

export interface Env {
  readonly spec: EnvSpec;
  /** Starts an episode; with a seed the episode (and the env's RNG stream) is reproducible. */
  reset(seed?: number): Float32Array;
  /** A discrete action index, or a float vector for a Box space. */
  step(action: number | ArrayLike<number>): StepResult;
  /** Internal physical state (float64), for tests, replays and debugging. */
  getState(): Float64Array;
  setState(state: ArrayLike<number>): void;
}
