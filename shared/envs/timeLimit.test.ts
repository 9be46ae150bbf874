import { describe, it, expect } from 'vitest';
import { CartPole } from './cartpole.ts';
import { Pendulum } from './pendulum.ts';
import { envIds, envSpec, makeEnv, registerEnv } from './registry.ts';
import { TimeLimit } from './timeLimit.ts';
import type { Env, EnvSpec, StepResult } from './types.ts';

const PROBE_SPEC: EnvSpec = { id: 'TestProbe-v0', obsDim: 1, actionSpace: { type: 'discrete', n: 3 }, maxEpisodeSteps: 4, rewardThreshold: null };

/**
 * Test env with no step counter of its own: obs [position], reward = action. Action 1 terminates,
 * action 2 reports `truncated` itself; anything else but 0 throws. Counts the calls it gets.
 */
class Probe implements Env {
  readonly spec: EnvSpec;
  pos = 0;
  resets: (number | undefined)[] = [];
  steps = 0;
  constructor(spec: EnvSpec = PROBE_SPEC) {
    this.spec = spec;
  }
  reset(seed?: number): Float32Array {
    this.resets.push(seed);
    this.pos = 0;
    return Float32Array.of(this.pos);
  }
  step(action: number | ArrayLike<number>): StepResult {
    if (action !== 0 && action !== 1 && action !== 2) throw new Error(`Probe: invalid action ${String(action)}`);
    this.steps += 1;
    this.pos += 1;
    return { obs: Float32Array.of(this.pos), reward: action, terminated: action === 1, truncated: action === 2 };
  }
  getState(): Float64Array {
    return Float64Array.of(this.pos);
  }
  setState(s: ArrayLike<number>): void {
    this.pos = s[0];
  }
}

/** `truncated` of each of `n` steps with action `a`. */
function truncations(env: Env, n: number, a = 0): boolean[] {
  return Array.from({ length: n }, () => env.step(a).truncated);
}

describe('TimeLimit', () => {
  it('truncates exactly on step maxEpisodeSteps, not before, and stays truncated after it', () => {
    const env = new TimeLimit(new Probe());
    expect(env.maxEpisodeSteps).toBe(4);
    env.reset();
    const results = Array.from({ length: 4 }, () => env.step(0));
    expect(results.map((r) => r.truncated)).toEqual([false, false, false, true]);
    expect(results.map((r) => r.terminated)).toEqual([false, false, false, false]);
    expect(results.map((r) => Array.from(r.obs))).toEqual([[1], [2], [3], [4]]); // obs and reward pass through
    expect(results.map((r) => r.reward)).toEqual([0, 0, 0, 0]);
    expect(env.elapsedSteps).toBe(4);
    expect(env.step(0).truncated).toBe(true); // Gymnasium: elapsed >= max, until the next reset
  });

  it('sets truncated and keeps terminated when the last allowed step terminates', () => {
    const env = new TimeLimit(new Probe());
    env.reset();
    expect(truncations(env, 3)).toEqual([false, false, false]);
    expect(env.step(1)).toMatchObject({ terminated: true, truncated: true, reward: 1 });
  });

  it('leaves a termination before the limit alone (terminated, not truncated)', () => {
    const env = new TimeLimit(new Probe());
    env.reset();
    env.step(0);
    expect(env.step(1)).toMatchObject({ terminated: true, truncated: false });
  });

  it('reset restarts the count, and passes the seed through', () => {
    const inner = new Probe();
    const env = new TimeLimit(inner);
    env.reset(7);
    expect(truncations(env, 3)).toEqual([false, false, false]);
    env.reset();
    expect(env.elapsedSteps).toBe(0);
    expect(truncations(env, 4)).toEqual([false, false, false, true]);
    env.reset(9);
    expect(truncations(env, 4)).toEqual([false, false, false, true]);
    expect(inner.resets).toEqual([7, undefined, 9]);
  });

  it('keeps the inner env\'s own truncated flag', () => {
    const env = new TimeLimit(new Probe());
    env.reset();
    expect(env.step(2)).toMatchObject({ truncated: true, terminated: false });
  });

  it('does not count a step that throws', () => {
    const inner = new Probe();
    const env = new TimeLimit(inner);
    env.reset();
    expect(() => env.step(5)).toThrow(/invalid action/);
    expect(env.elapsedSteps).toBe(0);
    expect(truncations(env, 4)).toEqual([false, false, false, true]);
    expect(inner.steps).toBe(4);
  });

  it('passes spec, getState and setState through; setState leaves the count alone', () => {
    const inner = new Probe();
    const env = new TimeLimit(inner);
    expect(env.spec).toBe(PROBE_SPEC);
    expect(env.env).toBe(inner);
    env.reset();
    env.step(0);
    env.step(0);
    env.setState([-10]);
    expect(inner.pos).toBe(-10);
    expect(Array.from(env.getState())).toEqual([-10]);
    expect(env.elapsedSteps).toBe(2);
    expect(env.step(0).obs[0]).toBe(-9);
    expect(env.step(0).truncated).toBe(true); // step 4 despite the setState
  });

  it('truncates on the first step when maxEpisodeSteps is 1', () => {
    const env = new TimeLimit(new Probe({ ...PROBE_SPEC, maxEpisodeSteps: 1 }));
    env.reset();
    expect(env.step(0).truncated).toBe(true);
  });

  it('rejects a spec whose maxEpisodeSteps is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      const probe = new Probe({ ...PROBE_SPEC, maxEpisodeSteps: bad });
      expect(() => new TimeLimit(probe)).toThrow(/maxEpisodeSteps must be a positive integer/);
    }
  });
});

describe('makeEnv applies TimeLimit', () => {
  it('wraps every built-in env with its registered limit and spec', () => {
    const builtIn = [
      'CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1',
      'LunarLander-v3', 'LunarLanderContinuous-v3',
    ];
    expect(envIds()).toEqual(expect.arrayContaining(builtIn));
    for (const id of builtIn) {
      const env = makeEnv(id, 0);
      expect(env).toBeInstanceOf(TimeLimit);
      expect((env as TimeLimit).maxEpisodeSteps).toBe(envSpec(id).maxEpisodeSteps);
      expect(env.spec).toBe(envSpec(id));
    }
  });

  it('bare envs count no steps: a bare Pendulum never truncates, the made one does at 200', () => {
    const bare = new Pendulum(1);
    const made = makeEnv('Pendulum-v1', 1);
    bare.reset();
    made.reset();
    for (let t = 1; t <= 250; t++) {
      const a = [(t % 5) - 2];
      const b = bare.step(a);
      const m = made.step(a);
      expect(b.truncated).toBe(false);
      expect(m.truncated).toBe(t >= 200);
      expect(Array.from(m.obs)).toEqual(Array.from(b.obs));
      expect(m.reward).toBe(b.reward);
    }
  });

  it('a made CartPole-v1 runs the bare dynamics step for step', () => {
    const bare = new CartPole(0);
    const made = makeEnv('CartPole-v1', 0);
    expect(Array.from(made.reset(4))).toEqual(Array.from(bare.reset(4)));
    for (let t = 0; t < 40; t++) {
      const a = t % 3 === 0 ? 1 : 0;
      const b = bare.step(a);
      expect(made.step(a)).toEqual(b);
    }
    expect(Array.from(made.getState())).toEqual(Array.from(bare.getState()));
  });

  it('truncates a registered custom env that has no counter of its own at the registered limit', () => {
    const spec: EnvSpec = { ...PROBE_SPEC, id: 'TestNoCounter-v0', maxEpisodeSteps: 6 };
    registerEnv(spec, () => new Probe(spec));
    const env = makeEnv('TestNoCounter-v0', 0);
    env.reset();
    expect(truncations(env, 6)).toEqual([false, false, false, false, false, true]);
    env.reset();
    expect(truncations(env, 5)).toEqual([false, false, false, false, false]);
    expect(env.step(1)).toMatchObject({ terminated: true, truncated: true });
    // the factory's own env does not truncate: the limit comes from makeEnv
    const bare = new Probe(spec);
    bare.reset();
    expect(truncations(bare, 8)).toEqual(new Array(8).fill(false));
  });

  it('rejects a factory whose env reports another ID or time limit than the registered spec', () => {
    const spec: EnvSpec = { ...PROBE_SPEC, id: 'TestMismatch-v0', maxEpisodeSteps: 6 };
    registerEnv(spec, () => new Probe({ ...spec, maxEpisodeSteps: 7 }));
    expect(() => makeEnv('TestMismatch-v0', 0)).toThrow(/TestMismatch-v0.*maxEpisodeSteps 7.*registered.*6/);
    registerEnv({ ...spec, id: 'TestOtherId-v0' }, () => new Probe(spec));
    expect(() => makeEnv('TestOtherId-v0', 0)).toThrow(/TestOtherId-v0.*TestMismatch-v0/);
  });
});
