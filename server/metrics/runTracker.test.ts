import { describe, expect, it } from 'vitest';
import { RunTracker } from './runTracker.ts';
import { M } from '../../shared/metrics.ts';

describe('RunTracker', () => {
  it('solves only once the window is full and its mean reaches the threshold', () => {
    const t = new RunTracker(3, 100, 1_000_000);
    t.start(0);
    expect(t.addRollout(10, [200, 200], {}, 1000)).toBe(false); // mean 200 but only 2 episodes
    expect(t.meanReturn()).toBe(200);
    expect(t.state).toBe('training');
    expect(t.addRollout(10, [50], {}, 2000)).toBe(true); // window [200, 200, 50]: mean 150 >= 100
    expect(t.state).toBe('solved');
  });

  it('keeps a moving window of the last episodes', () => {
    const t = new RunTracker(3, 1000, 1_000_000);
    t.start(0);
    t.addRollout(10, [1, 2, 3, 4, 5], {}, 1);
    expect(t.meanReturn()).toBe(4);
    expect(t.episodes).toBe(5);
  });

  it('records solved env steps and wall seconds from start', () => {
    const t = new RunTracker(2, 10, 1_000_000);
    t.start(1000);
    t.addRollout(100, [5, 5], {}, 2000);
    expect(t.state).toBe('training');
    expect(t.addRollout(100, [20], {}, 4000)).toBe(true); // window [5, 20] -> 12.5
    expect(t).toMatchObject({ state: 'solved', solvedAtEnvSteps: 200, solvedAtWallS: 3 });
    expect(t.addRollout(100, [20], {}, 5000)).toBe(false); // nothing counts after the end
    expect(t.envSteps).toBe(200);
  });

  it('ends at the step budget', () => {
    const t = new RunTracker(2, 10, 250);
    t.start(0);
    expect(t.addRollout(200, [], {}, 1)).toBe(false);
    expect(t.addRollout(100, [], {}, 2)).toBe(true);
    expect(t.state).toBe('budgetExhausted');
  });

  it('history points carry mean return, sps and averaged losses', () => {
    const t = new RunTracker(2, 1000, 1_000_000);
    t.start(0);
    t.addRollout(500, [10], { [M.approxKl]: 0.01 }, 100);
    t.addRollout(500, [30], { [M.approxKl]: 0.03 }, 200);
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
    for (let i = 1; i <= 1000; i++) { t.addRollout(1, [], {}, i); t.point(i, {}, i); }
    expect(t.history.length).toBeLessThanOrEqual(100);
    expect(t.history.at(-1)!.version).toBe(1000);
    const versions = t.history.map((p) => p.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });
});
