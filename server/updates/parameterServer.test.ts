import { describe, expect, it } from 'vitest';
import { encodeF32 } from '../../shared/codec.ts';
import { encodeUpdate, updateBytes } from '../../shared/updateCodec.ts';
import { REJECT_REASONS, type RejectReason } from '../../shared/protocol.ts';
import { Adam } from './adam.ts';
import { ParameterServer, type ParameterServerConfig } from './parameterServer.ts';

const cfg: ParameterServerConfig = {
  adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-5, maxGradNorm: 0.5, maxStaleness: 2, maxUpdateNorm: 100,
  maxPolicyLag: null, stalenessScaling: false, updateCodec: 'fp32',
};
const P0 = [0.1, -0.2, 0.3, 0.4];
const lr = 1e-2;
const grad = (xs: number[]): Buffer => Buffer.from(encodeF32(new Float32Array(xs)));

/** Everything an update could change, as plain copies. */
function snapshot(ps: ParameterServer) {
  return {
    params: Array.from(ps.params), m: Array.from(ps.adam.m), v: Array.from(ps.adam.v), t: ps.adam.t, version: ps.version,
  };
}

function serverAtVersion(version: number): ParameterServer {
  const ps = new ParameterServer(new Float32Array(P0), cfg);
  for (let i = 0; i < version; i++) expect(ps.apply(grad([0.01, 0.02, -0.01, 0]), ps.version, lr).accepted).toBe(true);
  return ps;
}

describe('ParameterServer', () => {
  it('starts at version 0 with every reason counted at 0', () => {
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    expect(ps.version).toBe(0);
    expect(ps.counts.accepted).toBe(0);
    expect(Object.keys(ps.counts.rejected).sort()).toEqual([...REJECT_REASONS].sort());
    expect(Object.values(ps.counts.rejected).every((n) => n === 0)).toBe(true);
  });

  it('applies an accepted update: params move, version and count go up', () => {
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    const r = ps.apply(grad([0.1, 0.1, -0.1, 0.1]), 0, lr);
    expect(r).toEqual({ accepted: true, staleness: 0, gradNorm: expect.closeTo(0.2, 6), version: 1 });
    expect(ps.version).toBe(1);
    expect(ps.counts.accepted).toBe(1);
    expect(ps.params[0]).toBeCloseTo(P0[0] - lr, 4);
    expect(ps.params[2]).toBeCloseTo(P0[2] + lr, 4);
    expect(new Float32Array(ps.paramsBinary().slice().buffer)).toEqual(ps.params);
  });

  const rejections: [string, RejectReason, (ps: ParameterServer) => [unknown, number]][] = [
    ['not binary', 'malformed', () => [[0.1, 0.1, 0.1, 0.1], 3]],
    ['a string', 'malformed', () => ['abcdabcdabcdabcd', 3]],
    ['too few floats', 'wrongSize', () => [grad([0.1, 0.1, 0.1]), 3]],
    ['too many floats', 'wrongSize', () => [grad([0.1, 0.1, 0.1, 0.1, 0.1]), 3]],
    ['ragged bytes', 'wrongSize', () => [new Uint8Array(15), 3]],
    ['a future version', 'malformed', () => [grad([0.1, 0.1, 0.1, 0.1]), 4]],
    ['a negative version', 'malformed', () => [grad([0.1, 0.1, 0.1, 0.1]), -1]],
    ['a fractional version', 'malformed', () => [grad([0.1, 0.1, 0.1, 0.1]), 2.5]],
    ['maxStaleness + 1 old', 'stale', () => [grad([0.1, 0.1, 0.1, 0.1]), 0]],
    ['a NaN', 'nonFinite', () => [grad([0.1, NaN, 0.1, 0.1]), 3]],
    ['an Infinity', 'nonFinite', () => [grad([0.1, 0.1, 0.1, -Infinity]), 3]],
    ['a huge norm', 'normTooLarge', () => [grad([0, 0, 0, 101]), 3]],
  ];

  for (const [what, reason, make] of rejections) {
    it(`rejects ${what} as ${reason} and changes nothing`, () => {
      const ps = serverAtVersion(3);
      const before = snapshot(ps);
      const [bin, v] = make(ps);
      const r = ps.apply(bin, v, lr);
      expect(r).toMatchObject({ accepted: false, reason });
      expect(r.accepted === false && r.error.length).toBeGreaterThan(10);
      expect(snapshot(ps)).toEqual(before);
      expect(ps.counts.rejected[reason]).toBe(1);
      expect(Object.values(ps.counts.rejected).reduce((a, b) => a + b, 0)).toBe(1);
      expect(ps.counts.accepted).toBe(3);
    });
  }

  it('counts rejections the coordinator decides itself', () => {
    const ps = serverAtVersion(1);
    const before = snapshot(ps);
    expect(ps.reject('rateLimited', 'too fast')).toEqual({ accepted: false, reason: 'rateLimited', error: 'too fast' });
    ps.reject('notJoined', 'join first');
    ps.reject('finished', 'run over');
    ps.reject('finished', 'run over');
    expect(ps.counts.rejected).toMatchObject({ rateLimited: 1, notJoined: 1, finished: 2, stale: 0 });
    expect(snapshot(ps)).toEqual(before);
  });

  it('accepts at exactly maxStaleness and fills the staleness histogram', () => {
    const ps = serverAtVersion(3);
    expect(ps.apply(grad([0.1, 0, 0, 0]), 1, lr)).toMatchObject({ accepted: true, staleness: 2, version: 4 });
    expect(ps.apply(grad([0.1, 0, 0, 0]), 3, lr)).toMatchObject({ accepted: true, staleness: 1, version: 5 });
    expect(ps.apply(grad([0.1, 0, 0, 0]), 2, lr)).toMatchObject({ accepted: false, reason: 'stale' });
    expect(ps.stalenessHistogram).toEqual([3, 1, 1]);
    expect(ps.counts.accepted).toBe(5);
  });

  it('rejects an update whose rollout is more than maxPolicyLag versions old, and a rollout newer than its gradient', () => {
    const ps = new ParameterServer(new Float32Array(P0), { ...cfg, maxPolicyLag: 3 });
    for (let i = 0; i < 4; i++) expect(ps.apply(grad([0.01, 0, 0, 0]), ps.version, lr, 0).accepted).toBe(true); // lag 0..3
    const before = snapshot(ps);
    expect(ps.apply(grad([0.01, 0, 0, 0]), 4, lr, 0)).toMatchObject({ accepted: false, reason: 'policyLag' }); // lag 4
    expect(ps.apply(grad([0.01, 0, 0, 0]), 3, lr, 4)).toMatchObject({ accepted: false, reason: 'malformed' });
    expect(snapshot(ps)).toEqual(before);
    expect(ps.apply(grad([0.01, 0, 0, 0]), 4, lr, 1)).toMatchObject({ accepted: true }); // lag 3
    expect(ps.counts.rejected).toMatchObject({ policyLag: 1, malformed: 1 });
  });

  it('with stalenessScaling, a stale update steps with lr / (1 + staleness)', () => {
    const g = [0.1, -0.05, 0.02, 0.03];
    const ps = new ParameterServer(new Float32Array(P0), { ...cfg, stalenessScaling: true });
    const plain = new ParameterServer(new Float32Array(P0), cfg);
    for (const s of [ps, plain]) {
      expect(s.apply(grad(g), 0, lr).accepted).toBe(true);
      expect(s.apply(grad(g), 0, lr)).toMatchObject({ accepted: true, staleness: 1 });
    }
    const ref = new Adam(4, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps });
    const refParams = ref.params;
    refParams.set(P0);
    ref.step(new Float32Array(g), lr);
    ref.step(new Float32Array(g), lr / 2);
    for (let i = 0; i < 4; i++) expect(ps.params[i]).toBeCloseTo(refParams[i], 7);
    expect(Math.abs(plain.params[0] - ps.params[0])).toBeGreaterThan(1e-3);
  });

  it('clips to maxGradNorm like clip_grad_norm_ before the Adam step', () => {
    const g1 = [0.1, -0.05, 0.02, 0.0]; // norm < maxGradNorm: not clipped
    const g2 = [3, -4, 0, 12]; // norm 13 > maxGradNorm
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    expect(ps.apply(grad(g1), 0, lr).accepted).toBe(true);
    const r = ps.apply(grad(g2), 1, lr);
    expect(r).toMatchObject({ accepted: true, gradNorm: 13 });

    const scale = cfg.maxGradNorm / (13 + 1e-6);
    const ref = new Adam(4, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps });
    const refParams = ref.params;
    refParams.set(P0);
    ref.step(new Float32Array(g1), lr);
    ref.step(new Float32Array(g2.map((x) => x * scale)), lr);
    for (let i = 0; i < 4; i++) expect(ps.params[i]).toBeCloseTo(refParams[i], 6);

    const unclipped = new Adam(4, ref.opts);
    const unclippedParams = unclipped.params;
    unclippedParams.set(P0);
    unclipped.step(new Float32Array(g1), lr);
    unclipped.step(new Float32Array(g2), lr);
    expect(Math.abs(unclippedParams[0] - refParams[0])).toBeGreaterThan(1e-4); // index 3 saw only g2: Adam is scale-invariant there
  });

  it('does not modify the pushed gradient bytes', () => {
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    const b = grad([3, -4, 0, 12]);
    const copy = Buffer.from(b);
    ps.apply(b, 0, lr);
    expect(b.equals(copy)).toBe(true);
  });

  it('paramsBinary is a live view of the params bytes', () => {
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    const view = ps.paramsBinary();
    expect(view.byteLength).toBe(16);
    expect(view.buffer).toBe(ps.params.buffer);
  });

  it.each(['fp16', 'int8'] as const)('decodes %s updates, and rejects a wrong size or a NaN in them', (codec) => {
    const ps = new ParameterServer(new Float32Array(P0), { ...cfg, updateCodec: codec });
    const ref = new ParameterServer(new Float32Array(P0), cfg);
    const g = new Float32Array([0.25, -0.5, 0.125, 0]); // exact in both codecs
    expect(ps.apply(encodeUpdate(codec, g), 0, lr)).toMatchObject({ accepted: true, version: 1 });
    ref.apply(encodeF32(g), 0, lr);
    expect(Array.from(ps.params)).toEqual(Array.from(ref.params));
    expect(ps.apply(new Uint8Array(updateBytes(codec, 5)), 1, lr)).toMatchObject({ accepted: false, reason: 'wrongSize' });
    expect(ps.apply(encodeF32(g), 1, lr)).toMatchObject({ accepted: false, reason: 'wrongSize' }); // fp32 bytes are another size
    expect(ps.apply(encodeUpdate(codec, new Float32Array([0.1, NaN, 0, 0])), 1, lr)).toMatchObject({ accepted: false, reason: 'nonFinite' });
    expect(ps.version).toBe(1);
  });
});
