import { describe, it, expect } from 'vitest';
import { PENDULUM_V1, Pendulum, angleNormalize } from './pendulum.ts';
import { makeEnv } from './registry.ts';

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
