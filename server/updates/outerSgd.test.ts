import { describe, expect, it } from 'vitest';
import { OuterSgd } from './outerSgd.ts';

describe('OuterSgd', () => {
  it('without momentum steps along each delta', () => {
    const p = Float32Array.from([1, 2, 3]);
    const o = new OuterSgd(3, 0);
    o.step(p, Float32Array.from([0.5, -1, 0]), 0.5);
    expect(Array.from(p)).toEqual([1.25, 1.5, 3]);
    expect(Array.from(o.velocity)).toEqual([0, 0, 0]);
  });

  it('with Nesterov momentum matches a hand computation over three deltas', () => {
    // momentum 0.5, lr 1, one coordinate, deltas 1, 1, -2:
    //   v1 = 1,            p += 1 + 0.5 * 1     = 1.5   -> 1.5
    //   v2 = 0.5 + 1 = 1.5, p += 1 + 0.5 * 1.5  = 1.75  -> 3.25
    //   v3 = 0.75 - 2 = -1.25, p += -2 + 0.5 * -1.25 = -2.625 -> 0.625
    const p = Float32Array.from([0]);
    const o = new OuterSgd(1, 0.5);
    const seen: number[] = [];
    for (const d of [1, 1, -2]) {
      o.step(p, Float32Array.from([d]), 1);
      seen.push(p[0]);
    }
    expect(seen).toEqual([1.5, 3.25, 0.625]);
    expect(o.velocity[0]).toBe(-1.25);
  });
});
