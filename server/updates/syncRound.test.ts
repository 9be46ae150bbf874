import { describe, expect, it } from 'vitest';
import { SyncRound, trimmedCount } from './syncRound.ts';

const f = (...xs: number[]) => new Float32Array(xs);

describe('SyncRound', () => {
  it('averages one gradient per worker and hands back every reply owed', () => {
    const r = new SyncRound<string>(3);
    expect(r.add('a', f(1, 2, 3), 'ra', 10)).toBe(true);
    expect(r.openedAt).toBe(10);
    expect(r.add('b', f(3, -2, 0), 'rb', 20)).toBe(true);
    expect(r.openedAt).toBe(10);
    expect(r.add('a', f(100, 100, 100), 'again', 30)).toBe(false); // a second gradient from a is refused, the first kept
    const out = new Float32Array(3);
    expect(r.close(out).sort()).toEqual(['ra', 'rb']);
    expect(Array.from(out)).toEqual([2, 0, 1.5]);
    expect(r.count).toBe(0);
    expect(r.openedAt).toBeNull();
  });

  it('copies the gradient: later writes to the pushed buffer do not leak into the round', () => {
    const r = new SyncRound<number>(2);
    const g = f(1, 1);
    r.add('a', g, 0);
    g.fill(99);
    const out = new Float32Array(2);
    r.close(out);
    expect(Array.from(out)).toEqual([1, 1]);
  });

  it('a worker that leaves takes its gradient out of the mean', () => {
    const r = new SyncRound<string>(2);
    r.add('a', f(1, 1), 'ra');
    r.add('gone', f(9, 9), 'rg');
    expect(r.remove('gone')).toBe(true);
    expect(r.remove('gone')).toBe(false);
    const out = new Float32Array(2);
    expect(r.close(out)).toEqual(['ra']);
    expect(Array.from(out)).toEqual([1, 1]);
  });

  it('clear empties the round without a mean; an empty round closes to zeros', () => {
    const r = new SyncRound<string>(2);
    r.add('a', f(1, 1), 'ra');
    expect(r.clear()).toEqual(['ra']);
    const out = f(5, 5);
    expect(r.close(out)).toEqual([]);
    expect(Array.from(out)).toEqual([0, 0]);
  });

  it('refuses a gradient of the wrong size', () => {
    expect(() => new SyncRound<string>(2).add('a', f(1), 'r')).toThrow(/1 values, expected 2/);
  });

  it('with trim, takes the coordinate-wise trimmed mean: each coordinate\'s extremes are left out', () => {
    const r = new SyncRound<string>(2);
    r.add('a', f(1, -5), 'ra');
    r.add('b', f(2, 0), 'rb');
    r.add('c', f(3, 1), 'rc');
    r.add('d', f(1000, 2), 'rd');
    const out = new Float32Array(2);
    expect(r.close(out, trimmedCount(4)).sort()).toEqual(['ra', 'rb', 'rc', 'rd']);
    expect(Array.from(out)).toEqual([2.5, 0.5]); // (2 + 3) / 2 and (0 + 1) / 2
    // Too few gradients to trim leaves the plain mean.
    r.add('a', f(1, 1), 'ra');
    r.add('b', f(3, 5), 'rb');
    r.close(out, 1);
    expect(Array.from(out)).toEqual([2, 3]);
    expect([1, 2, 3, 4, 5, 8, 9].map(trimmedCount)).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });
});
