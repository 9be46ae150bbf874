/**
 * What a chart draws of the history: one metric against env steps or wall seconds, smoothed
 * (TensorBoard's debiased exponential moving average) and downsampled (largest triangle three
 * buckets), so a chart draws a bounded number of points however long the run.
 */
import type { HistoryPoint } from '../../shared/protocol.ts';
import { M } from '../../shared/metrics.ts';

export type XAxisKind = 'envSteps' | 'wallS';

export interface SeriesPoint {
  x: number;
  /** The metric's value in its history point. */
  raw: number;
  /** The smoothed value at this point (raw when smoothing is 0). */
  smoothed: number;
}

/** Most points a chart draws per series. */
export const MAX_CHART_POINTS = 500;

/**
 * TensorBoard's smoothing: an exponential moving average with weight `weight` in [0, 1), debiased
 * so the first values are not pulled towards 0 (each is divided by 1 - weight^k after k values).
 * Weight 0 returns the values unchanged.
 */
export function emaSmooth(values: readonly number[], weight: number): number[] {
  let last = 0;
  return values.map((v, k) => {
    last = last * weight + (1 - weight) * v;
    return weight === 0 ? v : last / (1 - weight ** (k + 1));
  });
}

/**
 * Largest-triangle-three-buckets downsampling to at most `max` points (max >= 3): the first and
 * last points are kept, and from each bucket between them the point that spans the largest
 * triangle with the point kept before it and the mean of the next bucket, so spikes survive.
 */
export function downsample<T>(points: readonly T[], max: number, x: (p: T) => number, y: (p: T) => number): T[] {
  const n = points.length;
  if (n <= max) return points.slice();
  if (max < 3) throw new Error(`downsample: max must be at least 3, got ${max}`);
  const out: T[] = [points[0]];
  const every = (n - 2) / (max - 2);
  let a = 0;
  for (let i = 0; i < max - 2; i++) {
    const nextStart = Math.floor((i + 1) * every) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * every) + 1, n);
    let ax = 0;
    let ay = 0;
    for (let j = nextStart; j < nextEnd; j++) {
      ax += x(points[j]);
      ay += y(points[j]);
    }
    const count = Math.max(1, nextEnd - nextStart);
    ax /= count;
    ay /= count;
    const xa = x(points[a]);
    const ya = y(points[a]);
    let best = -1;
    let bestArea = -1;
    for (let j = Math.floor(i * every) + 1; j < nextStart; j++) {
      const area = Math.abs((xa - ax) * (y(points[j]) - ya) - (xa - x(points[j])) * (ay - ya));
      if (area > bestArea) {
        bestArea = area;
        best = j;
      }
    }
    out.push(points[best]);
    a = best;
  }
  out.push(points[n - 1]);
  return out;
}

/** One metric of the history as a chart series: finite values only, smoothed with `smoothing`, at most `max` points. */
export function chartSeries(history: readonly HistoryPoint[], metric: string, xAxis: XAxisKind, smoothing: number, max = MAX_CHART_POINTS): SeriesPoint[] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const p of history) {
    const v = p.metrics[metric];
    if (v === undefined || !Number.isFinite(v)) continue;
    xs.push(p[xAxis]);
    ys.push(v);
  }
  const smoothed = emaSmooth(ys, smoothing);
  const points = xs.map((x, i) => ({ x, raw: ys[i], smoothed: smoothed[i] }));
  return downsample(points, max, (p) => p.x, (p) => p.raw);
}

/**
 * The stretches of the history during which an admin had training paused (`coordinator/paused`
 * is 1), as [first x, last x] on the chosen axis; one still going ends at the newest point.
 */
export function pausedSpans(history: readonly HistoryPoint[], xAxis: XAxisKind): [number, number][] {
  const spans: [number, number][] = [];
  let start: number | null = null;
  let last = 0;
  for (const p of history) {
    const paused = p.metrics[M.paused] === 1;
    if (paused && start === null) start = p[xAxis];
    if (!paused && start !== null) {
      spans.push([start, p[xAxis]]);
      start = null;
    }
    last = p[xAxis];
  }
  if (start !== null) spans.push([start, last]);
  return spans;
}
