/**
 * Pendulum-v1, matching Gymnasium's `gymnasium/envs/classic_control/pendulum.py` (default g = 10);
 * the `TimeLimit` of `gymnasium.make` (200 steps) is applied by `makeEnv`. No reward threshold is
 * registered.
 * Operation order is Gymnasium's (semi-implicit Euler: the new angle uses the new, clipped speed),
 * and so is every float width under NumPy >= 2 (NEP 50: a Python scalar takes the dtype of the
 * NumPy operand; float32 with float64 gives float64). The state is float64 (reset draws with
 * float64 bounds; `np.array([newth, newthdot])` of two float64 scalars stays float64). The torque
 * `u` is an np.float32: the action is float32 (the Box dtype), `np.clip` with Python-float bounds
 * keeps it float32, `[0]` makes it a scalar. So three operations are float32, all on `u`: `u**2`,
 * `0.001 * u**2` and `3.0 / (m * l**2) * u` (the constants are Python floats, so 0.001 and 3.0 are
 * rounded to float32 first). Everything else, the speed clip (Python int bounds) and the reward
 * included, is float64; adding a float32 term to a float64 one widens it exactly. The observation
 * is [cos, sin, thdot] rounded to float32 once at the end.
 * Not reproduced: Gymnasium gets `np.sin`, `x**2` (C `pow`) and `u**2` (C `powf`) from the C math
 * library, which is not always correctly rounded; where it and `Math.sin` or an exact product
 * disagree by one ulp, the step disagrees by about one float64 ulp. Reset draws come from `Rng`,
 * not numpy's PCG64.
 */

import { Rng } from '../rng.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';

export const PENDULUM_V1: EnvSpec = {
  id: 'Pendulum-v1',
  obsDim: 3,
  actionSpace: { type: 'box', low: [-2], high: [2] },
  maxEpisodeSteps: 200,
  rewardThreshold: null,
  // -(angle^2 + 0.1 speed^2 + 0.001 torque^2) with |angle| <= pi, |speed| <= 8, |torque| <= 2: [-16.2736044, 0].
  rewardRange: [-(Math.PI ** 2 + 0.1 * 8 ** 2 + 0.001 * 2 ** 2), 0],
};

export const MAX_SPEED = 8;
export const MAX_TORQUE = 2.0;
export const DT = 0.05;
const g = 10.0;
const m = 1.0;
const l = 1.0;
const f32 = Math.fround;

/** Gymnasium's `angle_normalize`: `((x + pi) % (2 pi)) - pi` with Python's floored modulo. */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  let r = (x + Math.PI) % period; // truncated remainder, exact
  if (r < 0) r += period; // Python's result takes the divisor's sign
  else if (r === 0) r = 0; // and is +0.0, never -0.0
  return r - Math.PI;
}

export class Pendulum implements Env {
  readonly spec: EnvSpec = PENDULUM_V1;
  /** [theta, thetaDot]; theta = 0 is upright. */
  private readonly state = new Float64Array(2);
  private rng: Rng;
  private hasState = false;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  /** theta uniform in [-pi, pi), thetaDot uniform in [-1, 1); a seed reseeds the env's RNG first. */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.state[0] = this.rng.uniform(-Math.PI, Math.PI);
    this.state[1] = this.rng.uniform(-1.0, 1.0);
    this.hasState = true;
    return this.obs();
  }

  /** A length-1 array: the torque, clipped to [-2, 2] inside the step; taken as float32. */
  step(action: number | ArrayLike<number>): StepResult {
    if (typeof action === 'number' || action.length !== 1) {
      throw new Error(`Pendulum-v1: action must be an array of length 1, got ${String(action)}`);
    }
    const a = f32(action[0]);
    if (typeof action[0] !== 'number' || !Number.isFinite(a)) {
      throw new Error(`Pendulum-v1: action[0] must be a finite float32, got ${String(action[0])}`);
    }
    if (!this.hasState) throw new Error('Pendulum-v1: call reset() (or setState) before step()');

    const th = this.state[0];
    const thDot = this.state[1];
    const u = Math.min(Math.max(a, -MAX_TORQUE), MAX_TORQUE);
    const an = angleNormalize(th);
    // float32: u**2 (np.float32 ** int) and 0.001 * u**2 (Python float 0.001 rounded to float32).
    // u is a float32, so u * u is exact in float64 and f32 of it is the float32 product.
    const torqueCost = f32(f32(0.001) * f32(u * u));
    // float64: the angle and speed terms, then + torqueCost widens the float32 term exactly.
    const costs = an * an + 0.1 * (thDot * thDot) + torqueCost;
    // float32: 3.0 / (m * l**2) is the Python float 3.0 (exact in float32) times the float32 u.
    const torqueAcc = f32(3.0 / (m * l ** 2) * u);
    // float64: 3 * g / (2 * l) is the Python float 15.0, np.sin(th) is float64.
    let newThDot = thDot + ((3 * g) / (2 * l) * Math.sin(th) + torqueAcc) * DT;
    newThDot = Math.min(Math.max(newThDot, -MAX_SPEED), MAX_SPEED); // float64 clip, int bounds
    const newTh = th + newThDot * DT;
    this.state[0] = newTh;
    this.state[1] = newThDot;
    return { obs: this.obs(), reward: -costs, terminated: false, truncated: false };
  }

  /** [cos theta, sin theta, thetaDot] as float32. */
  private obs(): Float32Array {
    return Float32Array.of(Math.cos(this.state[0]), Math.sin(this.state[0]), this.state[1]);
  }

  /** A copy of [theta, thetaDot]. */
  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /** Replaces [theta, thetaDot] (2 finite numbers); `TimeLimit`'s step count is left alone. */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 2) throw new Error(`Pendulum-v1: state must have length 2, got ${state.length}`);
    for (let i = 0; i < 2; i++) {
      if (typeof state[i] !== 'number' || !Number.isFinite(state[i])) {
        throw new Error(`Pendulum-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
      }
    }
    this.state[0] = state[0];
    this.state[1] = state[1];
    this.hasState = true;
  }
}
