import { describe, expect, it } from 'vitest';
import { Normalizer } from './normalizer.ts';
import { RunningMeanStd } from './runningStats.ts';

const opts = { normObs: true, normReward: true, clipObs: 10, clipReward: 10, gamma: 0.9 };

describe('Normalizer', () => {
  it('passes observations and rewards through when both are off', () => {
    const n = new Normalizer(2, 2, { ...opts, normObs: false, normReward: false });
    expect(Array.from(n.normalizeObs(Float32Array.from([5, -3, 1, 2]), 2, new Float32Array(4)))).toEqual([5, -3, 1, 2]);
    expect(Array.from(n.scaleRewards(Float32Array.from([7, -1]), [0, 0], new Float32Array(2)))).toEqual([7, -1]);
    expect(n.takeDeltas()).toEqual({});
  });

  it('scales rewards by the std of the global discounted-return stats and reports return deltas', () => {
    const n = new Normalizer(1, 2, opts);
    const global = new RunningMeanStd(1, 'empty');
    global.update([0, 4], 2); // var 4 -> std 2
    n.setGlobal({ ret: global.toArray() });
    const out = new Float32Array(2);
    n.scaleRewards(Float32Array.from([1, 3]), [0, 1], out);
    expect(out[0]).toBeCloseTo(0.5, 6);
    expect(out[1]).toBeCloseTo(1.5, 6);
    n.scaleRewards(Float32Array.from([1, 1]), [0, 0], out);
    // Discounted returns: env 0: 1 then 0.9 * 1 + 1 = 1.9; env 1 was reset after its episode: 3, then 1.
    const delta = RunningMeanStd.fromArray(1, n.takeDeltas().ret!);
    const seen = [1, 3, 1.9, 1];
    const mean = seen.reduce((a, b) => a + b) / 4;
    expect(delta.count).toBe(4);
    expect(delta.mean[0]).toBeCloseTo(mean, 12);
    expect(delta.var[0]).toBeCloseTo(seen.reduce((a, b) => a + (b - mean) ** 2, 0) / 4, 12);
    expect(RunningMeanStd.fromArray(1, n.takeDeltas().ret!).count).toBe(0); // deltas restart
  });

  it('normalizes observations with the global stats and counts raw ones into the delta', () => {
    const n = new Normalizer(2, 1, { ...opts, clipObs: 3 });
    const global = new RunningMeanStd(2, 'empty');
    global.update([0, 10, 2, 30], 2); // mean [1, 20], var [1, 100]
    n.setGlobal({ obs: global.toArray() });
    const out = n.normalizeObs(Float32Array.from([2, 40, 100, 20]), 2, new Float32Array(4));
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[1]).toBeCloseTo(2, 5);
    expect(out[2]).toBe(3); // clipped
    expect(out[3]).toBeCloseTo(0, 5);
    n.observe(Float32Array.from([2, 40]), 1);
    const d = RunningMeanStd.fromArray(2, n.takeDeltas().obs!);
    expect([d.count, ...d.mean]).toEqual([1, 2, 40]);
  });
});
