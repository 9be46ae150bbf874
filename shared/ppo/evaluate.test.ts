import { describe, expect, it } from 'vitest';
import { configFor } from '../config.ts';
import { envSpec, makeEnv } from '../envs/registry.ts';
import { GreedyPolicy, SampledPolicy, evaluatePolicy } from './evaluate.ts';
import { actorCriticLayout, initParams, paramCount } from './params.ts';
import { policyHead } from './policyHead.ts';

/** Plays episodes k = 0..n-1 from reset(seed + k) with a hand-written policy of the raw observation. */
function manual(envId: string, act: (obs: Float32Array) => number | number[], n: number, seed: number): number[] {
  const env = makeEnv(envId, seed);
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    let obs = env.reset(seed + k);
    let ret = 0;
    for (;;) {
      const s = env.step(act(obs));
      ret += s.reward;
      obs = s.obs;
      if (s.terminated || s.truncated) break;
    }
    out.push(ret);
  }
  return out;
}

function zeroParams(envId: string, hiddenSizes: number[]) {
  const spec = envSpec(envId);
  const layout = actorCriticLayout(spec.obsDim, policyHead(spec), hiddenSizes);
  const flat = new Float32Array(paramCount(layout));
  const at = (name: string) => layout.find((p) => p.name === name)!.offset;
  return { flat, at };
}

describe('evaluatePolicy', () => {
  it('categorical: takes the largest logit (equal logits: action 0), episode k from reset(seed + k)', () => {
    const config = { ...configFor('CartPole-v1'), hiddenSizes: [4] };
    const { flat } = zeroParams('CartPole-v1', [4]);
    const returns = evaluatePolicy(config, flat, null, 3, 10);
    expect(returns).toEqual(manual('CartPole-v1', () => 0, 3, 10));
    expect(returns.every((r) => r > 5 && r < 20)).toBe(true); // always pushing left ends an episode fast
  });

  it('Gaussian: acts the mean, clipped to the Box', () => {
    const config = { ...configFor('Pendulum-v1'), gsde: false, hiddenSizes: [4] };
    const { flat, at } = zeroParams('Pendulum-v1', [4]);
    flat[at('actor.1.b')] = 1.5;
    expect(evaluatePolicy(config, flat, null, 2, 0)).toEqual(manual('Pendulum-v1', () => [1.5], 2, 0));
    flat[at('actor.1.b')] = 5; // beyond the bound of 2
    expect(evaluatePolicy(config, flat, null, 2, 0)).toEqual(manual('Pendulum-v1', () => [2], 2, 0));
  });

  it('normalizes observations with the given statistics', () => {
    // one hidden unit tanh(normalized pole angle), logits [0, that]: push right iff the normalized angle is > 0
    const config = { ...configFor('CartPole-v1'), hiddenSizes: [1], normObs: true };
    const { flat, at } = zeroParams('CartPole-v1', [1]);
    flat[at('actor.0.w') + 2] = 1;
    flat[at('actor.1.w') + 1] = 1;
    const stats = (angleMean: number) => Float64Array.from([100, 0, 0, angleMean, 0, 1, 1, 1, 1]); // [count, mean[4], var[4]]
    const balanced = evaluatePolicy(config, flat, stats(0), 2, 4);
    expect(balanced).toEqual(manual('CartPole-v1', (o) => (o[2] > 0 ? 1 : 0), 2, 4));
    expect(evaluatePolicy(config, flat, stats(1), 2, 4)).toEqual(manual('CartPole-v1', () => 0, 2, 4)); // angle - 1 < 0 always
    expect(Math.min(...balanced)).toBeGreaterThan(20); // the angle rule balances longer than pushing left
  });

  it('refuses parameters of the wrong size and a normalized run without its statistics', () => {
    const config = { ...configFor('Acrobot-v1'), hiddenSizes: [4] };
    const { flat } = zeroParams('Acrobot-v1', [4]);
    expect(() => evaluatePolicy(config, flat.subarray(1), null, 1, 0)).toThrow(/Acrobot-v1's model has \d+ params, got/);
    expect(() => evaluatePolicy(config, flat, null, 1, 0)).toThrow(/statistics are needed/);
  });
});

/** A CartPole controller: one hidden unit tanh(10 angle + 2 angular velocity), logits [0, 3 * that]. */
function cartPoleController() {
  const config = configFor('CartPole-v1', { hiddenSizes: [1] });
  const { flat, at } = zeroParams('CartPole-v1', [1]);
  flat[at('actor.0.w') + 2] = 10;
  flat[at('actor.0.w') + 3] = 2;
  flat[at('actor.1.w') + 1] = 3;
  return { config, flat };
}

describe('stochastic evaluation', () => {
  it('categorical: draws each action with its softmax probability; deterministic takes the likelier', () => {
    const config = { ...configFor('CartPole-v1'), hiddenSizes: [4] };
    const { flat, at } = zeroParams('CartPole-v1', [4]);
    flat[at('actor.1.b') + 1] = Math.log(3); // logits [0, ln 3]: p(1) = 0.75 whatever the observation
    const obs = new Float32Array(4);
    const sampled = new SampledPolicy(config, flat, null, 5);
    const n = 4000;
    let ones = 0;
    for (let t = 0; t < n; t++) ones += sampled.act(obs, t) as number;
    expect(Math.abs(ones / n - 0.75)).toBeLessThan(0.03); // 4 standard errors
    expect(new GreedyPolicy(config, flat, null).act(obs)).toBe(1);
  });

  it('Gaussian: draws Normal(mean, exp(logStd)), clipped to the Box', () => {
    const config = { ...configFor('Pendulum-v1'), gsde: false, hiddenSizes: [4] };
    const { flat, at } = zeroParams('Pendulum-v1', [4]);
    flat[at('actor.logStd')] = Math.log(0.4);
    const draws = (mean: number): number[] => {
      flat[at('actor.1.b')] = mean;
      const policy = new SampledPolicy(config, flat, null, 9);
      return Array.from({ length: 4000 }, (_, t) => (policy.act(new Float32Array(3), t) as number[])[0]);
    };
    const xs = draws(0.5);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
    expect(Math.abs(std - 0.4)).toBeLessThan(0.03);
    const near = draws(1.9); // the bound is 2
    expect(Math.max(...near)).toBe(2);
    expect(near.filter((x) => x === 2).length).toBeGreaterThan(near.length / 5); // P(x > 2) = P(z > 0.25) = 0.4
    expect(Math.min(...near)).toBeLessThan(1.5);
  });

  it('gSDE: the exploration matrix is drawn at t = 0 and every sdeSampleFreq steps, fixed in between', () => {
    const base = configFor('Pendulum-v1', { gsde: true, hiddenSizes: [4] });
    const spec = envSpec('Pendulum-v1');
    const layout = actorCriticLayout(spec.obsDim, policyHead(spec), [4], true);
    const flat = initParams(layout, 3, { orthoInit: false, logStdInit: -1 });
    const obs = Float32Array.of(0.3, -0.2, 1);
    const act = (p: SampledPolicy, t: number) => (p.act(obs, t) as number[])[0];
    const fixed = new SampledPolicy({ ...base, sdeSampleFreq: 0 }, flat, null, 1);
    const first = act(fixed, 0);
    expect([1, 2, 3].map((t) => act(fixed, t))).toEqual([first, first, first]); // same features, same matrix
    expect(act(fixed, 0)).not.toBe(first); // a new episode redraws
    const every2 = new SampledPolicy({ ...base, sdeSampleFreq: 2 }, flat, null, 1);
    const a = [0, 1, 2, 3].map((t) => act(every2, t));
    expect(a[0]).toBe(first); // the same seed draws the same first matrix
    expect(a[1]).toBe(a[0]);
    expect(a[2]).not.toBe(a[1]);
    expect(a[3]).toBe(a[2]);
  });

  it('a balancing policy: stochastic returns differ from deterministic ones and are reproducible from the seed', () => {
    const { config, flat } = cartPoleController();
    const deterministic = evaluatePolicy(config, flat, null, 10, 0);
    expect(evaluatePolicy(config, flat, null, 10, 0, 'deterministic')).toEqual(deterministic);
    expect(deterministic).toEqual(Array(10).fill(500));
    const stochastic = evaluatePolicy(config, flat, null, 10, 0, 'stochastic');
    expect(stochastic).toEqual(evaluatePolicy(config, flat, null, 10, 0, 'stochastic'));
    expect(Math.min(...stochastic)).toBeLessThan(500); // exploration noise drops the pole now and then
    expect(evaluatePolicy(config, flat, null, 10, 1, 'stochastic')).not.toEqual(stochastic);
  });
});
