import { describe, expect, it } from 'vitest';
import { Adam } from './adam.ts';

const opts = { beta1: 0.9, beta2: 0.999, eps: 1e-5 };

/** Adam written out by hand in float64 over plain arrays (torch.optim.Adam's equations). */
function reference(p0: number[], grads: number[][], lrs: number[]): number[] {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, step) => {
    const t = step + 1;
    for (let i = 0; i < p.length; i++) {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      const mHat = m[i] / (1 - 0.9 ** t);
      const vHat = v[i] / (1 - 0.999 ** t);
      p[i] -= (lrs[step] * mHat) / (Math.sqrt(vHat) + 1e-5);
    }
  });
  return p;
}

describe('Adam', () => {
  it('matches the Adam equations over two steps', () => {
    const p0 = [0.5, -1.0, 2.0, 0.0];
    const g1 = [0.1, -0.2, 3.0, 1e-4];
    const g2 = [-0.3, -0.1, 0.5, 2e-4];
    const adam = new Adam(4, opts);
    const params = adam.params;
    params.set(p0);
    adam.step(new Float32Array(g1), 1e-2);
    const ref1 = reference(p0, [g1], [1e-2]);
    ref1.forEach((x, i) => expect(params[i]).toBeCloseTo(x, 6));
    adam.step(new Float32Array(g2), 5e-3);
    const ref2 = reference(p0, [g1, g2], [1e-2, 5e-3]);
    ref2.forEach((x, i) => expect(params[i]).toBeCloseTo(x, 6));
    expect(adam.t).toBe(2);
    // first step of Adam moves each param by about lr * sign(g) (eps aside)
    expect(p0[0] - ref1[0]).toBeCloseTo(1e-2, 4);
    expect(adam.m[2]).toBeCloseTo(0.9 * 0.1 * 3.0 + 0.1 * 0.5, 6);
    expect(adam.v[2]).toBeCloseTo(0.999 * 0.001 * 9 + 0.001 * 0.25, 8);
  });

  it('scales the gradient by gradScale before the moments', () => {
    const p0 = [1, 2, 3];
    const g1 = [0.4, -0.8, 1.2];
    const g2 = [2.0, 0.1, -0.6];
    const scale = 0.25;
    const adam = new Adam(3, opts);
    const params = adam.params;
    params.set(p0);
    adam.step(new Float32Array(g1), 1e-3);
    const g2Copy = new Float32Array(g2);
    adam.step(g2Copy, 1e-3, scale);
    const ref = reference(p0, [g1, g2.map((x) => x * scale)], [1e-3, 1e-3]);
    ref.forEach((x, i) => expect(params[i]).toBeCloseTo(x, 6));
    // the unscaled result is measurably different, so this test can fail
    const unscaled = reference(p0, [g1, g2], [1e-3, 1e-3]);
    expect(Math.abs(unscaled[1] - ref[1])).toBeGreaterThan(1e-5);
    expect(Array.from(g2Copy)).toEqual(Array.from(new Float32Array(g2)));
  });

  it('saves and restores state, validating lengths', () => {
    const a = new Adam(2, opts);
    a.step(new Float32Array([1, 2]), 0.1);
    const s = a.state();
    const b = new Adam(2, opts);
    b.loadState(s);
    expect(b.t).toBe(1);
    expect(Array.from(b.m)).toEqual(Array.from(a.m));
    expect(Array.from(b.v)).toEqual(Array.from(a.v));
    s.m[0] = 99; // state() returns copies
    expect(a.m[0]).not.toBe(99);
    expect(() => b.loadState({ m: new Float32Array(3), v: new Float32Array(2), t: 1 })).toThrow(/length 2/);
    expect(() => b.loadState({ m: new Float32Array(2), v: new Float32Array(2), t: -1 })).toThrow(/t must be/);
    expect(() => b.step(new Float32Array(3), 0.1)).toThrow(/expected 2/);
  });

  it('steps every element of a large array, whatever the size modulo the SIMD width, within float32 of the equations', () => {
    for (const n of [1, 5, 4099]) {
      const p0 = Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const grads = [1, 2, 3].map((k) => Array.from({ length: n }, (_, i) => Math.cos(k * (i + 1)) * 0.1));
      const adam = new Adam(n, opts);
      adam.params.set(p0);
      for (const g of grads) adam.step(new Float32Array(g), 1e-3);
      const ref = reference(p0, grads, [1e-3, 1e-3, 1e-3]);
      let maxErr = 0;
      for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(adam.params[i] - ref[i]));
      expect(maxErr).toBeLessThan(1e-6);
      expect(Math.abs(adam.params[n - 1] - p0[n - 1])).toBeGreaterThan(1e-4); // the last element moved too
    }
  });

  it('steps with a gradient written straight into adam.grad', () => {
    const a = new Adam(3, opts);
    const b = new Adam(3, opts);
    a.grad.set([0.5, -1, 2]);
    a.step(a.grad, 1e-2);
    b.step(new Float32Array([0.5, -1, 2]), 1e-2);
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(a.params[0]).toBeCloseTo(-1e-2, 6);
  });

  it('gradNorm is the L2 norm of adam.grad in float64, every element counted, and not finite when an element is not', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 4099]) {
      const a = new Adam(n, opts);
      for (let i = 0; i < n; i++) a.grad[i] = Math.cos(3 * i + 1) * 10 ** ((i % 7) - 3);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += a.grad[i] * a.grad[i];
      expect(Math.abs(a.gradNorm() - Math.sqrt(sum))).toBeLessThanOrEqual(1e-12 * Math.sqrt(sum));
      if (n === 0) continue;
      a.grad[n - 1] = 1e30; // squares beyond float32's range stay exact in float64
      expect(a.gradNorm() / Math.fround(1e30)).toBeCloseTo(1, 12);
      a.grad[n - 1] = Number.POSITIVE_INFINITY;
      expect(a.gradNorm()).toBe(Number.POSITIVE_INFINITY);
      a.grad[n - 1] = Number.NaN;
      expect(a.gradNorm()).toBeNaN();
    }
  });
});
