import { describe, it, expect } from 'vitest';
import { ACROBOT_V1, Acrobot, MAX_VEL_1, MAX_VEL_2, bound, wrap } from './acrobot.ts';
import { makeEnv } from './registry.ts';
import type { Env } from './types.ts';

/**
 * Independent reference from Sutton & Barto's book equations for the acrobot (m = l = 1,
 * lc = 0.5, I = 1, g = 9.8), written with cos(x - pi/2) = sin(x) and the constants folded,
 * integrated with a plain RK4 of the 4-vector (the torque held constant).
 */
function accel(s: number[], tau: number): number[] {
  const [t1, t2, w1, w2] = s;
  const g = 9.8;
  const d1 = 3.5 + Math.cos(t2); // 0.25 + (1 + 0.25 + cos) + 1 + 1
  const d2 = 1.25 + 0.5 * Math.cos(t2); // 0.25 + 0.5 cos + 1
  const phi2 = 0.5 * g * Math.sin(t1 + t2);
  const phi1 = -0.5 * Math.sin(t2) * (w2 * w2 + 2 * w2 * w1) + 1.5 * g * Math.sin(t1) + phi2;
  const a2 = (tau + (d2 * phi1) / d1 - 0.5 * w1 * w1 * Math.sin(t2) - phi2) / (1.25 - (d2 * d2) / d1);
  const a1 = -(d2 * a2 + phi1) / d1;
  return [w1, w2, a1, a2];
}

function rk4(s: number[], tau: number, h: number): number[] {
  const add = (a: number[], b: number[], k: number): number[] => a.map((x, i) => x + k * b[i]);
  const k1 = accel(s, tau);
  const k2 = accel(add(s, k1, h / 2), tau);
  const k3 = accel(add(s, k2, h / 2), tau);
  const k4 = accel(add(s, k3, h), tau);
  return s.map((x, i) => x + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
}

/** Angle into [-pi, pi] by a modulo (not Gymnasium's loop). */
function refWrap(x: number): number {
  if (x >= -Math.PI && x <= Math.PI) return x;
  const twoPi = 2 * Math.PI;
  return ((((x + Math.PI) % twoPi) + twoPi) % twoPi) - Math.PI;
}

const TORQUE = [-1, 0, 1];
const clampRef = (x: number, m: number): number => (x > m ? m : x < -m ? -m : x);
function refStep(s: number[], action: number): number[] {
  const n = rk4(s, TORQUE[action], 0.2);
  return [refWrap(n[0]), refWrap(n[1]), clampRef(n[2], 4 * Math.PI), clampRef(n[3], 9 * Math.PI)];
}
const height = (s: ArrayLike<number>): number => -Math.cos(s[0]) - Math.cos(s[1] + s[0]);

/** Total energy from the Lagrangian the book equations come from. */
function energy(s: number[]): number {
  const [t1, t2, w1, w2] = s;
  const ke = 0.5 * ((3.5 + Math.cos(t2)) * w1 * w1 + 2 * (1.25 + 0.5 * Math.cos(t2)) * w1 * w2 + 1.25 * w2 * w2);
  return ke - 9.8 * (1.5 * Math.cos(t1) + 0.5 * Math.cos(t1 + t2));
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `component ${i}`).toBeLessThan(tol);
  }
}

function envAt(state: number[]): Acrobot {
  const env = new Acrobot(0);
  env.reset();
  env.setState(state);
  return env;
}

describe('Acrobot-v1 spec', () => {
  it('matches Gymnasium registration', () => {
    expect(ACROBOT_V1).toEqual({
      id: 'Acrobot-v1',
      obsDim: 6,
      actionSpace: { type: 'discrete', n: 3 },
      maxEpisodeSteps: 500,
      rewardThreshold: -100,
      rewardRange: [-1, 0],
    });
    expect(MAX_VEL_1).toBe(4 * Math.PI);
    expect(MAX_VEL_2).toBe(9 * Math.PI);
  });
});

describe('Acrobot-v1 dynamics', () => {
  it('the reference equations conserve energy (fine RK4, no torque)', () => {
    let s = [1.0, -0.5, 0.3, 0.8];
    const e0 = energy(s);
    for (let k = 0; k < 200; k++) s = rk4(s, 0, 0.001);
    expect(Math.abs(energy(s) - e0)).toBeLessThan(1e-10);
  });

  it('matches the reference RK4 step by step for all three torques', () => {
    let s = [0.05, -0.03, 0.02, -0.01];
    const env = envAt(s);
    const actions = [2, 2, 0, 1, 2, 0, 0, 2, 1, 2, 2, 2, 0, 0, 0, 1];
    for (const a of actions) {
      const r = env.step(a);
      s = refStep(s, a);
      expectClose(env.getState(), s, 1e-12);
      expect(r.reward).toBe(-1);
      expect(r.terminated).toBe(false);
    }
  });

  it('stays at rest hanging down with zero torque (up to cos(-pi/2) != 0 in floating point)', () => {
    const env = envAt([0, 0, 0, 0]);
    for (let t = 0; t < 10; t++) env.step(1);
    for (const x of env.getState()) expect(Math.abs(x)).toBeLessThan(1e-14);
  });

  it('observation is [cos, sin, cos, sin, dtheta1, dtheta2] rounded to float32', () => {
    const env = envAt([0.4, -1.1, 0.7, -2.3]);
    const { obs } = env.step(2);
    const s = env.getState();
    expect(obs).toBeInstanceOf(Float32Array);
    const expected = [Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]];
    expect(Array.from(obs)).toEqual(expected.map(Math.fround));
  });
});

describe('Acrobot-v1 wrapping and velocity bounds', () => {
  it('wrap and bound behave as Gymnasium helpers', () => {
    expect(wrap(Math.PI, -Math.PI, Math.PI)).toBe(Math.PI); // bounds are inclusive
    expect(wrap(-Math.PI, -Math.PI, Math.PI)).toBe(-Math.PI);
    expect(wrap(Math.PI + 0.5, -Math.PI, Math.PI)).toBeCloseTo(-Math.PI + 0.5, 14);
    expect(wrap(-Math.PI - 0.5, -Math.PI, Math.PI)).toBeCloseTo(Math.PI - 0.5, 14);
    expect(wrap(7 * Math.PI + 0.25, -Math.PI, Math.PI)).toBeCloseTo(-Math.PI + 0.25, 13);
    expect(bound(5, -1, 2)).toBe(2);
    expect(bound(-5, -1, 2)).toBe(-1);
    expect(bound(0.5, -1, 2)).toBe(0.5);
    expect(() => wrap(1e9, -Math.PI, Math.PI)).toThrow(/cannot wrap/);
  });

  it('wraps theta1 across +pi and theta2 across -pi', () => {
    const start = [Math.PI - 0.05, -Math.PI + 0.05, 3, -3];
    const raw = rk4(start, 1, 0.2);
    expect(raw[0]).toBeGreaterThan(Math.PI); // the step really crosses
    expect(raw[1]).toBeLessThan(-Math.PI);
    const s = envAt(start);
    s.step(2);
    const got = s.getState();
    expectClose(got, refStep(start, 2), 1e-12);
    expect(got[0]).toBeLessThan(0);
    expect(got[1]).toBeGreaterThan(0);
  });

  it('clips dtheta2 to exactly 9 pi and dtheta1 to exactly -4 pi', () => {
    const up = [0.3, 0.2, 0, 9 * Math.PI - 0.01];
    expect(rk4(up, 1, 0.2)[3]).toBeGreaterThan(9 * Math.PI);
    const a = envAt(up);
    a.step(2);
    expect(a.getState()[3]).toBe(MAX_VEL_2);
    expectClose(a.getState(), refStep(up, 2), 1e-12);

    const down = [0.5, -1, -4 * Math.PI + 0.01, 0];
    expect(rk4(down, -1, 0.2)[2]).toBeLessThan(-4 * Math.PI);
    const b = envAt(down);
    b.step(0);
    expect(b.getState()[2]).toBe(-MAX_VEL_1);
    expectClose(b.getState(), refStep(down, 0), 1e-12);
  });
});

describe('Acrobot-v1 termination and reward', () => {
  it('terminates with reward 0 when the tip rises above height 1', () => {
    const env = envAt([Math.PI, 0, 0, 0]);
    const r = env.step(1);
    expect(height(env.getState())).toBeGreaterThan(1);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
    expect(r.truncated).toBe(false);
  });

  it('uses a strict > 1.0 at the boundary', () => {
    // bisect theta1 (others 0, no torque) for a start whose next height is 1
    let lo = 1.5;
    let hi = 2.5;
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (height(refStep([mid, 0, 0, 0], 1)) > 1) hi = mid;
      else lo = mid;
    }
    const below = lo - 1e-7;
    const above = hi + 1e-7;
    expect(height(refStep([below, 0, 0, 0], 1))).toBeLessThan(1);
    expect(height(refStep([above, 0, 0, 0], 1))).toBeGreaterThan(1);
    expect(envAt([below, 0, 0, 0]).step(1)).toMatchObject({ terminated: false, reward: -1 });
    expect(envAt([above, 0, 0, 0]).step(1)).toMatchObject({ terminated: true, reward: 0 });
  });
});

describe('Acrobot-v1 time limit (makeEnv)', () => {
  function at499(): Env {
    const env = makeEnv('Acrobot-v1', 0);
    env.reset();
    env.setState([0, 0, 0, 0]);
    for (let t = 1; t <= 499; t++) {
      const r = env.step(1);
      if (r.terminated || r.truncated) throw new Error(`episode ended early at step ${t}`);
    }
    return env;
  }

  it('truncates on exactly step 500', () => {
    expect(at499().step(1)).toMatchObject({ truncated: true, terminated: false, reward: -1 });
  });

  it('reports both flags when step 500 also terminates, and reset restarts the count', () => {
    const env = at499();
    env.setState([Math.PI, 0, 0, 0]);
    expect(env.step(1)).toMatchObject({ truncated: true, terminated: true, reward: 0 });
    env.reset();
    env.setState([0, 0, 0, 0]);
    expect(env.step(1).truncated).toBe(false);
  });
});

describe('Acrobot-v1 reset, state access and validation', () => {
  it('reset(seed) is reproducible and the constructor seed equals reset(seed)', () => {
    const a = Array.from(new Acrobot(0).reset(42));
    expect(Array.from(new Acrobot(5).reset(42))).toEqual(a);
    expect(Array.from(new Acrobot(42).reset())).toEqual(a);
    expect(Array.from(new Acrobot(0).reset(43))).not.toEqual(a);
  });

  it('reset state is float32, uniform in [-0.1, 0.1], and the obs is built from it', () => {
    const env = new Acrobot(3);
    const all: number[] = [];
    for (let k = 0; k < 300; k++) {
      const obs = env.reset();
      const s = env.getState();
      for (const x of s) expect(Math.fround(x)).toBe(x);
      const expected = [Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]];
      expect(Array.from(obs)).toEqual(expected.map(Math.fround));
      all.push(...s);
    }
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-0.1);
    expect(Math.max(...all)).toBeLessThanOrEqual(0.1);
    expect(Math.min(...all)).toBeLessThan(-0.09);
    expect(Math.max(...all)).toBeGreaterThan(0.09);
  });

  it('getState/setState round-trip; getState is a copy', () => {
    const env = envAt([0.1, -0.2, 0.3, -0.4]);
    const got = env.getState();
    expect(Array.from(got)).toEqual([0.1, -0.2, 0.3, -0.4]);
    got[0] = 9;
    expect(env.getState()[0]).toBe(0.1);
  });

  it('throws on bad actions, bad states, and stepping before reset', () => {
    expect(() => new Acrobot(0).step(0)).toThrow(/reset/);
    const env = envAt([0, 0, 0, 0]);
    for (const a of [3, -1, 0.5, NaN, Infinity]) expect(() => env.step(a)).toThrow(/invalid action/);
    expect(() => env.step([1])).toThrow(/invalid action/);
    expect(() => env.setState([1, 2, 3])).toThrow(/length 4/);
    expect(() => env.setState([0, NaN, 0, 0])).toThrow(/finite/);
    expect(() => env.setState([0, 0, Infinity, 0])).toThrow(/finite/);
    expect(Array.from(env.getState())).toEqual([0, 0, 0, 0]);
  });
});
