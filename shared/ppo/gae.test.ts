import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { computeGae } from './gae.ts';

/** Independent reference: one env at a time, nested arrays, forward recursion-free sums. */
function referenceGae(
  rewards: number[][], // [E][T]
  values: number[][],
  dones: number[][],
  lastValues: number[],
  gamma: number,
  gaeLambda: number,
): { adv: number[][]; ret: number[][] } {
  const adv: number[][] = [];
  const ret: number[][] = [];
  for (let e = 0; e < rewards.length; e++) {
    const T = rewards[e].length;
    const deltas: number[] = [];
    for (let t = 0; t < T; t++) {
      const vNext = t + 1 < T ? values[e][t + 1] : lastValues[e];
      deltas.push(rewards[e][t] + (dones[e][t] ? 0 : gamma * vNext) - values[e][t]);
    }
    // A_t = sum_k (gamma*lambda)^k delta_{t+k}, stopping after the first done at or after t.
    const a: number[] = [];
    for (let t = 0; t < T; t++) {
      let sum = 0;
      let w = 1;
      for (let k = t; k < T; k++) {
        sum += w * deltas[k];
        if (dones[e][k]) break;
        w *= gamma * gaeLambda;
      }
      a.push(sum);
    }
    adv.push(a);
    ret.push(a.map((x, t) => x + values[e][t]));
  }
  return { adv, ret };
}

describe('computeGae', () => {
  it('matches a hand-computed tiny case', () => {
    // gamma 0.9, lambda 0.5, episode ends at t=1.
    // t=2: delta = 3 + 0.9*2 - 1.5 = 3.3, A = 3.3
    // t=1: delta = 2 - 1 = 1 (done), A = 1
    // t=0: delta = 1 + 0.9*1 - 0.5 = 1.4, A = 1.4 + 0.45*1 = 1.85
    const { advantages, returns } = computeGae(
      Float32Array.from([1, 2, 3]), Float32Array.from([0.5, 1, 1.5]), Uint8Array.from([0, 1, 0]), Float32Array.from([2]), 3, 1, 0.9, 0.5,
    );
    const expectedAdv = [1.85, 1, 3.3];
    const expectedRet = [2.35, 2, 4.8];
    for (let t = 0; t < 3; t++) {
      expect(advantages[t]).toBeCloseTo(expectedAdv[t], 6);
      expect(returns[t]).toBeCloseTo(expectedRet[t], 6);
    }
  });

  it('with gamma = lambda = 1 and no dones gives reward-to-go + V_T - V_t', () => {
    const { advantages } = computeGae(
      Float32Array.from([1, 1, 1, 1]), Float32Array.from([0, 0, 0, 0]), new Uint8Array(4), Float32Array.from([10]), 4, 1, 1, 1,
    );
    expect(Array.from(advantages)).toEqual([14, 13, 12, 11]);
  });

  it('matches a plain per-env loop on random data with episode ends', () => {
    const T = 37;
    const E = 5;
    const gamma = 0.97;
    const gaeLambda = 0.9;
    const rng = new Rng(42);
    const rewards = new Float32Array(T * E);
    const values = new Float32Array(T * E);
    const dones = new Uint8Array(T * E);
    const lastValues = Float32Array.from({ length: E }, () => rng.normal());
    for (let i = 0; i < T * E; i++) {
      rewards[i] = rng.normal();
      values[i] = rng.normal();
      dones[i] = rng.next() < 0.1 ? 1 : 0;
    }
    dones[(T - 1) * E + 2] = 1; // an episode ending on the last step: lastValues[2] must be ignored
    let doneCount = 0;
    for (const d of dones) doneCount += d;
    expect(doneCount).toBeGreaterThan(5);

    const byEnv = (x: ArrayLike<number>): number[][] =>
      Array.from({ length: E }, (_, e) => Array.from({ length: T }, (_, t) => x[t * E + e]));
    const ref = referenceGae(byEnv(rewards), byEnv(values), byEnv(dones), Array.from(lastValues), gamma, gaeLambda);
    const { advantages, returns } = computeGae(rewards, values, dones, lastValues, T, E, gamma, gaeLambda);
    for (let t = 0; t < T; t++) {
      for (let e = 0; e < E; e++) {
        expect(advantages[t * E + e]).toBeCloseTo(ref.adv[e][t], 5);
        expect(returns[t * E + e]).toBeCloseTo(ref.ret[e][t], 5);
      }
    }
  });

  it('rejects mismatched shapes', () => {
    expect(() => computeGae(new Float32Array(6), new Float32Array(6), new Uint8Array(6), new Float32Array(3), 3, 2, 0.99, 0.95)).toThrow(RangeError);
  });
});
