import { describe, expect, it } from 'vitest';
import { encodeF32 } from '../../shared/codec.ts';
import { encodeUpdate, updateBytes } from '../../shared/updateCodec.ts';
import type { RejectReason } from '../../shared/protocol.ts';
import { Adam } from '../../shared/ppo/adam.ts';
import { ParameterServer, type ParameterServerConfig } from './parameterServer.ts';

const cfg: ParameterServerConfig = {
  adamBeta1: 0.9, adamBeta2: 0.999, adamEps: 1e-5, maxGradNorm: 0.5, maxStaleness: 2, maxUpdateNorm: 100,
  maxPolicyLag: null, updateCodec: 'fp32', outerMomentum: 0,
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

/** Checks an update and, if it passes, steps with it (what the UpdatePipeline does in async mode). */
function apply(ps: ParameterServer, bin: unknown, version: number, lr: number, rolloutVersion = version) {
  const c = ps.check(bin, version, rolloutVersion);
  if (!c.accepted) return c;
  ps.step(c.grad, c.gradNorm, lr);
  return { accepted: true, staleness: c.staleness, gradNorm: c.gradNorm, version: ps.version };
}

function serverAtVersion(version: number): ParameterServer {
  const ps = new ParameterServer(new Float32Array(P0), cfg);
  for (let i = 0; i < version; i++) expect(apply(ps, grad([0.01, 0.02, -0.01, 0]), ps.version, lr).accepted).toBe(true);
  return ps;
}

describe('ParameterServer', () => {
  it('applies an accepted update: params move, version goes up', () => {
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    const r = apply(ps, grad([0.1, 0.1, -0.1, 0.1]), 0, lr);
    expect(r).toEqual({ accepted: true, staleness: 0, gradNorm: expect.closeTo(0.2, 6), version: 1 });
    expect(ps.version).toBe(1);
    expect(ps.params[0]).toBeCloseTo(P0[0] - lr, 4);
    expect(ps.params[2]).toBeCloseTo(P0[2] + lr, 4);
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
      const r = apply(ps, bin, v, lr);
      expect(r).toMatchObject({ accepted: false, reason });
      expect('error' in r && r.error.length).toBeGreaterThan(10);
      expect(snapshot(ps)).toEqual(before);
    });
  }

  it('accepts at exactly maxStaleness', () => {
    const ps = serverAtVersion(3);
    expect(apply(ps, grad([0.1, 0, 0, 0]), 1, lr)).toMatchObject({ accepted: true, staleness: 2, version: 4 });
    expect(apply(ps, grad([0.1, 0, 0, 0]), 3, lr)).toMatchObject({ accepted: true, staleness: 1, version: 5 });
    expect(apply(ps, grad([0.1, 0, 0, 0]), 2, lr)).toMatchObject({ accepted: false, reason: 'stale' });
  });

  it('rejects an update whose rollout is more than maxPolicyLag versions old, and a rollout newer than its gradient', () => {
    const ps = new ParameterServer(new Float32Array(P0), { ...cfg, maxPolicyLag: 3 });
    for (let i = 0; i < 4; i++) expect(apply(ps, grad([0.01, 0, 0, 0]), ps.version, lr, 0).accepted).toBe(true); // lag 0..3
    const before = snapshot(ps);
    expect(apply(ps, grad([0.01, 0, 0, 0]), 4, lr, 0)).toMatchObject({ accepted: false, reason: 'policyLag' }); // lag 4
    expect(apply(ps, grad([0.01, 0, 0, 0]), 3, lr, 4)).toMatchObject({ accepted: false, reason: 'malformed' });
    expect(snapshot(ps)).toEqual(before);
    expect(apply(ps, grad([0.01, 0, 0, 0]), 4, lr, 1)).toMatchObject({ accepted: true }); // lag 3
  });

  it('clips to maxGradNorm like clip_grad_norm_ before the Adam step', () => {
    const g1 = [0.1, -0.05, 0.02, 0.0]; // norm < maxGradNorm: not clipped
    const g2 = [3, -4, 0, 12]; // norm 13 > maxGradNorm
    const ps = new ParameterServer(new Float32Array(P0), cfg);
    expect(apply(ps, grad(g1), 0, lr).accepted).toBe(true);
    const r = apply(ps, grad(g2), 1, lr);
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
    apply(ps, b, 0, lr);
    expect(b.equals(copy)).toBe(true);
  });

  it.each(['fp16', 'int8'] as const)('decodes %s updates, and rejects a wrong size or a NaN in them', (codec) => {
    const ps = new ParameterServer(new Float32Array(P0), { ...cfg, updateCodec: codec });
    const ref = new ParameterServer(new Float32Array(P0), cfg);
    const g = new Float32Array([0.25, -0.5, 0.125, 0]); // exact in both codecs
    expect(apply(ps, encodeUpdate(codec, g), 0, lr)).toMatchObject({ accepted: true, version: 1 });
    apply(ref, encodeF32(g), 0, lr);
    expect(Array.from(ps.params)).toEqual(Array.from(ref.params));
    expect(apply(ps, new Uint8Array(updateBytes(codec, 5)), 1, lr)).toMatchObject({ accepted: false, reason: 'wrongSize' });
    expect(apply(ps, encodeF32(g), 1, lr)).toMatchObject({ accepted: false, reason: 'wrongSize' }); // fp32 bytes are another size
    expect(apply(ps, encodeUpdate(codec, new Float32Array([0.1, NaN, 0, 0])), 1, lr)).toMatchObject({ accepted: false, reason: 'nonFinite' });
    expect(ps.version).toBe(1);
  });
});
