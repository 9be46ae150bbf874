/**
 * LunarLander-v3 and LunarLanderContinuous-v3, following Gymnasium's
 * `gymnasium/envs/box2d/lunar_lander.py` (default gravity -10, no wind); the `TimeLimit` wrapper
 * (`max_episode_steps=1000`) is applied by `makeEnv`. Physics runs in planck, the TypeScript port
 * of Box2D 2.3 that pybox2d wraps, with the same world, bodies, joints, step (1/50 s, 180
 * velocity and 60 position iterations), sleep rules and contact events; Gymnasium's operation order
 * is kept in the engine, observation and reward code. Trajectories still drift from Gymnasium's:
 * Box2D computes in float32 and planck in float64, and our `Rng` is not numpy's PCG64, so seeds
 * give other terrains.
 */

import type { Body } from 'planck';
import { Rng } from '../rng.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';
import {
  FPS, INITIAL_RANDOM, LEG_DOWN, MAIN_ENGINE_POWER, MAIN_ENGINE_Y_LOCATION, SCALE, SIDE_ENGINE_AWAY,
  SIDE_ENGINE_HEIGHT, SIDE_ENGINE_POWER, VIEWPORT_H, VIEWPORT_W, createLanderWorld, generateTerrain,
} from './lunarLanderWorld.ts';
import type { ContactState, LanderWorld, Terrain } from './lunarLanderWorld.ts';

export const LUNAR_LANDER_V3: EnvSpec = {
  id: 'LunarLander-v3',
  obsDim: 8,
  actionSpace: { type: 'discrete', n: 4 },
  maxEpisodeSteps: 1000,
  rewardThreshold: 200,
};

export const LUNAR_LANDER_CONTINUOUS_V3: EnvSpec = {
  id: 'LunarLanderContinuous-v3',
  obsDim: 8,
  actionSpace: { type: 'box', low: [-1, -1], high: [1, 1] },
  maxEpisodeSteps: 1000,
  rewardThreshold: 200,
};

/**
 * Length of `getState()`: for the lander, leg 0 and leg 1 in turn
 * [x, y, angle, vx, vy, angularVelocity] (body origin, centre-of-mass velocity), then
 * [prevShaping, gameOver (0 or 1)]. Terrain is not part of it: it comes from the reset seed.
 */
export const LUNAR_LANDER_STATE_DIM = 20;

/** Engine throttles of one step: Gymnasium's `m_power`, `s_power` and side `direction`. */
export interface EnginePowers {
  mPower: number;
  sPower: number;
  direction: number;
}

const clip = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * Gymnasium's engine rules. Discrete: 0 noop, 1 left (direction -1), 2 main, 3 right (+1).
 * Continuous (already clipped to [-1, 1]): main on for a[0] > 0 at (a[0] + 1) / 2; side on for
 * |a[1]| > 0.5 at |a[1]|, direction sign(a[1]).
 */
export function enginePowers(action: number | readonly number[]): EnginePowers {
  if (typeof action === 'number') {
    return {
      mPower: action === 2 ? 1.0 : 0.0,
      sPower: action === 1 || action === 3 ? 1.0 : 0.0,
      direction: action === 1 || action === 3 ? action - 2 : 0,
    };
  }
  const mPower = action[0] > 0.0 ? (clip(action[0], 0.0, 1.0) + 1.0) * 0.5 : 0.0;
  const sideOn = Math.abs(action[1]) > 0.5;
  return {
    mPower,
    sPower: sideOn ? clip(Math.abs(action[1]), 0.5, 1.0) : 0.0,
    direction: sideOn ? Math.sign(action[1]) : 0,
  };
}

/** Gymnasium's 8-dim state (float64) from the lander's pose, velocity and the contact flags. */
export function landerObservation(lander: Body, helipadY: number, legContact: readonly boolean[]): number[] {
  const pos = lander.getPosition();
  const vel = lander.getLinearVelocity();
  return [
    (pos.x - VIEWPORT_W / SCALE / 2) / (VIEWPORT_W / SCALE / 2),
    (pos.y - (helipadY + LEG_DOWN / SCALE)) / (VIEWPORT_H / SCALE / 2),
    (vel.x * (VIEWPORT_W / SCALE / 2)) / FPS,
    (vel.y * (VIEWPORT_H / SCALE / 2)) / FPS,
    lander.getAngle(),
    (20.0 * lander.getAngularVelocity()) / FPS,
    legContact[0] ? 1.0 : 0.0,
    legContact[1] ? 1.0 : 0.0,
  ];
}

/** Potential whose per-step difference is the dense reward: distance, speed, tilt, leg contacts. */
export function landerShaping(s: readonly number[]): number {
  return (
    -100 * Math.sqrt(s[0] * s[0] + s[1] * s[1]) -
    100 * Math.sqrt(s[2] * s[2] + s[3] * s[3]) -
    100 * Math.abs(s[4]) +
    10 * s[6] +
    10 * s[7]
  );
}

export interface LunarLanderOptions {
  /** Box(-1, 1, (2,)) throttles instead of Discrete(4): LunarLanderContinuous-v3. */
  continuous?: boolean;
}

export class LunarLander implements Env {
  readonly spec: EnvSpec;
  readonly continuous: boolean;
  private rng: Rng;
  private sim: LanderWorld | null = null;
  private terrainNow: Terrain | null = null;
  private readonly contacts: ContactState = { gameOver: false, legContact: [false, false] };
  /** Gymnasium's `prev_shaping`: null until the first simulated step of an episode. */
  private prevShaping: number | null = null;

  constructor(seed = 0, options: LunarLanderOptions = {}) {
    this.continuous = options.continuous ?? false;
    this.spec = this.continuous ? LUNAR_LANDER_CONTINUOUS_V3 : LUNAR_LANDER_V3;
    this.rng = new Rng(seed);
  }

  /**
   * New world and terrain (12 RNG draws), random initial force on the lander (2 draws), then one
   * noop step as Gymnasium's reset does (2 dispersion draws); returns that step's observation.
   */
  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.terrainNow = generateTerrain(this.rng);
    this.contacts.gameOver = false;
    this.contacts.legContact[0] = false;
    this.contacts.legContact[1] = false;
    this.sim = createLanderWorld(this.terrainNow, this.contacts);
    const fx = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    const fy = this.rng.uniform(-INITIAL_RANDOM, INITIAL_RANDOM);
    this.sim.lander.applyForceToCenter({ x: fx, y: fy }, true);
    this.prevShaping = null;
    return this.simulate(this.continuous ? [0, 0] : 0).obs;
  }

  step(action: number | ArrayLike<number>): StepResult {
    const checked = this.checkAction(action);
    if (!this.sim) throw new Error(`${this.spec.id}: call reset() before step()`);
    return this.simulate(checked);
  }

  /** The Box2D bodies (for tests and drawing); throws before the first reset. */
  get bodies(): LanderWorld {
    if (!this.sim) throw new Error(`${this.spec.id}: call reset() first`);
    return this.sim;
  }

  /** The current episode's terrain; throws before the first reset. */
  get terrain(): Terrain {
    if (!this.terrainNow) throw new Error(`${this.spec.id}: call reset() first`);
    return this.terrainNow;
  }

  /** See `LUNAR_LANDER_STATE_DIM` for the layout. */
  getState(): Float64Array {
    const { lander, legs } = this.bodies;
    const out = new Float64Array(LUNAR_LANDER_STATE_DIM);
    [lander, legs[0], legs[1]].forEach((b, k) => {
      const p = b.getPosition();
      const v = b.getLinearVelocity();
      out.set([p.x, p.y, b.getAngle(), v.x, v.y, b.getAngularVelocity()], 6 * k);
    });
    out[18] = this.prevShaping ?? 0;
    out[19] = this.contacts.gameOver ? 1 : 0;
    return out;
  }

  /**
   * Moves the bodies of the current world (terrain, joints, contact caches and leg-contact flags
   * are kept; the flags follow contact events from the next step on) and wakes them.
   * `TimeLimit`'s step count is left alone, as assigning Gymnasium's internals would.
   */
  setState(state: ArrayLike<number>): void {
    const { lander, legs } = this.bodies;
    if (state.length !== LUNAR_LANDER_STATE_DIM) {
      throw new Error(`${this.spec.id}: state must have length ${LUNAR_LANDER_STATE_DIM}, got ${state.length}`);
    }
    for (let i = 0; i < state.length; i++) {
      if (typeof state[i] !== 'number' || !Number.isFinite(state[i])) {
        throw new Error(`${this.spec.id}: state[${i}] must be a finite number, got ${String(state[i])}`);
      }
    }
    if (state[19] !== 0 && state[19] !== 1) throw new Error(`${this.spec.id}: state[19] (gameOver) must be 0 or 1`);
    [lander, legs[0], legs[1]].forEach((b, k) => {
      const o = 6 * k;
      b.setTransform({ x: state[o], y: state[o + 1] }, state[o + 2]);
      b.setLinearVelocity({ x: state[o + 3], y: state[o + 4] });
      b.setAngularVelocity(state[o + 5]);
      b.setAwake(true);
    });
    this.prevShaping = state[18];
    this.contacts.gameOver = state[19] === 1;
  }

  /** Validates and returns the action, clipped to [-1, 1] for the continuous env. */
  private checkAction(action: number | ArrayLike<number>): number | number[] {
    if (!this.continuous) {
      if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action > 3) {
        throw new Error(`${this.spec.id}: invalid action ${String(action)}; expected an integer in 0..3`);
      }
      return action;
    }
    if (typeof action === 'number' || action.length !== 2) {
      throw new Error(`${this.spec.id}: invalid action ${String(action)}; expected 2 numbers in [-1, 1]`);
    }
    const a = [action[0], action[1]];
    if (!a.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error(`${this.spec.id}: invalid action [${a.join(', ')}]; components must be finite numbers`);
    }
    return a.map((v) => clip(v, -1, +1));
  }

  /** Gymnasium's `step` body without the time limit: engines, world step, observation, reward. */
  private simulate(action: number | number[]): StepResult {
    const { world, lander } = this.bodies;
    const angle = lander.getAngle();
    const tip = [Math.sin(angle), Math.cos(angle)];
    const side = [-tip[1], tip[0]];
    const dispersion = [this.rng.uniform(-1.0, +1.0) / SCALE, this.rng.uniform(-1.0, +1.0) / SCALE];
    const { mPower, sPower, direction } = enginePowers(action);

    if (mPower > 0) {
      const along = MAIN_ENGINE_Y_LOCATION / SCALE + 2 * dispersion[0];
      const ox = tip[0] * along + side[0] * dispersion[1];
      const oy = -tip[1] * along - side[1] * dispersion[1];
      const pos = lander.getPosition();
      const impulsePos = { x: pos.x + ox, y: pos.y + oy };
      const impulse = { x: -ox * MAIN_ENGINE_POWER * mPower, y: -oy * MAIN_ENGINE_POWER * mPower };
      lander.applyLinearImpulse(impulse, impulsePos, true);
    }
    if (sPower > 0) {
      const across = 3 * dispersion[1] + (direction * SIDE_ENGINE_AWAY) / SCALE;
      const ox = tip[0] * dispersion[0] + side[0] * across;
      const oy = -tip[1] * dispersion[0] - side[1] * across;
      // Gymnasium uses 17 here where SIDE_ENGINE_HEIGHT is 14: an orientation-dependent torque, kept.
      const pos = lander.getPosition();
      const impulsePos = {
        x: pos.x + ox - (tip[0] * 17) / SCALE,
        y: pos.y + oy + (tip[1] * SIDE_ENGINE_HEIGHT) / SCALE,
      };
      const impulse = { x: -ox * SIDE_ENGINE_POWER * sPower, y: -oy * SIDE_ENGINE_POWER * sPower };
      lander.applyLinearImpulse(impulse, impulsePos, true);
    }

    world.step(1.0 / FPS, 6 * 30, 2 * 30);

    const state = landerObservation(lander, this.terrain.helipadY, this.contacts.legContact);
    const shaping = landerShaping(state);
    let reward = this.prevShaping === null ? 0 : shaping - this.prevShaping;
    this.prevShaping = shaping;
    reward -= mPower * 0.3; // less fuel spent is better
    reward -= sPower * 0.03;

    let terminated = false;
    if (this.contacts.gameOver || Math.abs(state[0]) >= 1.0) {
      terminated = true;
      reward = -100;
    }
    if (!lander.isAwake()) {
      terminated = true;
      reward = +100;
    }
    return { obs: Float32Array.from(state), reward, terminated, truncated: false };
  }
}
