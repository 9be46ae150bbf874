import { describe, it, expect } from 'vitest';
import { CARTPOLE_V1, CartPole } from './cartpole.ts';
import { makeEnv } from './registry.ts';
import type { Env } from './types.ts';

/**
 * Independent plain computation of one CartPole step from the published equations
 * (Florian 2005, "Correct equations for the dynamics of the cart-pole system", frictionless,
 * as in Barto, Sutton & Anderson 1983), integrated with explicit Euler, tau = 0.02.
 */
function handStep(s: number[], action: number): number[] {
  const g = 9.8;
  const mc = 1.0; // cart mass
  const mp = 0.1; // pole mass
  const l = 0.5; // half pole length
  const f = action === 1 ? 10 : -10;
  const dt = 0.02;
  const [x, v, th, w] = s;
  const c = Math.cos(th);
  const sn = Math.sin(th);
  // thetaAcc = (g sin - cos (F + mp l w^2 sin)/(mc+mp)) / (l (4/3 - mp cos^2/(mc+mp)))
  const thAcc =
    (g * sn - (c * (f + mp * l * w * w * sn)) / (mc + mp)) / (l * (4 / 3 - (mp * c * c) / (mc + mp)));
  // xAcc = (F + mp l (w^2 sin - thetaAcc cos)) / (mc+mp)
  const xAcc = (f + mp * l * (w * w * sn - thAcc * c)) / (mc + mp);
  return [x + dt * v, v + dt * xAcc, th + dt * w, w + dt * thAcc];
}

/** Gymnasium: theta_threshold_radians = 12 * 2 * math.pi / 360 (evaluated left to right). */
const THR = (12 * 2 * Math.PI) / 360;

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `component ${i}`).toBeLessThan(tol);
  }
}

/** Env whose next step starts from `state`. */
function envAt(state: number[]): CartPole {
  const env = new CartPole(0);
  env.reset();
  env.setState(state);
  return env;
}

describe('CartPole-v1 spec', () => {
  it('matches Gymnasium registration', () => {
    expect(CARTPOLE_V1).toEqual({
      id: 'CartPole-v1',
      obsDim: 4,
      actionSpace: { type: 'discrete', n: 2 },
      maxEpisodeSteps: 500,
      rewardThreshold: 475,
      rewardRange: [1, 1],
    });
    expect(new CartPole().spec).toBe(CARTPOLE_V1);
  });
});

describe('CartPole-v1 dynamics', () => {
  it('matches the hand computation over several steps, both actions', () => {
    const env = envAt([0.01, -0.02, 0.03, 0.04]);
    let s = [0.01, -0.02, 0.03, 0.04];
    const actions = [1, 1, 0, 1, 0, 0, 0, 1];
    for (const a of actions) {
      const r = env.step(a);
      s = handStep(s, a);
      expectClose(env.getState(), s, 1e-12);
      expect(r.reward).toBe(1);
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(false);
    }
  });

  it('first step from a set state moves x with the old velocity (explicit Euler)', () => {
    const env = envAt([0.01, -0.02, 0.03, 0.04]);
    env.step(1);
    const s = env.getState();
    expect(Math.abs(s[0] - (0.01 + 0.02 * -0.02))).toBeLessThan(1e-15);
    expect(Math.abs(s[2] - (0.03 + 0.02 * 0.04))).toBeLessThan(1e-15);
    expect(s[1]).toBeGreaterThan(-0.02); // pushed right
  });

  it('observations are the float64 state rounded to float32', () => {
    const env = envAt([0.01, -0.02, 0.03, 0.04]);
    const r = env.step(0);
    const s = env.getState();
    expect(r.obs).toBeInstanceOf(Float32Array);
    expect(s).toBeInstanceOf(Float64Array);
    for (let i = 0; i < 4; i++) {
      expect(r.obs[i]).toBe(Math.fround(s[i]));
      expect(Math.abs(r.obs[i] - s[i])).toBeLessThanOrEqual(Math.abs(s[i]) * 2 ** -24);
    }
    // 0.01 + 0.02 * -0.02 = 0.0096 is not a float32, so the rounding is visible
    expect(r.obs[0]).not.toBe(s[0]);
  });
});

describe('CartPole-v1 termination', () => {
  const eps = 1e-9;
  const cases: { name: string; state: number[]; terminated: boolean }[] = [
    { name: 'x just inside +2.4', state: [2.4 - 0.02 - eps, 1, 0, 0], terminated: false },
    { name: 'x just outside +2.4', state: [2.4 - 0.02 + eps, 1, 0, 0], terminated: true },
    { name: 'x just inside -2.4', state: [-2.4 + 0.02 + eps, -1, 0, 0], terminated: false },
    { name: 'x just outside -2.4', state: [-2.4 + 0.02 - eps, -1, 0, 0], terminated: true },
    { name: 'x exactly 2.4 (strict >)', state: [2.4, 0, 0, 0], terminated: false },
    { name: 'theta just inside +thr', state: [0, 0, THR - 0.02 * 0.5 - eps, 0.5], terminated: false },
    { name: 'theta just past +thr', state: [0, 0, THR - 0.02 * 0.5 + eps, 0.5], terminated: true },
    { name: 'theta just inside -thr', state: [0, 0, -THR + 0.02 * 0.5 + eps, -0.5], terminated: false },
    { name: 'theta just past -thr', state: [0, 0, -THR + 0.02 * 0.5 - eps, -0.5], terminated: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const after = handStep(c.state, 1);
      // the hand computation agrees that the case is on the intended side
      const out = Math.abs(after[0]) > 2.4 || Math.abs(after[2]) > THR;
      expect(out).toBe(c.terminated);
      const r = envAt(c.state).step(1);
      expect(r.terminated).toBe(c.terminated);
      expect(r.reward).toBe(1); // the terminating step still earns 1
      expect(r.truncated).toBe(false);
    });
  }

  it('theta exactly at the threshold does not terminate, one ulp past does', () => {
    expect(envAt([0, 0, THR, 0]).step(0).terminated).toBe(false);
    expect(envAt([0, 0, -THR, 0]).step(0).terminated).toBe(false);
    const past = THR + THR * 2 ** -52;
    expect(envAt([0, 0, past, 0]).step(0).terminated).toBe(true);
    expect(envAt([0, 0, -past, 0]).step(0).terminated).toBe(true);
  });

  it('gives reward 0 for steps after termination until reset', () => {
    const env = envAt([2.4, 1, 0, 0]);
    const first = env.step(1);
    expect(first.terminated).toBe(true);
    expect(first.reward).toBe(1);
    for (let i = 0; i < 3; i++) {
      const r = env.step(1);
      expect(r.terminated).toBe(true);
      expect(r.reward).toBe(0);
    }
    env.reset(1);
    env.setState([2.4, 1, 0, 0]);
    expect(env.step(1).reward).toBe(1);
  });
});

describe('CartPole-v1 time limit (makeEnv)', () => {
  /** Resets, then runs 499 steps each from the upright rest state (never terminates). */
  function at499(): Env {
    const env = makeEnv('CartPole-v1', 3);
    env.reset();
    for (let t = 1; t <= 499; t++) {
      env.setState([0, 0, 0, 0]);
      const r = env.step(t % 2);
      if (r.terminated || r.truncated) throw new Error(`episode ended early at step ${t}`);
    }
    return env;
  }

  it('truncates on exactly step 500', () => {
    const env = at499();
    env.setState([0, 0, 0, 0]);
    const r = env.step(0);
    expect(r.truncated).toBe(true);
    expect(r.terminated).toBe(false);
    expect(r.reward).toBe(1);
  });

  it('reports both flags when step 500 also terminates', () => {
    const env = at499();
    env.setState([2.4, 1, 0, 0]);
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.truncated).toBe(true);
  });

  it('reset restarts the step count', () => {
    const env = at499();
    env.reset();
    env.setState([0, 0, 0, 0]);
    expect(env.step(0).truncated).toBe(false);
  });
});

describe('CartPole-v1 reset and seeding', () => {
  it('same seed gives the same obs, a different seed different obs', () => {
    const a = new CartPole(0).reset(42);
    const b = new CartPole(99).reset(42);
    const c = new CartPole(0).reset(43);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('reset() continues the stream; the constructor seed equals reset(seed)', () => {
    const env = new CartPole(0);
    const first = Array.from(env.reset(7));
    const second = Array.from(env.reset());
    expect(second).not.toEqual(first);
    const twin = new CartPole(7);
    expect(Array.from(twin.reset())).toEqual(first);
    expect(Array.from(twin.reset())).toEqual(second);
  });

  it('seeded episodes are reproducible step by step', () => {
    const run = (): number[] => {
      const env = new CartPole(0);
      const out = Array.from(env.reset(5));
      for (let t = 0; t < 30; t++) out.push(...env.step(t % 3 === 0 ? 1 : 0).obs);
      return out;
    };
    expect(run()).toEqual(run());
  });

  it('reset state is uniform in [-0.05, 0.05) and the obs is its float32 rounding', () => {
    const env = new CartPole(11);
    const all: number[] = [];
    let mismatches = 0;
    for (let k = 0; k < 500; k++) {
      const obs = env.reset();
      const s = env.getState();
      for (let i = 0; i < 4; i++) if (obs[i] !== Math.fround(s[i])) mismatches++;
      all.push(...s);
    }
    expect(mismatches).toBe(0);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...all)).toBeLessThan(0.05);
    expect(Math.min(...all)).toBeLessThan(-0.045); // actually spread over the interval
    expect(Math.max(...all)).toBeGreaterThan(0.045);
  });
});

describe('CartPole-v1 state access and validation', () => {
  it('getState/setState round-trip, and getState is a copy', () => {
    const env = new CartPole(0);
    env.reset();
    const s = [0.1, -0.2, 0.03, 0.4];
    env.setState(s);
    const got = env.getState();
    expect(Array.from(got)).toEqual(s);
    got[0] = 99;
    expect(env.getState()[0]).toBe(0.1);
    env.setState(env.getState());
    expect(Array.from(env.getState())).toEqual(s);
  });

  it('throws on invalid actions', () => {
    const env = new CartPole(0);
    env.reset();
    for (const a of [2, -1, 0.5, NaN, Infinity]) expect(() => env.step(a)).toThrow(/invalid action/);
  });

  it('throws when stepping before reset', () => {
    expect(() => new CartPole(0).step(0)).toThrow(/reset/);
  });

  it('throws on bad states and leaves the state unchanged', () => {
    const env = new CartPole(0);
    env.reset();
    const before = Array.from(env.getState());
    expect(() => env.setState([1, 2, 3])).toThrow(/length 4/);
    expect(() => env.setState([1, 2, 3, 4, 5])).toThrow(/length 4/);
    expect(() => env.setState([0, NaN, 0, 0])).toThrow(/finite/);
    expect(() => env.setState([0, 0, Infinity, 0])).toThrow(/finite/);
    expect(() => env.setState([0, 0, 0, -Infinity])).toThrow(/finite/);
    expect(Array.from(env.getState())).toEqual(before);
  });
});
