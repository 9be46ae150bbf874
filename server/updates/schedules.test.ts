import { describe, expect, it } from 'vitest';
import { defaultConfig, type TrainConfig } from '../../shared/config.ts';
import { clipCoef, idleShare, learningRate, sizeForLink, sizeWork, stepSize } from './schedules.ts';

/** These tests exercise the per-minibatch protocol; CartPole-v1's default is local mode. */
const asyncDefaults = { ...defaultConfig, updateMode: 'async' as const };

const c = { ...asyncDefaults, learningRate: 1e-3, clipCoef: 0.2, totalTimesteps: 1000, numSteps: 128, annealLr: false, annealClip: false };

describe('schedules', () => {
  it('anneal the learning rate and the clip linearly to 0 over the budget, only when enabled', () => {
    expect(learningRate(c, 250)).toBe(1e-3);
    expect(learningRate({ ...c, annealLr: true }, 250)).toBeCloseTo(0.75e-3, 12);
    expect(learningRate({ ...c, annealLr: true }, 2000)).toBe(0);
    expect(clipCoef(c, 500)).toBe(0.2);
    expect(clipCoef({ ...c, annealClip: true }, 500)).toBeCloseTo(0.1, 12);
  });

  it('stepSize scales by the rollout fraction and, with stalenessScaling, by 1 / (1 + staleness)', () => {
    expect(stepSize(c, 0, 128, 3)).toBe(1e-3);
    expect(stepSize(c, 0, 32, 3)).toBeCloseTo(0.25e-3, 12);
    expect(stepSize({ ...c, stalenessScaling: true }, 0, 32, 3)).toBeCloseTo(0.0625e-3, 12);
    expect(stepSize({ ...c, stalenessScaling: true, annealLr: true }, 500, 128, 1)).toBeCloseTo(0.25e-3, 12);
  });

  it('a local-mode delta steps with outerLr averaged over the connected workers', () => {
    const local = { ...c, updateMode: 'local' as const, outerLr: 0.8, annealLr: true };
    expect(stepSize(local, 900, 128, 0, 4)).toBeCloseTo(0.2, 12); // no annealing: the tab's own steps were annealed
    expect(stepSize(local, 0, 64, 0, 2)).toBeCloseTo(0.4, 12); // a delta weighs the same whatever its rollout's length
    expect(stepSize(local, 0, 512, 0, 2)).toBeCloseTo(0.4, 12);
    expect(stepSize(local, 0, 128, 0, 0)).toBeCloseTo(0.8, 12);
  });

  it('sizeWork shrinks a worker whose updates arrive too stale and grows it back when fresh', () => {
    const w = { ...c, workSizing: true, updateMode: 'async' as const, maxStaleness: 4 };
    expect(sizeWork(w, 128, 8)).toBe(64);
    expect(sizeWork(w, 128, 1000)).toBe(16); // not below numSteps / 8
    expect(sizeWork(w, 64, 1)).toBe(80);
    expect(sizeWork(w, 128, 1)).toBe(128);
    expect(sizeWork(w, 64, 3)).toBe(64);
    expect(sizeWork({ ...w, workSizing: false }, 128, 8)).toBe(128);
    expect(sizeWork({ ...w, updateMode: 'sync' }, 128, 8)).toBe(128);
  });

  it('idleShare is the share of the time between two reports spent waiting on replies; none for the interval from the join', () => {
    const before = { collect: 1, gradient: 2, push: 3, setParams: 0 };
    expect(idleShare(before, { collect: 2, gradient: 3, push: 5, setParams: 0 })).toBeCloseTo(0.5, 12);
    expect(idleShare(before, before)).toBeNull();
    expect(idleShare({ collect: 0, gradient: 0, push: 0, setParams: 0 }, before)).toBeNull();
    // Counters that go backwards (a lie, or a tab that reloaded) count as no time.
    expect(idleShare(before, { collect: 0, gradient: 0, push: 4, setParams: 0 })).toBe(1);
  });

  it('sizeForLink stretches a local-mode rollout by whole multiples that its smoothed idle share fills, keeping LINK_KEEP_IDLE of waiting, up to maxRolloutScale, and steps back one when the tab hardly waits', () => {
    const local = { ...c, updateMode: 'local' as const, numSteps: 32, maxRolloutScale: 4 };
    const t0 = { collect: 10, gradient: 0, push: 0, setParams: 0 };
    /** Sizing after one second of which the tab waited `idle`. */
    const after = (cfg: TrainConfig, s: { numSteps: number; idle: number | null }, idle: number) =>
      sizeForLink(cfg, s, t0, { ...t0, collect: t0.collect + 1 - idle, push: idle });
    expect(sizeForLink(local, { numSteps: 32, idle: null }, { ...t0, collect: 0 }, t0)).toEqual({ numSteps: 32, idle: null }); // from the join: no measure
    expect(after(local, { numSteps: 32, idle: null }, 0.1)).toEqual({ numSteps: 32, idle: expect.closeTo(0.1, 12) }); // hardly waits: holds
    // A tab 100 ms away waits 15-20% of its time: twice the work would not fit in its wait, so it holds.
    expect(after(local, { numSteps: 32, idle: null }, 0.2)).toEqual({ numSteps: 32, idle: expect.closeTo(0.2, 12) });
    expect(after(local, { numSteps: 32, idle: null }, 0.55)).toEqual({ numSteps: 64, idle: null }); // 0.9 / 0.45 = 2: 2 x 32, a new average
    expect(after(local, { numSteps: 32, idle: null }, 0.7).numSteps).toBe(96); // 0.9 / 0.3 = 3
    expect(after(local, { numSteps: 64, idle: null }, 0.4).numSteps).toBe(96); // 2 x 0.9 / 0.6 = 3
    expect(after(local, { numSteps: 64, idle: null }, 0.3).numSteps).toBe(64); // 2 x 0.9 / 0.7 = 2.6: holds
    // One busy spike is smoothed: 0.5 + 0.3 * (0.8 - 0.5) = 0.59 grows, 0.5 + 0.3 * (0.6 - 0.5) = 0.53 does not.
    expect(after(local, { numSteps: 32, idle: 0.5 }, 0.8).numSteps).toBe(64);
    expect(after(local, { numSteps: 32, idle: 0.5 }, 0.6)).toEqual({ numSteps: 32, idle: expect.closeTo(0.53, 12) });
    expect(after(local, { numSteps: 64, idle: null }, 1)).toEqual({ numSteps: 128, idle: null }); // capped at maxRolloutScale
    expect(after(local, { numSteps: 96, idle: null }, 0.01)).toEqual({ numSteps: 64, idle: null }); // hardly waits: one step back
    expect(after(local, { numSteps: 32, idle: null }, 0)).toEqual({ numSteps: 32, idle: 0 }); // never below numSteps
    expect(after({ ...local, maxRolloutScale: 1 }, { numSteps: 32, idle: null }, 0.9).numSteps).toBe(32);
    expect(after({ ...local, updateMode: 'async' }, { numSteps: 32, idle: null }, 0.9).numSteps).toBe(32);
  });
});
