import { describe, expect, it } from 'vitest';
import { LatencyWindow } from './latency.ts';

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles of the samples held', () => {
    const w = new LatencyWindow(1000);
    expect(w.summary()).toEqual({ n: 0, p50: null, p99: null, max: null });
    for (let i = 100; i >= 1; i--) w.add(i);
    expect(w.summary()).toEqual({ n: 100, p50: 50, p99: 99, max: 100 });
  });

  it('keeps only the latest capacity samples, and forgets all on reset', () => {
    const w = new LatencyWindow(10);
    for (let i = 0; i < 25; i++) w.add(i < 15 ? 1000 : 1);
    expect(w.summary()).toEqual({ n: 10, p50: 1, p99: 1, max: 1 });
    w.reset();
    expect(w.summary().n).toBe(0);
  });
});
