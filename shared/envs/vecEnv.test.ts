import { describe, it, expect } from 'vitest';
import { Rng } from '../rng.ts';
import { CartPole } from './cartpole.ts';
import { envIds, envSpec, makeEnv, registerEnv } from './registry.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';
import { VecEnv } from './vecEnv.ts';

const OBS_DIM = 4;

function row(obs: Float32Array, i: number, dim = OBS_DIM): number[] {
  return Array.from(obs.subarray(i * dim, (i + 1) * dim));
}

/**
 * Test env: obs [t], reward = action + 0.5; never terminates and never truncates itself: makeEnv's
 * TimeLimit truncates it at the registered maxEpisodeSteps, 3.
 */
const COUNTER_SPEC: EnvSpec = { id: 'TestCounter-v0', obsDim: 1, actionSpace: { type: 'discrete', n: 3 }, maxEpisodeSteps: 3, rewardThreshold: 0 };
class Counter implements Env {
  readonly spec = COUNTER_SPEC;
  private t = 0;
  reset(): Float32Array {
    this.t = 0;
    return Float32Array.of(0);
  }
  step(action: number): StepResult {
    this.t += 1;
    return { obs: Float32Array.of(this.t), reward: action + 0.5, terminated: false, truncated: false };
  }
  getState(): Float64Array {
    return Float64Array.of(this.t);
  }
  setState(s: ArrayLike<number>): void {
    this.t = s[0];
  }
}
registerEnv(COUNTER_SPEC, () => new Counter());

describe('registry', () => {
  it('knows CartPole-v1 and makes seeded envs', () => {
    expect(envIds()).toContain('CartPole-v1');
    expect(envSpec('CartPole-v1').rewardThreshold).toBe(475);
    const env = makeEnv('CartPole-v1', 9);
    expect(Array.from(env.reset())).toEqual(Array.from(new CartPole(0).reset(9)));
  });

  it('throws on unknown IDs, listing the known ones', () => {
    expect(() => makeEnv('CartPole-v9', 0)).toThrow(/unknown env ID "CartPole-v9".*CartPole-v1/);
    expect(() => envSpec('Nope')).toThrow(/CartPole-v1/);
    expect(() => registerEnv(COUNTER_SPEC, () => new Counter())).toThrow(/already registered/);
  });
});

describe('VecEnv on CartPole-v1', () => {
  it('reset seeds env i with seed + i', () => {
    const vec = new VecEnv('CartPole-v1', 3, 100);
    expect(vec.numEnvs).toBe(3);
    expect(vec.spec.id).toBe('CartPole-v1');
    const obs = vec.reset();
    expect(obs.length).toBe(3 * OBS_DIM);
    const refs = [0, 1, 2].map(() => new CartPole(0));
    for (let i = 0; i < 3; i++) expect(row(obs, i)).toEqual(Array.from(refs[i].reset(100 + i)));
    // a second reset starts each env from a seed of its own, drawn deterministically, and says which
    const again = vec.reset();
    const seeds = new Rng(-1 - 100);
    for (let i = 0; i < 3; i++) {
      const s = seeds.nextUint32();
      expect(vec.seedOf(i)).toBe(s);
      expect(row(again, i)).toEqual(Array.from(refs[i].reset(s)));
      expect(row(again, i)).not.toEqual(row(obs, i));
    }
  });

  it('auto-resets and reports episodes exactly as single envs stepped by hand', () => {
    const numEnvs = 3;
    const seed = 20;
    const vec = new VecEnv('CartPole-v1', numEnvs, seed);
    vec.reset();
    // reference: one CartPole-v1 (with its time limit) per env, seeded with seed + i, always pushed right
    const refs = Array.from({ length: numEnvs }, () => makeEnv('CartPole-v1', 0));
    refs.forEach((r, i) => r.reset(seed + i));
    const refSeed = refs.map((_, i) => seed + i);
    const refReturn = new Array<number>(numEnvs).fill(0);
    const refLength = new Array<number>(numEnvs).fill(0);
    const episodesSeen = new Array<number>(numEnvs).fill(0);
    const actions = new Array<number>(numEnvs).fill(1);

    for (let t = 0; t < 200; t++) {
      const out = vec.step(actions);
      const expectedFinished: { env: number; return: number; length: number; trace: { seed: number; actions: Float32Array } }[] = [];
      for (let i = 0; i < numEnvs; i++) {
        const r = refs[i].step(1);
        refReturn[i] += r.reward;
        refLength[i] += 1;
        expect(out.rewards[i]).toBe(r.reward);
        expect(out.terminated[i]).toBe(r.terminated ? 1 : 0);
        expect(out.truncated[i]).toBe(r.truncated ? 1 : 0);
        if (r.terminated || r.truncated) {
          expect(Array.from(out.finalObs[i]!)).toEqual(Array.from(r.obs));
          expectedFinished.push({ env: i, return: refReturn[i], length: refLength[i], trace: { seed: refSeed[i], actions: new Float32Array(refLength[i]).fill(1) } });
          refReturn[i] = 0;
          refLength[i] = 0;
          episodesSeen[i] += 1;
          refSeed[i] = vec.seedOf(i); // the next episode's seed, which the VecEnv drew
          const fresh = refs[i].reset(refSeed[i]);
          expect(row(out.obs, i)).toEqual(Array.from(fresh));
          expect(row(out.obs, i)).not.toEqual(Array.from(r.obs));
        } else {
          expect(out.finalObs[i]).toBeNull();
          expect(row(out.obs, i)).toEqual(Array.from(r.obs));
        }
      }
      expect(out.finished).toEqual(expectedFinished);
    }
    // always-right episodes are short, so every env went through several resets
    for (const n of episodesSeen) expect(n).toBeGreaterThanOrEqual(3);
  });

  it('episode length equals the number of steps until terminated, and return counts 1 per step', () => {
    const vec = new VecEnv('CartPole-v1', 1, 5);
    vec.reset();
    let steps = 0;
    for (;;) {
      const out = vec.step([1]);
      steps += 1;
      if (out.finished.length > 0) {
        expect(out.finished).toMatchObject([{ env: 0, return: steps, length: steps, trace: { seed: 5 } }]);
        break;
      }
      if (steps > 500) throw new Error('never finished');
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const run = (seed: number): number[] => {
      const vec = new VecEnv('CartPole-v1', 4, seed);
      const policy = new Rng(1);
      const trace = Array.from(vec.reset());
      for (let t = 0; t < 100; t++) {
        const out = vec.step(Array.from({ length: 4 }, () => policy.int(2)));
        trace.push(...out.obs, ...out.rewards, ...out.finished.map((f) => f.length));
      }
      return trace;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('reset() returns a copy that later steps do not overwrite', () => {
    const vec = new VecEnv('CartPole-v1', 2, 0);
    const first = vec.reset();
    const kept = Array.from(first);
    vec.step([0, 1]);
    expect(Array.from(first)).toEqual(kept);
  });

  it('rejects bad input without moving any env', () => {
    const a = new VecEnv('CartPole-v1', 2, 3);
    const b = new VecEnv('CartPole-v1', 2, 3);
    expect(() => a.step([0, 1])).toThrow(/reset/);
    a.reset();
    b.reset();
    expect(() => a.step([1])).toThrow(/expected 2 actions/);
    expect(() => a.step([1, 2])).toThrow(/actions\[1\]/);
    expect(() => a.step([1, 0.5])).toThrow(/actions\[1\]/);
    expect(() => a.step([-1, 0])).toThrow(/actions\[0\]/);
    expect(Array.from(a.step([1, 0]).obs)).toEqual(Array.from(b.step([1, 0]).obs));
    expect(() => new VecEnv('CartPole-v1', 0, 0)).toThrow(/numEnvs/);
    expect(() => new VecEnv('CartPole-v1', 2, 0.5)).toThrow(/seed/);
    expect(() => new VecEnv('Nope-v0', 2, 0)).toThrow(/unknown env ID/);
  });
});

describe('VecEnv truncation (counter env)', () => {
  it('resets truncated envs in the same step and reports their episodes', () => {
    const vec = new VecEnv('TestCounter-v0', 2, 0);
    expect(Array.from(vec.reset())).toEqual([0, 0]);
    const actions = [0, 2];
    for (let t = 1; t <= 7; t++) {
      const out = vec.step(actions);
      const ended = t % 3 === 0;
      expect(Array.from(out.truncated)).toEqual(ended ? [1, 1] : [0, 0]);
      expect(Array.from(out.terminated)).toEqual([0, 0]);
      expect(Array.from(out.obs)).toEqual(ended ? [0, 0] : [t % 3, t % 3]);
      if (ended) {
        expect(out.finalObs.map((o) => Array.from(o!))).toEqual([[3], [3]]);
        expect(out.finished).toMatchObject([
          { env: 0, return: 3 * 0.5, length: 3, trace: { actions: Float32Array.of(0, 0, 0) } },
          { env: 1, return: 3 * 2.5, length: 3, trace: { actions: Float32Array.of(2, 2, 2) } },
        ]);
      } else {
        expect(out.finalObs).toEqual([null, null]);
        expect(out.finished).toEqual([]);
      }
    }
  });
});

/** Test env with a 2-D Box: obs is the action it was given; reward is their sum. */
const BOX2_SPEC: EnvSpec = {
  id: 'TestBox2-v0',
  obsDim: 2,
  actionSpace: { type: 'box', low: [-1, -1], high: [1, 1] },
  maxEpisodeSteps: 100,
  rewardThreshold: null,
};
const box2Seen: ArrayLike<number>[] = [];
class Box2 implements Env {
  readonly spec = BOX2_SPEC;
  reset(): Float32Array {
    return new Float32Array(2);
  }
  step(action: number | ArrayLike<number>): StepResult {
    if (typeof action === 'number') throw new Error('Box2 wants an array');
    box2Seen.push(action);
    return { obs: Float32Array.from(action), reward: action[0] + action[1], terminated: false, truncated: false };
  }
  getState(): Float64Array {
    return new Float64Array(0);
  }
  setState(): void {}
}
registerEnv(BOX2_SPEC, () => new Box2());

describe('VecEnv with Box action spaces', () => {
  it('passes env i row i of the [E, actionDim] actions (a subarray of a typed array)', () => {
    const vec = new VecEnv('TestBox2-v0', 3, 0);
    expect(vec.actionDim).toBe(2);
    vec.reset();
    box2Seen.length = 0;
    const actions = Float32Array.of(0.1, 0.2, -0.3, 0.4, 5, -6); // [3, 2]; clipping is the env's job
    const out = vec.step(actions);
    expect(box2Seen.map((a) => Array.from(a))).toEqual([
      [actions[0], actions[1]],
      [actions[2], actions[3]],
      [5, -6],
    ]);
    for (const a of box2Seen) expect((a as Float32Array).buffer).toBe(actions.buffer);
    expect(Array.from(out.obs)).toEqual(Array.from(actions));
    box2Seen.length = 0;
    vec.step([1, 2, 3, 4, 5, 6]); // plain arrays work too
    expect(box2Seen.map((a) => Array.from(a))).toEqual([[1, 2], [3, 4], [5, 6]]);
  });

  it('rejects a wrong length or non-finite / non-float32 values before any env moves', () => {
    const vec = new VecEnv('TestBox2-v0', 2, 0);
    vec.reset();
    box2Seen.length = 0;
    expect(() => vec.step([0, 0, 0])).toThrow(/expected 4 action values \(\[2, 2\]\), got 3/);
    expect(() => vec.step([0, 0])).toThrow(/expected 4/);
    expect(() => vec.step([0, 0, NaN, 0])).toThrow(/actions\[2\] \(env 1\)/);
    expect(() => vec.step([0, 0, 0, Infinity])).toThrow(/finite float32/);
    expect(() => vec.step([0, 0, 0, 1e39])).toThrow(/finite float32/);
    expect(box2Seen).toEqual([]);
  });

  it('steps Pendulum-v1 envs exactly as single envs stepped by hand, with auto-reset at 200', () => {
    const numEnvs = 2;
    const vec = new VecEnv('Pendulum-v1', numEnvs, 30);
    const obs0 = vec.reset();
    const refs = [0, 1].map(() => makeEnv('Pendulum-v1', 0));
    refs.forEach((r, i) => expect(row(obs0, i, 3)).toEqual(Array.from(r.reset(30 + i))));
    const policy = new Rng(2);
    for (let t = 1; t <= 205; t++) {
      const actions = Float32Array.from({ length: numEnvs }, () => policy.uniform(-3, 3));
      const out = vec.step(actions);
      for (let i = 0; i < numEnvs; i++) {
        const r = refs[i].step([actions[i]]);
        expect(out.rewards[i]).toBe(Math.fround(r.reward));
        expect(out.truncated[i]).toBe(t === 200 ? 1 : 0);
        const expected = r.truncated ? refs[i].reset(vec.seedOf(i)) : r.obs;
        expect(row(out.obs, i, 3)).toEqual(Array.from(expected));
      }
      expect(out.finished.length).toBe(t === 200 ? 2 : 0);
    }
  });

  it('MountainCarContinuous-v0 and the discrete classic-control envs run through VecEnv', () => {
    const cont = new VecEnv('MountainCarContinuous-v0', 2, 0);
    cont.reset();
    expect(cont.step(Float32Array.of(1, -1)).obs.length).toBe(4);
    for (const id of ['Acrobot-v1', 'MountainCar-v0']) {
      const vec = new VecEnv(id, 2, 0);
      vec.reset();
      expect(vec.actionDim).toBe(1);
      expect(vec.step([0, 2]).rewards[0]).toBe(-1);
      expect(() => vec.step([0, 3])).toThrow(/actions\[1\]/);
    }
  });
});
