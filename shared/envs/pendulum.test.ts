import { describe, it, expect } from 'vitest';
import { PENDULUM_V1, Pendulum, angleNormalize } from './pendulum.ts';
import { makeEnv } from './registry.ts';
import { Rng } from '../rng.ts';

const f32 = Math.fround;

/** Angle into [-pi, pi) by floor division (not the env's fmod-based code). */
function refNormalize(x: number): number {
  const p = 2 * Math.PI;
  return x + Math.PI - p * Math.floor((x + Math.PI) / p) - Math.PI;
}

/**
 * Pendulum-v1 from the published equations (g = 10, m = l = 1, dt = 0.05): torque clipped to
 * +-2; cost th^2 + 0.1 thdot^2 + 0.001 u^2; thdot += (3g/(2l) sin th + 3/(m l^2) u) dt, clipped to
 * +-8; th += thdot dt. With `nep50` the two products with the float32 torque are float32, as
 * NumPy >= 2 computes them.
 */
function refStep([th, thdot]: number[], action: number, nep50: boolean): { s: number[]; cost: number } {
  const u = Math.max(-2, Math.min(2, f32(action)));
  const torqueTerm = nep50 ? f32(3 * u) : 3 * u;
  const torqueCost = nep50 ? f32(f32(0.001) * f32(u * u)) : 0.001 * u * u;
  const a = refNormalize(th);
  const cost = a * a + 0.1 * thdot * thdot + torqueCost;
  let w = thdot + (15 * Math.sin(th) + torqueTerm) * 0.05;
  w = Math.max(-8, Math.min(8, w));
  return { s: [th + w * 0.05, w], cost };
}

function envAt(state: number[]): Pendulum {
  const env = new Pendulum(0);
  env.reset();
  env.setState(state);
  return env;
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `component ${i}`).toBeLessThanOrEqual(tol);
  }
}

describe('Pendulum-v1 spec', () => {
  it('matches Gymnasium registration (no reward threshold)', () => {
    expect(PENDULUM_V1).toEqual({
      id: 'Pendulum-v1',
      obsDim: 3,
      actionSpace: { type: 'box', low: [-2], high: [2] },
      maxEpisodeSteps: 200,
      rewardThreshold: null,
      rewardRange: [expect.closeTo(-16.2736044, 7), 0], // -(pi^2 + 0.1 * 8^2 + 0.001 * 2^2)
    });
  });
});

describe('Pendulum-v1 angle_normalize', () => {
  it('maps into [-pi, pi) like Python ((x + pi) % 2pi) - pi', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(Math.PI)).toBe(-Math.PI); // the top of the range wraps to -pi
    expect(angleNormalize(-Math.PI)).toBe(-Math.PI);
    expect(angleNormalize(1.5 * Math.PI)).toBeCloseTo(-0.5 * Math.PI, 14);
    expect(angleNormalize(-1.5 * Math.PI)).toBeCloseTo(0.5 * Math.PI, 14);
    expect(angleNormalize(-0.25)).toBe(-0.25 + Math.PI - Math.PI);
    expect(Object.is(angleNormalize(-3 * Math.PI), -Math.PI)).toBe(true);
    for (let x = -40; x <= 40; x += 0.173) {
      const y = angleNormalize(x);
      expect(y).toBeGreaterThanOrEqual(-Math.PI);
      expect(y).toBeLessThan(Math.PI);
      expect(Math.abs(y - refNormalize(x))).toBeLessThan(1e-12);
    }
  });
});

describe('Pendulum-v1 dynamics and reward', () => {
  it('matches the published equations step by step (float32 torque products as NumPy 2)', () => {
    let s = [2.5, -0.7];
    const env = envAt(s);
    for (const a of [0.3, -1.7, 2, -2, 0.123, 1.999, -0.5, 1, 0, -0.9]) {
      const r = env.step([a]);
      const ref = refStep(s, a, true);
      const plain = refStep(s, a, false);
      s = ref.s;
      expectClose(env.getState(), s, 1e-12);
      expect(Math.abs(r.reward + ref.cost)).toBeLessThan(1e-12);
      expectClose(env.getState(), plain.s, 1e-7); // the float32 rounding is tiny
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(false);
    }
  });

  it('the cost uses float32 0.001 * u^2 (NumPy 2 promotion) with the clipped torque', () => {
    const r = envAt([0, 0]).step([2]);
    expect(r.reward).toBe(-f32(f32(0.001) * 4));
    expect(r.reward).not.toBe(-0.004);
    expect(envAt([0, 0]).step([7]).reward).toBe(r.reward); // clipped to 2 before the cost
    expect(Array.from(envAt([0, 0]).step([-7]).obs)).toEqual(Array.from(envAt([0, 0]).step([-2]).obs));
  });

  it('uses the new, clipped speed for the new angle, and clips the speed at exactly +-8', () => {
    const env = envAt([Math.PI / 2, 7.9]);
    env.step([2]);
    expect(env.getState()[1]).toBe(8);
    expect(env.getState()[0]).toBe(Math.PI / 2 + 8 * 0.05);
    const neg = envAt([-Math.PI / 2, -7.9]);
    neg.step([-2]);
    expect(neg.getState()[1]).toBe(-8);
    expect(neg.getState()[0]).toBe(-Math.PI / 2 - 8 * 0.05);
  });

  it('the cost sees the normalized angle and the old speed', () => {
    const th = 3 * Math.PI - 0.1; // same as pi - 0.1
    const r = envAt([th, 1.5]).step([0]);
    const an = refNormalize(th);
    expect(Math.abs(r.reward + (an * an + 0.1 * 1.5 * 1.5))).toBeLessThan(1e-12);
  });

  it('observation is [cos th, sin th, thdot] rounded to float32 (th is not wrapped in the state)', () => {
    const env = envAt([3.1, 2]);
    const { obs } = env.step([1]);
    const s = env.getState();
    expect(s[0]).toBeGreaterThan(Math.PI);
    expect(Array.from(obs)).toEqual([f32(Math.cos(s[0])), f32(Math.sin(s[0])), f32(s[1])]);
  });
});

/**
 * One Gymnasium `step`, line by line, with the dtype NumPy 2 (NEP 50) gives each value. The
 * state is float64, the clipped torque `u` is an np.float32 scalar, and 0.001 and 3.0 are Python
 * floats, so they are rounded to float32 before the float32 product.
 */
function numpy2Step(th: number, thdot: number, action: number) {
  const u = Math.min(Math.max(f32(action), -2), 2); // np.clip(float32 array, -2.0, 2.0)[0]: float32
  const uSq = f32(u * u); // u**2: float32 (the exact square rounded once)
  const uCost = f32(f32(0.001) * uSq); // 0.001 * (u**2): float32
  const an = angleNormalize(th); // float64
  const costs = an * an + 0.1 * (thdot * thdot) + uCost; // float64 + float64, then + float32 -> float64
  const uAcc = f32(f32(3.0) * u); // 3.0 / (m * l**2) * u: float32
  const sinTerm = 15.0 * Math.sin(th); // 3 * g / (2 * l) * np.sin(th): float64
  let newthdot = thdot + (sinTerm + uAcc) * 0.05; // float64
  newthdot = Math.min(Math.max(newthdot, -8), 8); // np.clip(float64, -8, 8): float64
  const newth = th + newthdot * 0.05; // float64
  return {
    obs: [f32(Math.cos(newth)), f32(Math.sin(newth)), f32(newthdot)], // np.array(..., dtype=float32)
    reward: -costs,
    state: [newth, newthdot], // np.array([newth, newthdot]): float64
  };
}

/** The same step with every value float64, as NumPy 1.x value-based casting or plain JS would give. */
function float64Step(th: number, thdot: number, action: number) {
  const u = Math.min(Math.max(action, -2), 2);
  const an = angleNormalize(th);
  const costs = an * an + 0.1 * (thdot * thdot) + 0.001 * (u * u);
  const newthdot = Math.min(Math.max(thdot + (15.0 * Math.sin(th) + 3.0 * u) * 0.05, -8), 8);
  const newth = th + newthdot * 0.05;
  return { obs: [f32(Math.cos(newth)), f32(Math.sin(newth)), f32(newthdot)], reward: -costs, state: [newth, newthdot] };
}

/** Bitwise equality (Object.is), component by component. */
function expectBits(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Object.is(actual[i], expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBe(true);
  }
}

/**
 * Recorded from Gymnasium 1.3.0's PendulumEnv on NumPy 2.4.6 (Linux x86_64, glibc 2.36): `env.state`
 * set to `state`, then `env.step(np.array([action], dtype=np.float32))`. Values are Python reprs;
 * the action and observation are float32 and go through f32. Chosen where glibc's sin and pow agree
 * with V8's Math.sin and the exact squares (see the note in pendulum.ts).
 */
const GYMNASIUM_STEPS = [
  {
    state: [3.2775021793800856, -3.9539796729662893], action: 1.0626239,
    obs: [-0.99826586, 0.05886666, -3.8962047], reward: -10.598655759644384,
    next: [3.0826919429147464, -3.896204729306782],
  },
  {
    state: [1.8975225585032955, -0.547782798691808], action: -0.8464363,
    obs: [-0.32262832, 0.94652575, 0.035575334], reward: -3.631314913949029,
    next: [1.8993013252740738, 0.03557533541556401],
  },
  {
    state: [4.368173014246178, -2.1293469618627263], action: 1.5339829,
    obs: [-0.4568748, -0.889531, -2.6052547], reward: -4.123037034084051,
    next: [4.2379102759614495, -2.6052547656945793],
  },
  { // torque clipped to 2, speed clipped to 8
    state: [1.2, 7.95], action: 2.7,
    obs: [-0.029199522, 0.9995736, 8.0], reward: -7.764250000189991, next: [1.6, 8.0],
  },
  { // angle beyond -2 pi
    state: [-7.0, -0.3], action: -0.1,
    obs: [0.726761, -0.6868904, -0.80774], reward: -0.5228333038447905,
    next: [-7.040386997481757, -0.8077399496351383],
  },
];

describe('Pendulum-v1 matches Gymnasium 1.x under NumPy 2 bit for bit', () => {
  it('reproduces recorded Gymnasium steps exactly (observation, reward, state)', () => {
    for (const c of GYMNASIUM_STEPS) {
      const r = envAt(c.state).step([c.action]);
      expectBits(r.obs, c.obs.map(f32), 'obs');
      expect(Object.is(r.reward, c.reward), `reward ${r.reward} vs ${c.reward}`).toBe(true);
      expectBits(envAt(c.state).getState(), c.state, 'state before');
      const env = envAt(c.state);
      env.step([c.action]);
      expectBits(env.getState(), c.next, 'next state');
      // the line-by-line NumPy 2 computation gives the same bits
      const ref = numpy2Step(c.state[0], c.state[1], c.action);
      expectBits(ref.obs, c.obs.map(f32), 'numpy2Step obs');
      expect(Object.is(ref.reward, c.reward)).toBe(true);
      expectBits(ref.state, c.next, 'numpy2Step state');
    }
  });

  it('the all-float64 step gets those recorded steps wrong (float32 torque products matter)', () => {
    let obsDiffers = 0;
    for (const c of GYMNASIUM_STEPS) {
      const plain = float64Step(c.state[0], c.state[1], f32(c.action));
      expect(plain.reward).not.toBe(c.reward); // 0.001 * u**2 in float32 moves every reward here
      expect(Math.abs(plain.reward - c.reward)).toBeLessThan(1e-9);
      if (plain.obs.some((v, i) => v !== f32(c.obs[i]))) obsDiffers++;
    }
    // in the first three, 3.0 * u in float32 moves thdot (and so the new angle) enough to change
    // an observation component's float32 rounding
    expect(obsDiffers).toBe(3);
    expect(float64Step(1.8975225585032955, -0.547782798691808, f32(-0.8464363)).obs[2]).not.toBe(f32(0.035575334));
  });

  it('matches the line-by-line NumPy 2 step bitwise over random states and actions; float64 does not', () => {
    const rng = new Rng(2024);
    let rewardDiffers = 0;
    let obsDiffers = 0;
    const n = 2000;
    for (let k = 0; k < n; k++) {
      const th = rng.uniform(-12, 12);
      const w = rng.uniform(-8, 8);
      const a = f32(rng.uniform(-2.5, 2.5));
      const env = envAt([th, w]);
      const r = env.step([a]);
      const ref = numpy2Step(th, w, a);
      expectBits(r.obs, ref.obs, `obs k=${k}`);
      expect(Object.is(r.reward, ref.reward), `reward k=${k}`).toBe(true);
      expectBits(env.getState(), ref.state, `state k=${k}`);
      const plain = float64Step(th, w, a);
      if (plain.reward !== r.reward) rewardDiffers++;
      if (plain.obs.some((v, i) => v !== r.obs[i])) obsDiffers++;
    }
    expect(rewardDiffers).toBeGreaterThan(0.9 * n);
    expect(obsDiffers).toBeGreaterThan(0.01 * n);
  });
});

describe('Pendulum-v1 time limit (makeEnv)', () => {
  it('never terminates and truncates on exactly step 200', () => {
    const env = makeEnv('Pendulum-v1', 1);
    env.reset();
    for (let t = 1; t < 200; t++) expect(env.step([t % 5 - 2])).toMatchObject({ terminated: false, truncated: false });
    expect(env.step([0])).toMatchObject({ terminated: false, truncated: true });
    env.reset();
    expect(env.step([0]).truncated).toBe(false);
  });
});

describe('Pendulum-v1 reset, state access and validation', () => {
  it('reset(seed) is reproducible; th in [-pi, pi), thdot in [-1, 1)', () => {
    expect(Array.from(new Pendulum(0).reset(5))).toEqual(Array.from(new Pendulum(5).reset()));
    expect(Array.from(new Pendulum(0).reset(5))).not.toEqual(Array.from(new Pendulum(0).reset(6)));
    const env = new Pendulum(8);
    const th: number[] = [];
    const w: number[] = [];
    for (let k = 0; k < 400; k++) {
      const obs = env.reset();
      const s = env.getState();
      expect(Array.from(obs)).toEqual([f32(Math.cos(s[0])), f32(Math.sin(s[0])), f32(s[1])]);
      th.push(s[0]);
      w.push(s[1]);
    }
    expect(Math.min(...th)).toBeGreaterThanOrEqual(-Math.PI);
    expect(Math.max(...th)).toBeLessThan(Math.PI);
    expect(Math.min(...th)).toBeLessThan(-3);
    expect(Math.max(...th)).toBeGreaterThan(3);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...w)).toBeLessThan(1);
    expect(Math.min(...w)).toBeLessThan(-0.95);
    expect(Math.max(...w)).toBeGreaterThan(0.95);
  });

  it('state round-trip, bad states, bad actions, stepping before reset', () => {
    expect(() => new Pendulum(0).step([0])).toThrow(/reset/);
    const env = envAt([0.5, -0.25]);
    expect(Array.from(env.getState())).toEqual([0.5, -0.25]);
    expect(() => env.setState([1])).toThrow(/length 2/);
    expect(() => env.setState([NaN, 0])).toThrow(/finite/);
    expect(() => env.setState([0, -Infinity])).toThrow(/finite/);
    expect(() => env.step(1)).toThrow(/array of length 1/);
    expect(() => env.step([])).toThrow(/array of length 1/);
    expect(() => env.step([1, 2])).toThrow(/array of length 1/);
    for (const a of [NaN, Infinity, 1e39]) expect(() => env.step([a])).toThrow(/finite float32/);
    expect(Array.from(env.getState())).toEqual([0.5, -0.25]);
    env.step(new Float32Array([0.5])); // typed arrays work
  });
});
