import { describe, expect, it } from 'vitest';
import { configFor } from '../config.ts';
import { envSpec, makeEnv } from '../envs/registry.ts';
import { evaluatePolicy } from './evaluate.ts';
import { actorCriticLayout, paramCount } from './params.ts';
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
