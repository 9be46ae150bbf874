import { describe, expect, it } from 'vitest';
import { SLICE_MS, Slices } from './slices.ts';

/** A generator of `n` steps, each busy for `ms`, that logs its steps and returns `value`. */
function* work<T>(log: string[], name: string, n: number, ms: number, value: T): Generator<void, T> {
  for (let k = 0; k < n; k++) {
    const until = performance.now() + ms;
    while (performance.now() < until);
    log.push(name);
    yield;
  }
  return value;
}

describe('Slices', () => {
  it('runs queued generators one after another, in several slices, yielding the event loop between them', async () => {
    const log: string[] = [];
    const spent: number[] = [];
    const slices = new Slices((ms) => spent.push(ms));
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 0);
    const [a, b] = await Promise.all([slices.run(work(log, 'a', 10, 1, 'A')), slices.run(work(log, 'b', 3, 1, 'B'))]);
    clearInterval(ticker);
    expect([a, b]).toEqual(['A', 'B']);
    expect(log).toEqual([...Array<string>(10).fill('a'), ...Array<string>(3).fill('b')]);
    expect(spent.length).toBeGreaterThanOrEqual(Math.ceil(13 / (SLICE_MS + 1))); // 13 steps of 1 ms: a slice ends after SLICE_MS
    expect(ticks).toBeGreaterThan(0); // timers ran between slices
  });

  it('resolves with the Error a generator throws, and goes on with the next', async () => {
    const slices = new Slices();
    function* fails(): Generator<void, number> {
      yield;
      throw new Error('no such episode');
    }
    const failed = slices.run(fails());
    const next = slices.run(work([], 'n', 1, 0, 7));
    expect(await failed).toEqual(new Error('no such episode'));
    expect(await next).toBe(7);
  });

  it('cancel resolves every queued generator with its reason, and nothing runs after', async () => {
    const log: string[] = [];
    const slices = new Slices();
    const a = slices.run(work(log, 'a', 1000, 0, 'A'));
    const b = slices.run(work(log, 'b', 1, 0, 'B'));
    const reason = new Error('the run is over');
    slices.cancel(reason);
    expect(await a).toBe(reason);
    expect(await b).toBe(reason);
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toEqual([]);
  });
});
