import { describe, expect, it } from 'vitest';
import { chartSeries, downsample, emaSmooth, pausedSpans } from './series.ts';
import { M } from '../../shared/metrics.ts';
import type { HistoryPoint } from '../../shared/protocol.ts';

describe('emaSmooth', () => {
  it('weight 0 changes nothing; a constant stays constant (debiased); a step is followed gradually', () => {
    expect(emaSmooth([1, 5, -2], 0)).toEqual([1, 5, -2]);
    for (const v of emaSmooth([3, 3, 3, 3], 0.9)) expect(v).toBeCloseTo(3, 12);
    const s = emaSmooth([0, 0, 10, 10, 10], 0.5);
    // last = 0, 0, 5, 7.5, 8.75 over debias 1 - 0.5^k = 0.5, 0.75, 0.875, 0.9375, 0.96875
    expect(s[2]).toBeCloseTo(5 / 0.875, 12);
    expect(s[4]).toBeCloseTo(8.75 / 0.96875, 12);
    expect(s[4]).toBeLessThan(10);
  });
});

describe('downsample', () => {
  const line = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: Math.sin(i / 500) }));

  it('keeps at most max points, the first and the last, in order', () => {
    const d = downsample(line, 500, (p) => p.x, (p) => p.y);
    expect(d).toHaveLength(500);
    expect(d[0]).toBe(line[0]);
    expect(d.at(-1)).toBe(line.at(-1));
    for (let i = 1; i < d.length; i++) expect(d[i].x).toBeGreaterThan(d[i - 1].x);
  });

  it('keeps a one-point spike that thinning every k-th point would lose', () => {
    const spiky = Array.from({ length: 5000 }, (_, i) => ({ x: i, y: i === 2345 ? 100 : 0 }));
    const d = downsample(spiky, 100, (p) => p.x, (p) => p.y);
    expect(d.some((p) => p.y === 100)).toBe(true);
  });

  it('returns a short series as it is', () => {
    expect(downsample(line.slice(0, 10), 500, (p) => p.x, (p) => p.y)).toEqual(line.slice(0, 10));
  });
});

describe('chartSeries', () => {
  const history: HistoryPoint[] = Array.from({ length: 2000 }, (_, i) => ({
    wallS: i / 2, envSteps: 100 * i, version: i, metrics: i % 3 === 0 ? { a: i } : { a: i, b: NaN },
  }));

  it('takes the finite values of one metric against the chosen x, at most max points', () => {
    const s = chartSeries(history, 'a', 'wallS', 0, 300);
    expect(s).toHaveLength(300);
    expect(s[0]).toEqual({ x: 0, raw: 0, smoothed: 0 });
    expect(s.at(-1)).toEqual({ x: 999.5, raw: 1999, smoothed: 1999 });
    expect(chartSeries(history, 'a', 'envSteps', 0, 300).at(-1)!.x).toBe(199_900);
    expect(chartSeries(history, 'b', 'envSteps', 0)).toEqual([]);
  });

  it('smooths over every point before downsampling', () => {
    const full = chartSeries(history, 'a', 'envSteps', 0.9, 10_000);
    const thin = chartSeries(history, 'a', 'envSteps', 0.9, 100);
    const byX = new Map(full.map((p) => [p.x, p.smoothed]));
    for (const p of thin) expect(p.smoothed).toBe(byX.get(p.x));
  });
});

describe('pausedSpans', () => {
  const at = (i: number, paused?: number): HistoryPoint => ({ wallS: i, envSteps: 100 * i, version: 0, metrics: paused === undefined ? {} : { [M.paused]: paused } });

  it('finds each paused stretch, from its first paused point to the point that resumed, and one still going', () => {
    const h = [at(0, 0), at(1, 1), at(2, 1), at(3, 0), at(4), at(5, 1), at(6, 1)];
    expect(pausedSpans(h, 'wallS')).toEqual([[1, 3], [5, 6]]);
    expect(pausedSpans(h, 'envSteps')).toEqual([[100, 300], [500, 600]]);
    expect(pausedSpans([at(0, 0), at(1)], 'wallS')).toEqual([]);
  });
});
