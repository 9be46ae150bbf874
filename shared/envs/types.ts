/** The environment contract every tabswarm env implements (discrete actions for now). */

export interface EnvSpec {
  /** Gymnasium ID, e.g. "CartPole-v1". */
  id: string;
  obsDim: number;
  /** Number of discrete actions. */
  numActions: number;
  /** Gymnasium's registered max_episode_steps (TimeLimit truncation). */
  maxEpisodeSteps: number;
  /** Gymnasium's registered reward_threshold. */
  rewardThreshold: number;
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
  step(action: number): StepResult;
  /** Internal physical state (float64), for tests, replays and debugging. */
  getState(): Float64Array;
  setState(state: ArrayLike<number>): void;
}
