import { describe, expect, it } from 'vitest';
import { Rate } from './rate.ts';

describe('Rate', () => {
  it('is 0 before two samples, then the count per second between the oldest kept and the newest', () => {
    const r = new Rate(10_000);
    expect(r.perSecond()).toBe(0);
    r.add(0, 0);
    expect(r.perSecond()).toBe(0);
    r.add(2_000, 1_000);
    expect(r.perSecond()).toBe(500);
  });

  it('forgets samples older than the window, keeping one at or before its start', () => {
    const r = new Rate(10_000);
    r.add(0, 0);
    r.add(5_000, 100_000); // a fast start
    r.add(15_000, 110_000);
    r.add(20_000, 120_000);
    // Kept: 5 s (the last one at or before 20 - 10 s), 15 s and 20 s.
    expect(r.perSecond()).toBe(20_000 / 15);
  });

  it('starts over when the count goes down (a new run)', () => {
    const r = new Rate();
    r.add(0, 0);
    r.add(1_000, 5_000);
    r.add(2_000, 10);
    expect(r.perSecond()).toBe(0);
    r.add(3_000, 1_010);
    expect(r.perSecond()).toBe(1_000);
  });
});
