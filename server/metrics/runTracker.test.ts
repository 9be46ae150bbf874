import { describe, expect, it } from 'vitest';
import { RunTracker } from './runTracker.ts';
import { M } from '../../shared/metrics.ts';

describe('RunTracker', () => {
  it('the window says solved only once it is full and its mean reaches the threshold; the run goes on until marked solved', () => {
    const t = new RunTracker(3, 100, 1_000_000);
    t.start(0);
    expect(t.addRollout(10, [200, 200], {})).toBe(false); // mean 200 but only 2 episodes
    expect(t.meanReturn()).toBe(200);
    expect(t.windowSolved()).toBe(false);
    expect(t.addRollout(10, [50], {})).toBe(false); // window [200, 200, 50]: mean 150 >= 100
    expect(t.windowSolved()).toBe(true);
    expect(t.state).toBe('training'); // the tabs' returns alone end nothing: the coordinator confirms
  });

  it('keeps a moving window of the last episodes', () => {
    const t = new RunTracker(3, 1000, 1_000_000);
    t.start(0);
    t.addRollout(10, [1, 2, 3, 4, 5], {});
    expect(t.meanReturn()).toBe(4);
    expect(t.episodes).toBe(5);
  });

  it('records the solved env steps and wall seconds it is marked with, and counts nothing after', () => {
    const t = new RunTracker(2, 10, 1_000_000);
    t.start(1000);
    t.addRollout(100, [5, 5], {});
    t.addRollout(100, [20], {});
    t.markSolved(200, 4000);
    expect(t).toMatchObject({ state: 'solved', solvedAtEnvSteps: 200, solvedAtWallS: 3 });
    expect(t.addRollout(100, [20], {})).toBe(false); // nothing counts after the end
    expect(t.envSteps).toBe(200);
  });

  it('ends at the step budget', () => {
    const t = new RunTracker(2, 10, 250);
    t.start(0);
    expect(t.addRollout(200, [], {})).toBe(false);
    expect(t.addRollout(100, [], {})).toBe(true);
    expect(t.state).toBe('budgetExhausted');
  });

  it('history points carry mean return, sps and averaged losses', () => {
    const t = new RunTracker(2, 1000, 1_000_000);
    t.start(0);
    t.addRollout(500, [10], { [M.approxKl]: 0.01 });
    t.addRollout(500, [30], { [M.approxKl]: 0.03 });
    const p = t.point(7, { [M.version]: 7 }, 2000);
    expect(p).toMatchObject({ wallS: 2, envSteps: 1000, version: 7 });
    expect(p.metrics[M.meanReturn]).toBe(20);
    expect(p.metrics[M.sps]).toBe(500);
    expect(p.metrics[M.approxKl]).toBeCloseTo(0.02, 12);
    expect(t.history).toHaveLength(1);
  });

  it('thins old history instead of growing without bound', () => {
    const t = new RunTracker(2, 1000, 1e12, 100);
    t.start(0);
    for (let i = 1; i <= 1000; i++) { t.addRollout(1, [], {}); t.point(i, {}, i); }
    expect(t.history.length).toBeLessThanOrEqual(100);
    expect(t.history.at(-1)!.version).toBe(1000);
    const versions = t.history.map((p) => p.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('the training wall time stops when the run ends', () => {
    const t = new RunTracker(2, 1000, 1_000_000);
    t.start(1000);
    expect(t.wallS(3000)).toBe(2);
    t.stop(5000);
    expect(t.state).toBe('stopped');
    expect(t.wallS(9000)).toBe(4);
    expect(t.point(0, {}, 9000).wallS).toBe(4);
  });

  it('history points carry the mean return and length of the episodes finished in their tick only', () => {
    const t = new RunTracker(100, 1000, 1_000_000);
    t.start(0);
    t.addRollout(100, [10, 20], {}, [10, 20]);
    t.addRollout(100, [60], {}, [60]);
    const p = t.point(1, {}, 1000);
    expect(p.metrics[M.episodicReturn]).toBe(30);
    expect(p.metrics[M.episodicLength]).toBe(30);
    t.addRollout(100, [], {}, []);
    const q = t.point(2, {}, 2000);
    expect(q.metrics[M.episodicReturn]).toBeUndefined(); // no episode ended in this tick
    expect(q.metrics[M.episodicLength]).toBeUndefined();
    expect(q.metrics[M.meanReturn]).toBe(30); // the window still holds all three
  });

  it('a restored run\'s wall clock goes on from its checkpoint\'s', () => {
    const t = new RunTracker(2, 10, 1_000_000);
    t.start(1000);
    t.addRollout(100, [5], {});
    const saved = t.saved(4000);
    expect(saved).toEqual({ envSteps: 100, episodes: 1, recentReturns: [5], wallS: 3 });
    const resumed = new RunTracker(2, 10, 1_000_000);
    resumed.restore({ ...saved, wallS: 30 });
    expect(resumed.wallS()).toBeNull(); // not training yet
    resumed.start(5000);
    expect(resumed.wallS(7000)).toBe(32);
    expect(resumed.point(1, {}, 7000).wallS).toBe(32);
    expect(resumed.saved(9000).wallS).toBe(34);
  });
});
