import { describe, it, expect } from 'vitest';
import {
  MOUNTAIN_CAR_CONTINUOUS_V0,
  MOUNTAIN_CAR_V0,
  MountainCar,
  MountainCarContinuous,
} from './mountainCar.ts';
import { makeEnv } from './registry.ts';
import type { Env } from './types.ts';

const f32 = Math.fround;

/** MountainCar-v0 from the published update (Moore 1990 / Sutton & Barto), plain float64. */
function refDiscrete([p, v]: number[], action: number): { s: number[]; terminated: boolean } {
  let vel = v + 0.001 * (action - 1) - 0.0025 * Math.cos(3 * p);
  vel = vel > 0.07 ? 0.07 : vel < -0.07 ? -0.07 : vel;
  let pos = p + vel;
  pos = pos > 0.6 ? 0.6 : pos < -1.2 ? -1.2 : pos;
  if (pos === -1.2 && vel < 0) vel = 0;
  return { s: [pos, vel], terminated: pos >= 0.5 && vel >= 0 };
}

/**
 * A scalar under NumPy >= 2 promotion (NEP 50): 'f32' and 'f64' are numpy scalars, 'py' a Python
 * float (weak: it takes the other operand's type). Used to transcribe Gymnasium's continuous step.
 */
type Kind = 'f32' | 'f64' | 'py';
interface Num {
  v: number;
  k: Kind;
}
const py = (v: number): Num => ({ v, k: 'py' });
function kindOf(a: Num, b: Num): Kind {
  if (a.k === 'f64' || b.k === 'f64') return 'f64';
  if (a.k === 'f32' || b.k === 'f32') return 'f32';
  return 'py';
}
function op(a: Num, b: Num, fn: (x: number, y: number) => number): Num {
  const k = kindOf(a, b);
  if (k !== 'f32') return { v: fn(a.v, b.v), k };
  return { v: f32(fn(f32(a.v), f32(b.v))), k };
}
function cmp(a: Num, b: Num, fn: (x: number, y: number) => boolean): boolean {
  return kindOf(a, b) === 'f32' ? fn(f32(a.v), f32(b.v)) : fn(a.v, b.v);
}
const add = (a: Num, b: Num): Num => op(a, b, (x, y) => x + y);
const sub = (a: Num, b: Num): Num => op(a, b, (x, y) => x - y);
const mul = (a: Num, b: Num): Num => op(a, b, (x, y) => x * y);
const gt = (a: Num, b: Num): boolean => cmp(a, b, (x, y) => x > y);
const lt = (a: Num, b: Num): boolean => cmp(a, b, (x, y) => x < y);
const ge = (a: Num, b: Num): boolean => cmp(a, b, (x, y) => x >= y);
const eq = (a: Num, b: Num): boolean => cmp(a, b, (x, y) => x === y);

/** Gymnasium's `Continuous_MountainCarEnv.step`, line by line; `kind` is the state array's dtype. */
function refContinuous(
  state: number[],
  kind: Kind,
  action: number,
): { s: number[]; terminated: boolean; reward: number } {
  let position: Num = { v: state[0], k: kind };
  let velocity: Num = { v: state[1], k: kind };
  const a: Num = { v: f32(action), k: 'f32' };
  let force = a;
  if (gt(py(-1.0), force)) force = py(-1.0); // Python max(a, -1.0)
  if (lt(py(1.0), force)) force = py(1.0); // Python min(., 1.0)
  const cos3p = py(Math.cos(mul(py(3), position).v));
  velocity = add(velocity, sub(mul(force, py(0.0015)), mul(py(0.0025), cos3p)));
  if (gt(velocity, py(0.07))) velocity = py(0.07);
  if (lt(velocity, py(-0.07))) velocity = py(-0.07);
  position = add(position, velocity);
  if (gt(position, py(0.6))) position = py(0.6);
  if (lt(position, py(-1.2))) position = py(-1.2);
  if (eq(position, py(-1.2)) && lt(velocity, py(0))) velocity = py(0);
  const terminated = ge(position, py(0.45)) && ge(velocity, py(0));
  const reward = (terminated ? 100.0 : 0) - Math.pow(a.v, 2) * 0.1;
  return { s: [f32(position.v), f32(velocity.v)], terminated, reward };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `component ${i}`).toBeLessThanOrEqual(tol);
  }
}

function carAt(state: number[]): MountainCar {
  const env = new MountainCar(0);
  env.reset();
  env.setState(state);
  return env;
}
function contAt(state: number[]): MountainCarContinuous {
  const env = new MountainCarContinuous(0);
  env.reset();
  env.setState(state);
  return env;
}

describe('MountainCar specs', () => {
  it('match Gymnasium registrations', () => {
    expect(MOUNTAIN_CAR_V0).toEqual({
      id: 'MountainCar-v0',
      obsDim: 2,
      actionSpace: { type: 'discrete', n: 3 },
      maxEpisodeSteps: 200,
      rewardThreshold: -110,
      rewardRange: [-1, -1],
    });
    expect(MOUNTAIN_CAR_CONTINUOUS_V0).toEqual({
      id: 'MountainCarContinuous-v0',
      obsDim: 2,
      actionSpace: { type: 'box', low: [-1], high: [1] },
      maxEpisodeSteps: 999,
      rewardThreshold: 90,
    });
  });
});

describe('MountainCar-v0 dynamics', () => {
  it('matches the published update step by step, all actions', () => {
    let s = [-0.52, 0.004];
    const env = carAt(s);
    for (const a of [2, 2, 0, 1, 0, 2, 2, 2, 1, 0, 0, 2]) {
      const r = env.step(a);
      const ref = refDiscrete(s, a);
      s = ref.s;
      expectClose(env.getState(), s, 1e-15);
      expect(Array.from(r.obs)).toEqual(s.map(f32));
      expect(r).toMatchObject({ reward: -1, terminated: false, truncated: false });
    }
  });

  it('clips the velocity to exactly +-0.07 before moving', () => {
    const fast = carAt([-1.0, 0.069]);
    fast.step(2); // 0.069 + 0.001 + 0.0025 * 0.99 > 0.07
    expect(fast.getState()[1]).toBe(0.07);
    expect(fast.getState()[0]).toBe(-1.0 + 0.07);
    const back = carAt([0.3, -0.0695]);
    back.step(0);
    expect(back.getState()[1]).toBe(-0.07);
    expect(back.getState()[0]).toBe(0.3 - 0.07);
  });

  it('stops at the left wall: position -1.2 and velocity zeroed only when moving left', () => {
    const wall = carAt([-1.19, -0.05]);
    wall.step(0);
    expect(Array.from(wall.getState())).toEqual([-1.2, 0]);
    const leaving = carAt([-1.2, 0.02]);
    leaving.step(2);
    expect(leaving.getState()[1]).toBeGreaterThan(0);
    expectClose(leaving.getState(), refDiscrete([-1.2, 0.02], 2).s, 0);
  });

  it('clips the position at 0.6 on the right, which is also the goal', () => {
    const r = carAt([0.59, 0.05]).step(1);
    expect(r.obs[0]).toBe(f32(0.6));
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-1);
  });

  it('terminates at position >= 0.5 only with velocity >= 0', () => {
    expect(carAt([0.49, 0.02]).step(1).terminated).toBe(true);
    const backing = refDiscrete([0.55, -0.01], 1);
    expect(backing.s[0]).toBeGreaterThan(0.5);
    expect(backing.s[1]).toBeLessThan(0);
    expect(carAt([0.55, -0.01]).step(1).terminated).toBe(false);
    expect(carAt([0.45, 0.02]).step(1).terminated).toBe(false); // 0.47 < 0.5
  });
});

describe('MountainCarContinuous-v0 dynamics', () => {
  it('matches the NEP 50 transcription exactly over a trajectory, and float32 rounding shows', () => {
    const env = new MountainCarContinuous(0);
    env.reset(123);
    let s = Array.from(env.getState());
    let kind: Kind = 'f64'; // Gymnasium's reset state is a float64 array
    let differsFrom64 = 0;
    const policy = (t: number): number => Math.sin(t * 0.37) * 1.3; // also beyond [-1, 1]
    for (let t = 0; t < 150; t++) {
      const a = policy(t);
      const ref = refContinuous(s, kind, a);
      const plain = refContinuous(s, 'f64', a);
      if (plain.s[0] !== ref.s[0] || plain.s[1] !== ref.s[1]) differsFrom64++;
      const r = env.step([a]);
      expect(Array.from(env.getState())).toEqual(ref.s);
      expect(Array.from(r.obs)).toEqual(ref.s);
      expect(r.reward).toBe(ref.reward);
      expect(r.terminated).toBe(ref.terminated);
      s = ref.s;
      kind = 'f32'; // after a step Gymnasium stores a float32 array
    }
    expect(differsFrom64).toBeGreaterThan(0);
  });

  it('the first step from a reset (float64) state equals the float64 transcription', () => {
    const env = new MountainCarContinuous(4);
    env.reset();
    const s = Array.from(env.getState());
    const r = env.step([0.3]);
    expect(Array.from(env.getState())).toEqual(refContinuous(s, 'f64', 0.3).s);
    expect(r.reward).toBe(-Math.pow(f32(0.3), 2) * 0.1);
  });

  it('clips the push to [-1, 1] but charges the raw action in the reward', () => {
    const a = contAt([-0.5, 0.01]);
    const b = contAt([-0.5, 0.01]);
    const ra = a.step([5]);
    const rb = b.step([1]);
    expect(Array.from(a.getState())).toEqual(Array.from(b.getState()));
    expect(ra.reward).toBe(-2.5);
    expect(rb.reward).toBe(-0.1);
    const neg = contAt([-0.5, 0.01]);
    neg.step([-3]);
    expect(neg.getState()[1]).toBeLessThan(contAt([-0.5, 0.01]).getState()[1]);
    expect(Array.from(neg.getState())).toEqual(refContinuous([-0.5, 0.01], 'f64', -3).s);
  });

  it('reaches the goal at 0.45 (not 0.5) with reward 100 - 0.1 a^2', () => {
    const r = contAt([0.44, 0.02]).step([0.5]);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(100 - 0.25 * 0.1);
    expect(contAt([0.5, -0.02]).step([0]).terminated).toBe(false); // going back
    expect(contAt([0.4, 0.02]).step([0]).terminated).toBe(false);
  });

  it('clips velocity to +-0.07, position to [-1.2, 0.6], and zeroes velocity at the left wall', () => {
    const fast = contAt([-1.0, 0.0695]);
    fast.step([1]);
    expect(fast.getState()[1]).toBe(f32(0.07));
    const wall = contAt([-1.19, -0.05]);
    const r = wall.step([-1]);
    expect(Array.from(wall.getState())).toEqual([f32(-1.2), 0]);
    expect(r.reward).toBe(-0.1);
    const right = contAt([0.59, 0.05]);
    expect(right.step([0]).terminated).toBe(true);
    expect(right.getState()[0]).toBe(f32(0.6));
  });

  it('a float32 position exactly at float32(0.45) terminates (NumPy 2 compares in float32)', () => {
    // find a float32 state whose next position is exactly f32(0.45) with velocity >= 0
    const goal32 = f32(0.45);
    let start: number[] | null = null;
    let p0 = f32(0.44);
    for (let k = 0; k < 200000 && !start; k++) {
      const s = [p0, f32(0.01)];
      const ref = refContinuous(s, 'f32', 0);
      if (ref.s[0] === goal32) start = s;
      p0 = f32(p0 + 2 ** -26 * (ref.s[0] < goal32 ? 1 : -1) * (1 + (k % 7)));
    }
    expect(start).not.toBeNull();
    expect(goal32).toBeLessThan(0.45); // so a float64 comparison would not terminate
    const r = contAt(start!).step([0]);
    expect(r.obs[0]).toBe(goal32);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(100);
  });

  it('a clipped velocity (Python -0.07) is added to a float32 position as float32(-0.07)', () => {
    // near 0 the float32 grid is fine enough for the two sums to round differently
    const picked: number[][] = [];
    for (let k = 0; k < 100000 && picked.length < 20; k++) {
      const s = [f32(-0.05 + k * 1e-6), f32(-0.0699)];
      if (refContinuous(s, 'f32', -1).s[0] !== f32(s[0] - 0.07)) picked.push(s);
    }
    expect(picked.length).toBe(20);
    for (let k = 0; k < 20; k++) picked.push([f32(-0.5 + k * 0.05), f32(-0.0699)]);
    for (const s of picked) {
      const ref = refContinuous(s, 'f32', -1);
      expect(ref.s[1]).toBe(f32(-0.07));
      const env = contAt(s);
      env.step([-1]);
      expect(Array.from(env.getState())).toEqual(ref.s);
    }
  });

  it('stores the state as float32 after a step; a float32 state round-trips through setState', () => {
    const env = new MountainCarContinuous(1);
    env.reset();
    for (let t = 0; t < 120; t++) {
      const saved = Array.from(env.getState());
      const a = Math.cos(t * 0.61) * 0.9;
      const twin = contAt(saved);
      const r = env.step([a]);
      for (const x of env.getState()) expect(f32(x)).toBe(x);
      if (t > 0) expect(Array.from(twin.step([a]).obs)).toEqual(Array.from(r.obs));
    }
  });
});

describe('MountainCar time limits (makeEnv)', () => {
  function madeAt(id: string, state: number[]): Env {
    const env = makeEnv(id, 0);
    env.reset();
    env.setState(state);
    return env;
  }

  it('MountainCar-v0 truncates on exactly step 200, and can be both truncated and terminated', () => {
    const env = madeAt('MountainCar-v0', [-0.5, 0]);
    for (let t = 1; t < 200; t++) {
      env.setState([-0.5, 0]);
      expect(env.step(1)).toMatchObject({ terminated: false, truncated: false });
    }
    env.setState([0.49, 0.02]);
    expect(env.step(1)).toMatchObject({ terminated: true, truncated: true, reward: -1 });
    env.reset();
    expect(env.step(1).truncated).toBe(false);
  });

  it('MountainCarContinuous-v0 truncates on exactly step 999', () => {
    const env = madeAt('MountainCarContinuous-v0', [-0.5, 0]);
    for (let t = 1; t < 999; t++) {
      env.setState([-0.5, 0]);
      expect(env.step([0]).truncated).toBe(false);
    }
    env.setState([0.44, 0.02]);
    expect(env.step([0])).toMatchObject({ terminated: true, truncated: true, reward: 100 });
  });
});

describe('MountainCar reset, state access and validation', () => {
  for (const Ctor of [MountainCar, MountainCarContinuous]) {
    it(`${Ctor.name}: reset(seed) reproducible; position in [-0.6, -0.4), velocity 0`, () => {
      expect(Array.from(new Ctor(1).reset(9))).toEqual(Array.from(new Ctor(9).reset()));
      expect(Array.from(new Ctor(1).reset(9))).not.toEqual(Array.from(new Ctor(1).reset(10)));
      const env = new Ctor(2);
      const ps: number[] = [];
      for (let k = 0; k < 300; k++) {
        const obs = env.reset();
        const s = env.getState();
        expect(s[1]).toBe(0);
        expect(Array.from(obs)).toEqual([f32(s[0]), 0]);
        ps.push(s[0]);
      }
      expect(Math.min(...ps)).toBeGreaterThanOrEqual(-0.6);
      expect(Math.max(...ps)).toBeLessThan(-0.4);
      expect(Math.min(...ps)).toBeLessThan(-0.59);
      expect(Math.max(...ps)).toBeGreaterThan(-0.41);
    });

    it(`${Ctor.name}: state round-trip and bad states`, () => {
      const env = new Ctor(0);
      expect(() => env.setState([0.1])).toThrow(/length 2/);
      env.setState([0.1, -0.02]);
      expect(Array.from(env.getState())).toEqual([0.1, -0.02]);
      expect(() => env.setState([NaN, 0])).toThrow(/finite/);
      expect(() => env.setState([0, Infinity])).toThrow(/finite/);
      expect(Array.from(env.getState())).toEqual([0.1, -0.02]);
    });
  }

  it('throws on bad actions and on stepping before reset', () => {
    expect(() => new MountainCar(0).step(1)).toThrow(/reset/);
    expect(() => new MountainCarContinuous(0).step([0])).toThrow(/reset/);
    const d = carAt([-0.5, 0]);
    for (const a of [3, -1, 0.5, NaN, Infinity]) expect(() => d.step(a)).toThrow(/invalid action/);
    expect(() => d.step([1])).toThrow(/invalid action/);
    const c = contAt([-0.5, 0]);
    expect(() => c.step(0.5)).toThrow(/array of length 1/);
    expect(() => c.step([])).toThrow(/array of length 1/);
    expect(() => c.step([0.1, 0.2])).toThrow(/array of length 1/);
    for (const a of [NaN, Infinity, -Infinity, 1e39]) expect(() => c.step([a])).toThrow(/finite float32/);
    expect(Array.from(c.getState())).toEqual([-0.5, 0]);
  });
});
