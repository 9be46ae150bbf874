import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config.ts';
import { clipCoef, learningRate, sizeWork, stepSize } from './schedules.ts';

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
    expect(stepSize(local, 0, 64, 0, 2)).toBeCloseTo(0.2, 12);
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
});
