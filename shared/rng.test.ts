import { describe, it, expect } from 'vitest';
import { Rng } from './rng.ts';

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.next());
}

describe('Rng', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(draws(new Rng(123), 50)).toEqual(draws(new Rng(123), 50));
    expect(draws(new Rng(123), 50)).not.toEqual(draws(new Rng(124), 50));
    expect(draws(new Rng(0), 50)).not.toEqual(draws(new Rng(-1), 50));
  });

  it('uses the high bits of large seeds', () => {
    expect(draws(new Rng(5), 20)).not.toEqual(draws(new Rng(5 + 2 ** 32), 20));
  });

  it('rejects seeds that are not safe integers', () => {
    for (const bad of [0.5, NaN, Infinity, 2 ** 60]) expect(() => new Rng(bad)).toThrow(/seed/);
  });

  it('next() is uniform in [0, 1)', () => {
    const xs = draws(new Rng(7), 100_000);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
    // ten equal bins each hold about a tenth
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)]++;
    for (const b of bins) expect(Math.abs(b / xs.length - 0.1)).toBeLessThan(0.005);
  });

  it('uniform(lo, hi) stays in [lo, hi)', () => {
    const rng = new Rng(9);
    const us = Array.from({ length: 10_000 }, () => rng.uniform(-0.05, 0.05));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...us)).toBeLessThan(0.05);
    expect(Math.min(...us)).toBeLessThan(-0.049); // spans the range
    expect(Math.max(...us)).toBeGreaterThan(0.049);
  });

  it('int(n) covers exactly 0..n-1 about evenly and rejects bad n', () => {
    const rng = new Rng(11);
    const counts = new Array<number>(7).fill(0);
    let outside = 0;
    for (let i = 0; i < 70_000; i++) {
      const k = rng.int(7);
      if (Number.isInteger(k) && k >= 0 && k < 7) counts[k]++;
      else outside++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
    for (const bad of [0, -3, 2.5, NaN]) expect(() => rng.int(bad)).toThrow(/positive integer/);
  });

  it('normal() has mean 0 and variance 1', () => {
    const rng = new Rng(13);
    const xs = Array.from({ length: 100_000 }, () => rng.normal());
    expect(xs.every(Number.isFinite)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const within1 = xs.filter((x) => Math.abs(x) < 1).length / xs.length;
    expect(Math.abs(within1 - 0.6827)).toBeLessThan(0.01);
  });
});
