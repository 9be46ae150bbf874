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

/** Test env: obs [t], reward = action + 0.5, truncated when t reaches 3; never terminates. */
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
    return { obs: Float32Array.of(this.t), reward: action + 0.5, terminated: false, truncated: this.t >= 3 };
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
    // a second reset continues each env's stream instead of reseeding
    const again = vec.reset();
    for (let i = 0; i < 3; i++) {
      expect(row(again, i)).toEqual(Array.from(refs[i].reset()));
      expect(row(again, i)).not.toEqual(row(obs, i));
    }
  });

  it('auto-resets and reports episodes exactly as single envs stepped by hand', () => {
    const numEnvs = 3;
    const seed = 20;
    const vec = new VecEnv('CartPole-v1', numEnvs, seed);
    vec.reset();
    // reference: one CartPole per env, seeded with seed + i, always pushed right
    const refs = Array.from({ length: numEnvs }, () => new CartPole(0));
    refs.forEach((r, i) => r.reset(seed + i));
    const refReturn = new Array<number>(numEnvs).fill(0);
    const refLength = new Array<number>(numEnvs).fill(0);
    const episodesSeen = new Array<number>(numEnvs).fill(0);
    const actions = new Array<number>(numEnvs).fill(1);

    for (let t = 0; t < 200; t++) {
      const out = vec.step(actions);
      const expectedFinished: { env: number; return: number; length: number }[] = [];
      for (let i = 0; i < numEnvs; i++) {
        const r = refs[i].step(1);
        refReturn[i] += r.reward;
        refLength[i] += 1;
        expect(out.rewards[i]).toBe(r.reward);
        expect(out.terminated[i]).toBe(r.terminated ? 1 : 0);
        expect(out.truncated[i]).toBe(r.truncated ? 1 : 0);
        if (r.terminated || r.truncated) {
          expect(Array.from(out.finalObs[i]!)).toEqual(Array.from(r.obs));
          expectedFinished.push({ env: i, return: refReturn[i], length: refLength[i] });
          refReturn[i] = 0;
          refLength[i] = 0;
          episodesSeen[i] += 1;
          const fresh = refs[i].reset(); // the stream continues
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
        expect(out.finished).toEqual([{ env: 0, return: steps, length: steps }]);
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
        expect(out.finished).toEqual([
          { env: 0, return: 3 * 0.5, length: 3 },
          { env: 1, return: 3 * 2.5, length: 3 },
        ]);
      } else {
        expect(out.finalObs).toEqual([null, null]);
        expect(out.finished).toEqual([]);
      }
    }
  });
});
