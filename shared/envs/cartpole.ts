/**
 * CartPole-v1, matching Gymnasium's `gymnasium/envs/classic_control/cartpole.py` (default
 * `sutton_barto_reward=False`, explicit Euler integrator); the `TimeLimit` wrapper that
 * `gymnasium.make` adds (`max_episode_steps=500`) is applied by `makeEnv`. State is float64;
 * observations are the state rounded to float32. The arithmetic follows Gymnasium's operation
 * order, so a step agrees with numpy to the bit whenever `Math.sin`/`Math.cos` agree with the C
 * library's (V8 differs from glibc by one ulp for about 1% of angles). Only the reset RNG differs:
 * Gymnasium uses numpy's PCG64, we use `Rng`, so seeded start states are reproducible but not
 * numpy's.
 */

import { Rng } from '../rng.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';

export const CARTPOLE_V1: EnvSpec = {
  id: 'CartPole-v1',
  obsDim: 4,
  actionSpace: { type: 'discrete', n: 2 },
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  // +1 for every step, the one where the pole falls included.
  rewardRange: [1, 1],
};

const gravity = 9.8;
const massCart = 1.0;
const massPole = 0.1;
const totalMass = massPole + massCart;
const length = 0.5; // half the pole's length
const poleMassLength = massPole * length;
const forceMag = 10.0;
const tau = 0.02; // seconds between state updates
/** Angle at which the episode terminates: 12 degrees. */
export const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
/** Cart position at which the episode terminates. */
export const X_THRESHOLD = 2.4;

export class CartPole implements Env {
  readonly spec: EnvSpec = CARTPOLE_V1;
  /** [x, xDot, theta, thetaDot] */
  private readonly state = new Float64Array(4);
  private rng: Rng;
  private hasState = false;
  /** Gymnasium's `steps_beyond_terminated`: null until the pole falls. */
  private stepsBeyondTerminated: number | null = null;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  /** Draws each state component uniform in [-0.05, 0.05); a seed reseeds the env's RNG first. */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniform(-0.05, 0.05);
    this.hasState = true;
    this.stepsBeyondTerminated = null;
    return Float32Array.from(this.state);
  }

  /** Action 0 pushes the cart left, 1 pushes it right. */
  step(action: number | ArrayLike<number>): StepResult {
    if (action !== 0 && action !== 1) {
      throw new Error(`CartPole-v1: invalid action ${String(action)}; expected 0 or 1`);
    }
    if (!this.hasState) throw new Error('CartPole-v1: call reset() (or setState) before step()');

    let x = this.state[0];
    let xDot = this.state[1];
    let theta = this.state[2];
    let thetaDot = this.state[3];
    const force = action === 1 ? forceMag : -forceMag;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);

    // https://coneural.org/florian/papers/05_cart_pole.pdf
    const temp = (force + poleMassLength * (thetaDot * thetaDot) * sinTheta) / totalMass;
    const thetaAcc =
      (gravity * sinTheta - cosTheta * temp) /
      (length * (4.0 / 3.0 - (massPole * (cosTheta * cosTheta)) / totalMass));
    const xAcc = temp - (poleMassLength * thetaAcc * cosTheta) / totalMass;

    // Explicit Euler: positions use the old velocities.
    x = x + tau * xDot;
    xDot = xDot + tau * xAcc;
    theta = theta + tau * thetaDot;
    thetaDot = thetaDot + tau * thetaAcc;
    this.state[0] = x;
    this.state[1] = xDot;
    this.state[2] = theta;
    this.state[3] = thetaDot;

    const terminated =
      x < -X_THRESHOLD ||
      x > X_THRESHOLD ||
      theta < -THETA_THRESHOLD_RADIANS ||
      theta > THETA_THRESHOLD_RADIANS;

    let reward: number;
    if (!terminated) {
      reward = 1.0;
    } else if (this.stepsBeyondTerminated === null) {
      this.stepsBeyondTerminated = 0; // the pole just fell: this step still earns 1
      reward = 1.0;
    } else {
      this.stepsBeyondTerminated += 1; // stepping after termination is undefined in Gymnasium
      reward = 0.0;
    }

    return { obs: Float32Array.from(this.state), reward, terminated, truncated: false };
  }

  /** A copy of [x, xDot, theta, thetaDot]. */
  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /**
   * Replaces the physical state (4 finite numbers). The episode counters (steps beyond termination
   * here, elapsed steps in `TimeLimit`) are left alone, as assigning `env.unwrapped.state` does in
   * Gymnasium.
   */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) {
      throw new Error(`CartPole-v1: state must have length 4, got ${state.length}`);
    }
    for (let i = 0; i < 4; i++) {
      if (typeof state[i] !== 'number' || !Number.isFinite(state[i])) {
        throw new Error(`CartPole-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
      }
    }
    for (let i = 0; i < 4; i++) this.state[i] = state[i];
    this.hasState = true;
  }
}
