import { describe, it, expect } from 'vitest';
import type { Body } from 'planck';
import { Rng } from '../rng.ts';
import {
  LUNAR_LANDER_CONTINUOUS_V3, LUNAR_LANDER_STATE_DIM, LUNAR_LANDER_V3, LunarLander, enginePowers,
} from './lunarLander.ts';
import { makeEnv } from './registry.ts';

const DT = 1 / 50;
/** Helipad height H / 4 and the obs y origin above it (LEG_DOWN / SCALE), in metres. */
const HELIPAD_Y = 400 / 30 / 4;
const LEG_DOWN = 18 / 30;

/** Gymnasium's `heuristic` controller from lunar_lander.py, restated. */
function heuristic(s: ArrayLike<number>, continuous: boolean): number | number[] {
  const angleTarg = Math.min(0.4, Math.max(-0.4, s[0] * 0.5 + s[2] * 1.0));
  const hoverTarg = 0.55 * Math.abs(s[0]);
  let angleTodo = (angleTarg - s[4]) * 0.5 - s[5] * 1.0;
  let hoverTodo = (hoverTarg - s[1]) * 0.5 - s[3] * 0.5;
  if (s[6] || s[7]) {
    angleTodo = 0;
    hoverTodo = -s[3] * 0.5;
  }
  if (continuous) return [hoverTodo * 20 - 1, -angleTodo * 20].map((v) => Math.min(1, Math.max(-1, v)));
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return 2;
  if (angleTodo < -0.05) return 3;
  if (angleTodo > 0.05) return 1;
  return 0;
}

/** True when some contact of `body` is touching, read from planck's contact list. */
function touching(body: Body): boolean {
  for (let e = body.getContactList(); e; e = e.next) if (e.contact.isTouching()) return true;
  return false;
}

/** The observation written out from the docs' units: x/10, y/(20/3), vx/5, vy/7.5, angle, w/2.5, legs. */
function expectedObs(env: LunarLander): number[] {
  const { lander, legs } = env.bodies;
  const p = lander.getPosition();
  const v = lander.getLinearVelocity();
  return [
    (p.x - 10) / 10,
    (p.y - HELIPAD_Y - LEG_DOWN) / (20 / 3),
    v.x / 5,
    v.y / 7.5,
    lander.getAngle(),
    lander.getAngularVelocity() / 2.5,
    touching(legs[0]) ? 1 : 0,
    touching(legs[1]) ? 1 : 0,
  ];
}

function shapingOf(s: number[]): number {
  return -100 * Math.hypot(s[0], s[1]) - 100 * Math.hypot(s[2], s[3]) - 100 * Math.abs(s[4]) + 10 * (s[6] + s[7]);
}

/** Fuel cost of an action, from the documented throttle rules. */
function fuelCost(a: number | number[]): number {
  if (typeof a === 'number') return (a === 2 ? 0.3 : 0) + (a === 1 || a === 3 ? 0.03 : 0);
  const main = a[0] > 0 ? (Math.min(a[0], 1) + 1) / 2 : 0;
  const side = Math.abs(a[1]) > 0.5 ? Math.min(Math.abs(a[1]), 1) : 0;
  return 0.3 * main + 0.03 * side;
}

/** Runs `actions` from reset(seed) and returns all observations and rewards, flattened. */
function trajectory(env: LunarLander, seed: number, actions: (number | number[])[]): number[] {
  const out = Array.from(env.reset(seed));
  for (const a of actions) {
    const r = env.step(a);
    out.push(...r.obs, r.reward);
  }
  return out;
}

/** The state with every body moved by (dx, dy), velocities replaced by (vx, vy), no spin. */
function shifted(s: Float64Array, dx: number, dy: number, vx: number, vy: number): Float64Array {
  const out = Float64Array.from(s);
  for (let k = 0; k < 3; k++) out.set([s[6 * k] + dx, s[6 * k + 1] + dy, s[6 * k + 2], vx, vy, 0], 6 * k);
  return out;
}

describe('LunarLander specs', () => {
  it('match the Gymnasium registrations', () => {
    expect(LUNAR_LANDER_V3).toEqual({
      id: 'LunarLander-v3', obsDim: 8, actionSpace: { type: 'discrete', n: 4 }, maxEpisodeSteps: 1000, rewardThreshold: 200,
    });
    expect(LUNAR_LANDER_CONTINUOUS_V3).toEqual({
      id: 'LunarLanderContinuous-v3', obsDim: 8, actionSpace: { type: 'box', low: [-1, -1], high: [1, 1] },
      maxEpisodeSteps: 1000, rewardThreshold: 200,
    });
    expect(new LunarLander().spec).toBe(LUNAR_LANDER_V3);
    expect(new LunarLander(0, { continuous: true }).spec).toBe(LUNAR_LANDER_CONTINUOUS_V3);
  });
});

describe('LunarLander reset and seeding', () => {
  const actions = Array.from({ length: 150 }, (_, t) => [0, 2, 2, 1, 3, 2][t % 6]);

  it('same seed gives the same terrain and trajectory; different seeds differ', () => {
    const a = new LunarLander(0);
    const b = new LunarLander(99);
    expect(trajectory(a, 42, actions)).toEqual(trajectory(b, 42, actions));
    expect(a.terrain).toEqual(b.terrain);
    expect(a.reset(42)).toBeInstanceOf(Float32Array);
    const c = new LunarLander(0);
    expect(trajectory(c, 43, actions).slice(0, 8)).not.toEqual(trajectory(a, 42, actions).slice(0, 8));
    expect(c.terrain.smoothY).not.toEqual(a.terrain.smoothY);
  });

  it('a reseeded reset after an episode repeats it exactly (fresh world each reset)', () => {
    const env = new LunarLander(0, { continuous: true });
    const cont = actions.map((a, t) => [Math.sin(t + a), Math.cos(3 * t)]);
    const first = trajectory(env, 5, cont);
    expect(trajectory(env, 5, cont)).toEqual(first);
  });

  it('reset() continues the stream; the constructor seed equals reset(seed)', () => {
    const env = new LunarLander(0);
    const first = Array.from(env.reset(7));
    const second = Array.from(env.reset());
    expect(second).not.toEqual(first);
    const twin = new LunarLander(7);
    expect(Array.from(twin.reset())).toEqual(first);
    expect(Array.from(twin.reset())).toEqual(second);
  });

  it('terrain and initial force follow the RNG draw order: 12 heights, then force x, y', () => {
    const seed = 11;
    const env = new LunarLander(0);
    env.reset(seed);
    const rng = new Rng(seed);
    const H = 400 / 30;
    const height = Array.from({ length: 12 }, () => rng.uniform(0, H / 2));
    for (let i = 3; i <= 7; i++) height[i] = H / 4;
    const smooth = height.slice(0, 11).map((h, i) => 0.33 * ((i === 0 ? height[11] : height[i - 1]) + h + height[i + 1]));
    expect(env.terrain.smoothY).toEqual(smooth);
    expect(env.terrain.chunkX.map((x) => x * 0.5)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect([env.terrain.helipadX1, env.terrain.helipadX2]).toEqual([8, 12]);

    // After reset's single step the system's momentum is dt * (F + M g): joint forces are internal.
    const fx = rng.uniform(-1000, 1000);
    const fy = rng.uniform(-1000, 1000);
    const { lander, legs } = env.bodies;
    const bodies = [lander, ...legs];
    const M = bodies.reduce((m, b) => m + b.getMass(), 0);
    const px = bodies.reduce((s, b) => s + b.getMass() * b.getLinearVelocity().x, 0);
    const py = bodies.reduce((s, b) => s + b.getMass() * b.getLinearVelocity().y, 0);
    expect(px).toBeCloseTo(DT * fx, 9);
    expect(py).toBeCloseTo(DT * (fy - 10 * M), 9);
  });
});

describe('LunarLander physics', () => {
  it('body masses come from the hull polygon (density 5) and the leg boxes (density 1)', () => {
    const env = new LunarLander(0);
    env.reset(0);
    const poly = [[-14, 17], [-17, 0], [-17, -10], [17, -10], [17, 0], [14, 17]];
    let area = 0;
    for (let i = 0; i < poly.length; i++) {
      const [x1, y1] = poly[i];
      const [x2, y2] = poly[(i + 1) % poly.length];
      area += (x1 * y2 - x2 * y1) / 2;
    }
    expect(env.bodies.lander.getMass()).toBeCloseTo((5 * area) / 900, 12);
    for (const leg of env.bodies.legs) expect(leg.getMass()).toBeCloseTo((4 / 30) * (16 / 30), 12);
  });

  it('free fall with noop: the centre of mass moves ballistically under g = -10 until contact', () => {
    const env = new LunarLander(0);
    env.reset(3);
    const { lander, legs } = env.bodies;
    const bodies = [lander, ...legs];
    const M = bodies.reduce((m, b) => m + b.getMass(), 0);
    const com = (): number[] => {
      const c = [0, 0, 0, 0];
      for (const b of bodies) {
        const p = b.getWorldCenter();
        const v = b.getLinearVelocity();
        c[0] += (b.getMass() * p.x) / M;
        c[1] += (b.getMass() * p.y) / M;
        c[2] += (b.getMass() * v.x) / M;
        c[3] += (b.getMass() * v.y) / M;
      }
      return c;
    };
    let [x, y, vx, vy] = com();
    for (let n = 0; n < 25; n++) {
      const r = env.step(0);
      vy += -10 * DT; // semi-implicit Euler, as Box2D integrates
      x += DT * vx;
      y += DT * vy;
      const c = com();
      expect(Math.abs(c[0] - x) + Math.abs(c[1] - y)).toBeLessThan(1e-9);
      expect(Math.abs(c[2] - vx) + Math.abs(c[3] - vy)).toBeLessThan(1e-9);
      expect(r.obs[6] + r.obs[7]).toBe(0);
      expect(r.terminated).toBe(false);
    }
    expect(bodies.some(touching)).toBe(false);
    // the leg motors (speed -0.3 / +0.3) hold the legs at the joint limits 0.4 and -0.4, measured
    // from the bodies' angles (Box2D's default reference angle 0)
    expect(Math.abs(legs[0].getAngle() - lander.getAngle() - 0.4)).toBeLessThan(0.01);
    expect(Math.abs(legs[1].getAngle() - lander.getAngle() + 0.4)).toBeLessThan(0.01);
  });

  it('the main engine pushes up, the side engines turn opposite ways', () => {
    const run = (a: number): Float32Array => {
      const env = new LunarLander(0);
      env.reset(8);
      let obs: Float32Array = new Float32Array(8);
      for (let t = 0; t < 5; t++) obs = env.step(a).obs;
      return obs;
    };
    const [noop, left, main, right] = [0, 1, 2, 3].map(run);
    expect(main[3] - noop[3]).toBeGreaterThan(0.1);
    expect(left[5]).toBeGreaterThan(noop[5]);
    expect(right[5]).toBeLessThan(noop[5]);
  });
});

describe('LunarLander observation and reward', () => {
  for (const continuous of [false, true]) {
    it(`obs and rewards match an independent computation along a heuristic landing (${continuous ? 'continuous' : 'discrete'})`, () => {
      const env = new LunarLander(0, { continuous });
      let obs = env.reset(0);
      const shaping0 = shapingOf(expectedObs(env));
      let prev = shaping0;
      let fuel = 0;
      let sum = 0;
      let sawContact = false;
      let landed = false;
      for (let t = 0; t < 1000 && !landed; t++) {
        const a = heuristic(obs, continuous);
        const r = env.step(a);
        const s = expectedObs(env);
        for (let i = 0; i < 8; i++) expect(Math.abs(r.obs[i] - s[i]), `obs[${i}] at t=${t}`).toBeLessThan(1e-6 * (1 + Math.abs(s[i])));
        sawContact ||= s[6] + s[7] > 0;
        if (r.terminated) {
          expect(env.bodies.lander.isAwake()).toBe(false); // a landing: the lander fell asleep
          expect(r.reward).toBe(100);
          landed = true;
          break;
        }
        const shaping = shapingOf(s);
        expect(Math.abs(r.reward - (shaping - prev - fuelCost(a))), `reward at t=${t}`).toBeLessThan(1e-9);
        sum += r.reward;
        fuel += fuelCost(a);
        prev = shaping;
        obs = r.obs;
      }
      expect(landed).toBe(true);
      expect(sawContact).toBe(true);
      expect(fuel).toBeGreaterThan(1);
      // the shaping terms telescope: the return before the landing bonus is Δshaping - fuel
      expect(Math.abs(sum - (prev - shaping0 - fuel))).toBeLessThan(1e-6);
    });
  }

  it('the heuristic controller scores above the reward threshold on average, both variants', () => {
    for (const continuous of [false, true]) {
      const env = new LunarLander(0, { continuous });
      const returns: number[] = [];
      for (let seed = 0; seed < 5; seed++) {
        let obs = env.reset(seed);
        let ret = 0;
        for (;;) {
          const r = env.step(heuristic(obs, continuous));
          ret += r.reward;
          obs = r.obs;
          if (r.terminated || r.truncated) break;
        }
        returns.push(ret);
      }
      expect(returns.reduce((a, b) => a + b) / returns.length).toBeGreaterThan(200);
    }
  });
});

describe('LunarLander termination and time limit', () => {
  it('a hull contact (upside-down drop) terminates with -100', () => {
    const env = new LunarLander(0);
    env.reset(1);
    const s = env.getState();
    const flipped = Float64Array.from(s);
    for (let k = 1; k < 3; k++) {
      // rotate each leg by pi about the lander's origin
      flipped[6 * k] = 2 * s[0] - s[6 * k];
      flipped[6 * k + 1] = 2 * s[1] - s[6 * k + 1];
      flipped[6 * k + 2] = s[6 * k + 2] + Math.PI;
    }
    flipped[2] = s[2] + Math.PI;
    env.setState(shifted(flipped, 10 - s[0], HELIPAD_Y + 1 - s[1], 0, -2));
    let r = env.step(0);
    for (let t = 0; t < 50 && !r.terminated; t++) {
      expect(r.reward).not.toBe(-100);
      r = env.step(0);
    }
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-100);
    expect(touching(env.bodies.lander)).toBe(true);
    expect(Math.abs(r.obs[0])).toBeLessThan(1);
    expect(env.getState()[19]).toBe(1);
  });

  it('flying off either side (|x| >= 1) terminates with -100; staying inside does not', () => {
    const env = new LunarLander(0);
    env.reset(2);
    const s = env.getState();
    env.setState(shifted(s, 19.99 - s[0], 0, 2, 0));
    expect(env.step(0)).toMatchObject({ terminated: true, reward: -100 });
    env.setState(shifted(s, 0.01 - s[0], 0, -2, 0));
    const left = env.step(0);
    expect(left).toMatchObject({ terminated: true, reward: -100 });
    expect(left.obs[0]).toBeLessThanOrEqual(-1);
    env.setState(shifted(s, 19.9 - s[0], 0, 0, 0));
    expect(env.step(0).terminated).toBe(false);
  });

  it('truncates on exactly step 1000 (hovering via setState), and reset restarts the count', () => {
    const env = makeEnv('LunarLander-v3', 0);
    env.reset(4);
    const hover = env.getState();
    for (let t = 1; t < 1000; t++) {
      env.setState(hover);
      const r = env.step(t % 4);
      if (r.terminated || r.truncated) throw new Error(`episode ended early at step ${t}`);
    }
    env.setState(shifted(hover, 19.99 - hover[0], 0, 2, 0));
    expect(env.step(0)).toMatchObject({ terminated: true, truncated: true });
    env.reset();
    expect(env.step(0).truncated).toBe(false);
  });
});

describe('LunarLanderContinuous actions', () => {
  const seed = 9;
  const discrete = (a: number): number[] => trajectory(new LunarLander(0), seed, Array(20).fill(a));
  const cont = (a: number[]): number[] => trajectory(new LunarLander(0, { continuous: true }), seed, Array(20).fill(a));

  it('below the thresholds no engine fires: action[0] <= 0, |action[1]| <= 0.5', () => {
    const noop = discrete(0);
    for (const a of [[0, 0], [-1, 0.5], [-0.3, -0.5], [0, 0.49], [-7, 0]]) expect(cont(a), `action ${a}`).toEqual(noop);
  });

  it('full throttle equals the discrete engines; out-of-range actions are clipped first', () => {
    expect(cont([1, 0])).toEqual(discrete(2));
    expect(cont([0, -1])).toEqual(discrete(1));
    expect(cont([0, 1])).toEqual(discrete(3));
    expect(cont([3, -0.2])).toEqual(cont([1, -0.2]));
    expect(cont([0, -5])).toEqual(cont([0, -1]));
  });

  it('just above the thresholds the engines fire at half power', () => {
    expect(enginePowers([1e-6, 0])).toEqual({ mPower: (1e-6 + 1) * 0.5, sPower: 0, direction: 0 });
    expect(enginePowers([0, -0.5000001])).toEqual({ mPower: 0, sPower: 0.5000001, direction: -1 });
    expect(enginePowers([0.5, 0.75])).toEqual({ mPower: 0.75, sPower: 0.75, direction: 1 });
    expect(cont([1e-6, 0])).not.toEqual(discrete(0));
    expect(cont([0, 0.5000001])).not.toEqual(discrete(0));
  });
});

describe('LunarLander state access and validation', () => {
  it('getState has the documented layout and setState(getState()) changes nothing', () => {
    const env = new LunarLander(0);
    env.reset(6);
    for (let t = 0; t < 10; t++) env.step(2);
    const s = env.getState();
    expect(s).toBeInstanceOf(Float64Array);
    expect(s.length).toBe(LUNAR_LANDER_STATE_DIM);
    const { lander, legs } = env.bodies;
    expect([s[0], s[1], s[2]]).toEqual([lander.getPosition().x, lander.getPosition().y, lander.getAngle()]);
    expect([s[9], s[10], s[17]]).toEqual([legs[0].getLinearVelocity().x, legs[0].getLinearVelocity().y, legs[1].getAngularVelocity()]);
    env.setState(s);
    const again = env.getState();
    for (let i = 0; i < s.length; i++) expect(Math.abs(again[i] - s[i])).toBeLessThan(1e-12);
  });

  it('throws on invalid actions, stepping before reset, and bad states (leaving the state unchanged)', () => {
    const env = new LunarLander(0);
    expect(() => env.step(0)).toThrow(/reset/);
    env.reset();
    for (const a of [4, -1, 1.5, NaN, Infinity]) expect(() => env.step(a)).toThrow(/invalid action/);
    expect(() => env.step([0, 1])).toThrow(/invalid action/);
    const c = new LunarLander(0, { continuous: true });
    c.reset();
    for (const a of [0, [0], [0, 0, 0], [NaN, 0], [0, Infinity]]) expect(() => c.step(a)).toThrow(/invalid action/);
    const before = Array.from(env.getState());
    expect(() => env.setState(before.slice(1))).toThrow(/length 20/);
    expect(() => env.setState([...before.slice(0, 5), NaN, ...before.slice(6)])).toThrow(/finite/);
    expect(() => env.setState([...before.slice(0, 19), 0.5])).toThrow(/gameOver/);
    expect(Array.from(env.getState())).toEqual(before);
  });
});
