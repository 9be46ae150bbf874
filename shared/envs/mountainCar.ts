/**
 * MountainCar-v0 and MountainCarContinuous-v0, matching Gymnasium's
 * `gymnasium/envs/classic_control/mountain_car.py` and `continuous_mountain_car.py`; the
 * `TimeLimit` of `gymnasium.make` (200 and 999 steps) is applied by `makeEnv`. Reset draws come
 * from `Rng`.
 *
 * MountainCar-v0 is float64 throughout. MountainCarContinuous-v0 stores its state as a float32
 * array after every step (Gymnasium does), so the next step mixes float32 numpy scalars with Python
 * floats; we reproduce NumPy >= 2 promotion (NEP 50: a Python float meeting a float32 is cast to
 * float32, also in comparisons) with the action taken as float32, the Box dtype. Under NumPy 1.x
 * the same code computes in float64 and can differ in the last float32 bit.
 */

import { Rng } from '../rng.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';

export const MOUNTAIN_CAR_V0: EnvSpec = {
  id: 'MountainCar-v0',
  obsDim: 2,
  actionSpace: { type: 'discrete', n: 3 },
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
  // -1 for every step.
  rewardRange: [-1, -1],
};

export const MOUNTAIN_CAR_CONTINUOUS_V0: EnvSpec = {
  id: 'MountainCarContinuous-v0',
  obsDim: 2,
  actionSpace: { type: 'box', low: [-1], high: [1] },
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
};

export const MIN_POSITION = -1.2;
export const MAX_POSITION = 0.6;
export const MAX_SPEED = 0.07;
/** Goal of MountainCar-v0; the continuous env's goal is 0.45. */
export const GOAL_POSITION = 0.5;
export const GOAL_POSITION_CONTINUOUS = 0.45;
const goalVelocity = 0;
const force = 0.001;
const gravity = 0.0025;
const power = 0.0015;
const f32 = Math.fround;

/** State, RNG, reset and state access shared by both cars. */
abstract class MountainCarBase implements Env {
  abstract readonly spec: EnvSpec;
  /** [position, velocity] */
  protected readonly state = new Float64Array(2);
  private rng: Rng;
  private hasState = false;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** Position uniform in [-0.6, -0.4), velocity 0; a seed reseeds the env's RNG first. */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.state[0] = this.rng.uniform(-0.6, -0.4);
    this.state[1] = 0;
    this.hasState = true;
    this.onStateSet(false);
    return Float32Array.from(this.state);
  }

  step(action: number | ArrayLike<number>): StepResult {
    const a = this.checkAction(action);
    if (!this.hasState) throw new Error(`${this.spec.id}: call reset() (or setState) before step()`);
    const { reward, terminated } = this.advance(a);
    return { obs: Float32Array.from(this.state), reward, terminated, truncated: false };
  }

  protected abstract checkAction(action: number | ArrayLike<number>): number;
  /** One step of the dynamics on `this.state`. */
  protected abstract advance(a: number): { reward: number; terminated: boolean };
  protected onStateSet(_fromSetState: boolean): void {}

  /** A copy of [position, velocity]. */
  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /** Replaces [position, velocity] (2 finite numbers); `TimeLimit`'s step count is left alone. */
  setState(state: ArrayLike<number>): void {
    const id = this.spec.id;
    if (state.length !== 2) throw new Error(`${id}: state must have length 2, got ${state.length}`);
    for (let i = 0; i < 2; i++) {
      if (typeof state[i] !== 'number' || !Number.isFinite(state[i])) {
        throw new Error(`${id}: state[${i}] must be a finite number, got ${String(state[i])}`);
      }
    }
    this.state[0] = state[0];
    this.state[1] = state[1];
    this.hasState = true;
    this.onStateSet(true);
  }
}

export class MountainCar extends MountainCarBase {
  readonly spec: EnvSpec = MOUNTAIN_CAR_V0;

  constructor(seed = 0) {
    super(seed);
  }

  /** 0 accelerates left, 1 does nothing, 2 accelerates right. */
  protected checkAction(action: number | ArrayLike<number>): number {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new Error(`MountainCar-v0: invalid action ${String(action)}; expected 0, 1 or 2`);
    }
    return action;
  }

  protected advance(action: number): { reward: number; terminated: boolean } {
    let position = this.state[0];
    let velocity = this.state[1];
    velocity += (action - 1) * force + Math.cos(3 * position) * -gravity;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= goalVelocity;
    this.state[0] = position;
    this.state[1] = velocity;
    return { reward: -1.0, terminated };
  }
}

export class MountainCarContinuous extends MountainCarBase {
  readonly spec: EnvSpec = MOUNTAIN_CAR_CONTINUOUS_V0;
  /** Whether Gymnasium's state is a float32 array now (after a step) rather than float64 (after reset). */
  private stateIsF32 = false;

  constructor(seed = 0) {
    super(seed);
  }

  /** A length-1 array: the push, clipped to [-1, 1] inside the step; taken as float32. */
  protected checkAction(action: number | ArrayLike<number>): number {
    if (typeof action === 'number' || action.length !== 1) {
      throw new Error(`MountainCarContinuous-v0: action must be an array of length 1, got ${String(action)}`);
    }
    const a = f32(action[0]);
    if (typeof action[0] !== 'number' || !Number.isFinite(a)) {
      throw new Error(`MountainCarContinuous-v0: action[0] must be a finite float32, got ${String(action[0])}`);
    }
    return a;
  }

  /** A state set from outside counts as float32 when both values are float32 (as after a step). */
  protected override onStateSet(fromSetState: boolean): void {
    this.stateIsF32 = fromSetState && f32(this.state[0]) === this.state[0] && f32(this.state[1]) === this.state[1];
  }

  protected advance(a: number): { reward: number; terminated: boolean } {
    const s32 = this.stateIsF32;
    // `min(max(action[0], -1.0), 1.0)` keeps the float32 action unless a Python bound replaces it
    let pushed = a;
    let pushedIsF32 = true;
    if (-1.0 > pushed) [pushed, pushedIsF32] = [-1.0, false];
    if (1.0 < pushed) [pushed, pushedIsF32] = [1.0, false];
    const p0 = this.state[0];
    const v0 = this.state[1];
    const slope = 0.0025 * Math.cos(s32 ? f32(3 * p0) : 3 * p0);
    const accel = pushedIsF32 ? f32(f32(pushed * f32(power)) - f32(slope)) : pushed * power - slope;
    let velocity = s32 ? f32(v0 + f32(accel)) : v0 + accel;
    let velocityIsF32 = s32;
    // a float32 compared with a Python float compares against the float's float32 rounding
    const c = (isF32: boolean, k: number): number => (isF32 ? f32(k) : k);
    if (velocity > c(velocityIsF32, MAX_SPEED)) [velocity, velocityIsF32] = [MAX_SPEED, false];
    if (velocity < c(velocityIsF32, -MAX_SPEED)) [velocity, velocityIsF32] = [-MAX_SPEED, false];
    let position = s32 ? f32(p0 + f32(velocity)) : p0 + velocity;
    let positionIsF32 = s32;
    if (position > c(positionIsF32, MAX_POSITION)) [position, positionIsF32] = [MAX_POSITION, false];
    if (position < c(positionIsF32, MIN_POSITION)) [position, positionIsF32] = [MIN_POSITION, false];
    if (position === c(positionIsF32, MIN_POSITION) && velocity < 0) velocity = 0;
    const terminated = position >= c(positionIsF32, GOAL_POSITION_CONTINUOUS) && velocity >= goalVelocity;
    // the reward uses the raw (unclipped) action
    const reward = (terminated ? 100.0 : 0) - a * a * 0.1;
    this.state[0] = f32(position);
    this.state[1] = f32(velocity);
    this.stateIsF32 = true;
    return { reward, terminated };
  }
}
