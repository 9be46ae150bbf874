import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { categoricalEntropy, logSoftmaxRow, sampleCategorical } from './categorical.ts';

function softmax(row: number[]): number[] {
  const z = row.map(Math.exp);
  const s = z.reduce((a, b) => a + b, 0);
  return z.map((v) => v / s);
}

describe('logSoftmaxRow', () => {
  it('matches log(softmax) of the chosen row', () => {
    const logits = Float32Array.from([9, 9, 9, 0.5, -1, 2]); // [2, 3]
    const out = new Float64Array(3);
    logSoftmaxRow(logits, 1, 3, out); // row 1 = [0.5, -1, 2]
    const p = softmax([0.5, -1, 2]);
    for (let a = 0; a < 3; a++) expect(out[a]).toBeCloseTo(Math.log(p[a]), 6);
  });

  it('is stable for huge logits', () => {
    const out = new Float64Array(2);
    logSoftmaxRow(Float32Array.from([1000, 0]), 0, 2, out);
    expect(out[0]).toBeCloseTo(0, 10);
    expect(out[1]).toBeCloseTo(-1000, 6);
  });
});

describe('sampleCategorical', () => {
  const row = [0.5, -1, 2, 0];
  const probs = softmax(row);

  it('stratified u reproduces softmax frequencies to 1/N and writes log-probs', () => {
    const n = 10_000;
    const logits = new Float32Array(n * 4);
    for (let b = 0; b < n; b++) logits.set(row, b * 4);
    let i = 0;
    const u = (): number => (i++ + 0.5) / n;
    const actions = new Int32Array(n);
    const logp = new Float32Array(n);
    sampleCategorical(logits, n, 4, u, actions, logp);
    const counts = [0, 0, 0, 0];
    for (let b = 0; b < n; b++) counts[actions[b]]++;
    for (let a = 0; a < 4; a++) expect(Math.abs(counts[a] / n - probs[a])).toBeLessThanOrEqual(1 / n + 1e-9);
    for (let b = 0; b < n; b++) expect(logp[b]).toBeCloseTo(Math.log(probs[actions[b]]), 5);
  });

  it('seeded random u matches softmax frequencies within sampling noise', () => {
    const n = 40_000;
    const logits = new Float32Array(n * 4);
    for (let b = 0; b < n; b++) logits.set(row, b * 4);
    const rng = new Rng(3);
    const actions = new Int32Array(n);
    sampleCategorical(logits, n, 4, () => rng.next(), actions, new Float32Array(n));
    const counts = [0, 0, 0, 0];
    for (let b = 0; b < n; b++) counts[actions[b]]++;
    for (let a = 0; a < 4; a++) {
      const sd = Math.sqrt((probs[a] * (1 - probs[a])) / n);
      expect(Math.abs(counts[a] / n - probs[a])).toBeLessThan(4 * sd);
    }
  });

  it('inverse CDF picks the smallest action with cdf > u, never a zero-probability one', () => {
    const logits = Float32Array.from([-Infinity, 0, 0, -Infinity]);
    const actions = new Int32Array(1);
    const logp = new Float32Array(1);
    for (const [u, expected] of [[0, 1], [0.49, 1], [0.5, 2], [1 - 1e-12, 2]] as const) {
      sampleCategorical(logits, 1, 4, () => u, actions, logp);
      expect(actions[0]).toBe(expected);
      expect(logp[0]).toBeCloseTo(Math.log(0.5), 6);
    }
  });

  it('u just below 1 never falls through to a zero-probability last action (cdf round-off)', () => {
    const rng = new Rng(9);
    const n = 2000;
    const logits = new Float32Array(n * 4);
    for (let b = 0; b < n; b++) logits.set([rng.normal(), rng.normal(), rng.normal(), -Infinity], b * 4);
    const actions = new Int32Array(n);
    const logp = new Float32Array(n);
    sampleCategorical(logits, n, 4, () => 1 - 2 ** -53, actions, logp);
    for (let b = 0; b < n; b++) {
      expect(actions[b]).toBe(2);
      expect(Number.isFinite(logp[b])).toBe(true);
    }
  });

  it('samples each row from its own logits', () => {
    const logits = Float32Array.from([50, 0, 0, 50, 0, 50]); // rows certain of 0, 1, 1
    const actions = new Int32Array(3);
    sampleCategorical(logits, 3, 2, () => 0.3, actions, new Float32Array(3));
    expect(Array.from(actions)).toEqual([0, 1, 1]);
  });
});

describe('categoricalEntropy', () => {
  it('is ln A for uniform logits and matches -sum p log p otherwise', () => {
    const h = categoricalEntropy(Float32Array.from([3, 3, 3, 3, 0.5, -1, 2, 0]), 2, 4);
    expect(h[0]).toBeCloseTo(Math.log(4), 6);
    const p = softmax([0.5, -1, 2, 0]);
    expect(h[1]).toBeCloseTo(-p.reduce((s, q) => s + q * Math.log(q), 0), 6);
  });
});
