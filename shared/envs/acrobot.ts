/**
 * Acrobot-v1, matching Gymnasium's `gymnasium/envs/classic_control/acrobot.py`: the book dynamics
 * (`book_or_nips = "book"`), one classic RK4 step over [0, dt] with the torque carried as a fifth
 * state component, angles wrapped to [-pi, pi] then velocities clipped, no torque noise; the
 * 500-step `TimeLimit` of `gymnasium.make` is applied by `makeEnv`. Arithmetic follows Gymnasium's
 * operation order. As in Gymnasium the reset state is drawn in float64 and stored rounded to
 * float32; every later state is float64. Reset draws come from `Rng`, not numpy's PCG64.
 */

import { Rng } from '../rng.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';

export const ACROBOT_V1: EnvSpec = {
  id: 'Acrobot-v1',
  obsDim: 6,
  actionSpace: { type: 'discrete', n: 3 },
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
  // -1 per step, 0 on the step that reaches the goal.
  rewardRange: [-1, 0],
};

export const DT = 0.2;
const linkLength1 = 1.0;
const linkMass1 = 1.0;
const linkMass2 = 1.0;
const linkComPos1 = 0.5;
const linkComPos2 = 0.5;
const linkMoi = 1.0;
const g = 9.8;
export const MAX_VEL_1 = 4 * Math.PI;
export const MAX_VEL_2 = 9 * Math.PI;
/** Torque of actions 0, 1, 2. */
export const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;

/**
 * Gymnasium's `wrap`: shifts x by whole periods of (hi - lo) until lo <= x <= hi. Gymnasium loops
 * forever on huge angles; we throw instead (no step from a finite state gets near 1e6).
 */
export function wrap(x: number, lo: number, hi: number): number {
  if (!(Math.abs(x) <= 1e6)) throw new RangeError(`Acrobot-v1: cannot wrap angle ${x}`);
  const diff = hi - lo;
  while (x > hi) x = x - diff;
  while (x < lo) x = x + diff;
  return x;
}

/** Gymnasium's `bound`: `min(max(x, lo), hi)`. */
export function bound(x: number, lo: number, hi: number): number {
  return Math.min(Math.max(x, lo), hi);
}

/** `_dsdt` (book): derivative of [theta1, theta2, dtheta1, dtheta2, torque]. */
function dsdt(s: ArrayLike<number>): number[] {
  const m1 = linkMass1;
  const m2 = linkMass2;
  const l1 = linkLength1;
  const lc1 = linkComPos1;
  const lc2 = linkComPos2;
  const i1 = linkMoi;
  const i2 = linkMoi;
  const a = s[4];
  const theta1 = s[0];
  const theta2 = s[1];
  const dtheta1 = s[2];
  const dtheta2 = s[3];
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) /
    (m2 * lc2 ** 2 + i2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
}

/** Gymnasium's `rk4` with t = [0, dt]: one RK4 step of the 5-vector, first 4 components returned. */
function rk4Step(y0: number[], dt: number): number[] {
  const dt2 = dt / 2.0;
  const k1 = dsdt(y0);
  const k2 = dsdt(y0.map((y, i) => y + dt2 * k1[i]));
  const k3 = dsdt(y0.map((y, i) => y + dt2 * k2[i]));
  const k4 = dsdt(y0.map((y, i) => y + dt * k3[i]));
  const h = dt / 6.0;
  return y0.slice(0, 4).map((y, i) => y + h * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
}

export class Acrobot implements Env {
  readonly spec: EnvSpec = ACROBOT_V1;
  /** [theta1, theta2, dtheta1, dtheta2]; theta1 = 0 hangs down, theta2 is relative to link 1. */
  private readonly state = new Float64Array(4);
  private rng: Rng;
  private hasState = false;

  constructor(seed = 0) {
    this.rng = new Rng(seed);
  }

  /** Each component uniform in [-0.1, 0.1), rounded to float32 as Gymnasium's `.astype(np.float32)`. */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(this.rng.uniform(-0.1, 0.1));
    this.hasState = true;
    return this.obs();
  }

  /** Action 0, 1, 2 applies torque -1, 0, +1 at the joint between the links. */
  step(action: number | ArrayLike<number>): StepResult {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new Error(`Acrobot-v1: invalid action ${String(action)}; expected 0, 1 or 2`);
    }
    if (!this.hasState) throw new Error('Acrobot-v1: call reset() (or setState) before step()');
    const ns = rk4Step([...this.state, AVAIL_TORQUE[action]], DT);
    this.state[0] = wrap(ns[0], -Math.PI, Math.PI);
    this.state[1] = wrap(ns[1], -Math.PI, Math.PI);
    this.state[2] = bound(ns[2], -MAX_VEL_1, MAX_VEL_1);
    this.state[3] = bound(ns[3], -MAX_VEL_2, MAX_VEL_2);
    const s = this.state;
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    return { obs: this.obs(), reward: terminated ? 0.0 : -1.0, terminated, truncated: false };
  }

  /** [cos theta1, sin theta1, cos theta2, sin theta2, dtheta1, dtheta2] as float32. */
  private obs(): Float32Array {
    const s = this.state;
    return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]);
  }

  /** A copy of [theta1, theta2, dtheta1, dtheta2]. */
  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /** Replaces the physical state (4 finite numbers); `TimeLimit`'s step count is left alone. */
  setState(state: ArrayLike<number>): void {
    if (state.length !== 4) throw new Error(`Acrobot-v1: state must have length 4, got ${state.length}`);
    for (let i = 0; i < 4; i++) {
      if (typeof state[i] !== 'number' || !Number.isFinite(state[i])) {
        throw new Error(`Acrobot-v1: state[${i}] must be a finite number, got ${String(state[i])}`);
      }
    }
    for (let i = 0; i < 4; i++) this.state[i] = state[i];
    this.hasState = true;
  }
}
