import { describe, expect, it } from 'vitest';
import { RunningMeanStd } from './runningStats.ts';
import { Rng } from '../rng.ts';

/** Plain two-pass mean and population variance per column. */
function reference(rows: number[][]): { mean: number[]; var: number[] } {
  const d = rows[0].length;
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  const variance = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / rows.length);
  return { mean, var: variance };
}

describe('RunningMeanStd', () => {
  const rng = new Rng(3);
  const rows = Array.from({ length: 300 }, () => [rng.normal() * 3 + 1, rng.uniform(-5, 20), rng.normal() * 0.01]);

  it('merging per-worker deltas equals one pass over all the data', () => {
    // Three "workers" see different, unequal slices; the coordinator merges their deltas.
    const global = new RunningMeanStd(3, 'empty');
    for (const [a, b] of [[0, 17], [17, 150], [150, 300]]) {
      const delta = new RunningMeanStd(3, 'empty');
      const slice = rows.slice(a, b);
      // each worker updates in two chunks
      delta.update(slice.slice(0, 5).flat(), Math.min(5, slice.length));
      delta.update(slice.slice(5).flat(), slice.length - 5);
      global.merge(RunningMeanStd.fromArray(3, delta.toArray()));
    }
    const ref = reference(rows);
    expect(global.count).toBe(300);
    for (let j = 0; j < 3; j++) {
      expect(global.mean[j]).toBeCloseTo(ref.mean[j], 10);
      expect(global.var[j] / ref.var[j]).toBeCloseTo(1, 10);
    }
  });

  it('starts from VecNormalize\'s prior and normalizes with clipping', () => {
    const s = new RunningMeanStd(2);
    expect([s.count, ...s.mean, ...s.var]).toEqual([1e-4, 0, 0, 1, 1]);
    const t = new RunningMeanStd(2, 'empty');
    t.update([10, -10, 14, -10], 2); // mean [12, -10], var [4, 0]
    const out = t.normalize([14, -10, 1000, -9], 2, 5, new Float32Array(4));
    expect(out[0]).toBeCloseTo(1, 6);
    expect(out[1]).toBe(0);
    expect(out[2]).toBe(5);
    expect(out[3]).toBe(5); // 1 / sqrt(0 + 1e-8), clipped
  });

  it('rejects malformed serialized stats', () => {
    expect(() => RunningMeanStd.fromArray(2, [1, 0, 0, 1])).toThrow(/need 5/);
    expect(() => RunningMeanStd.fromArray(2, [1, 0, NaN, 1, 1])).toThrow(/non-finite/);
    expect(() => RunningMeanStd.fromArray(2, [-1, 0, 0, 1, 1])).toThrow(/count/);
    expect(() => RunningMeanStd.fromArray(2, [1, 0, 0, -1, 1])).toThrow(/variance/);
    expect(() => new RunningMeanStd(2).merge(new RunningMeanStd(3))).toThrow(/dim/);
  });
});
