import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { Learner } from './learner.ts';
import { actorCriticLayout, forwardPlain, logStdPlain, paramCount } from './params.ts';
import type { PolicyHead } from './policyHead.ts';
import { syntheticMinibatch } from './synthetic.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const gaussian: PolicyHead = { type: 'gaussian', actionDim: 2, low: [-1, -1], high: [1, 1] };
const heads: [string, PolicyHead, boolean][] = [
  ['categorical', { type: 'categorical', numActions: 3 }, false],
  ['gaussian', gaussian, false],
  ['gaussian with gSDE', gaussian, true],
];

describe.each(heads)('Learner (%s head)', (_, head, gsde) => {
  const obsDim = 4;
  const layout = actorCriticLayout(obsDim, head, [8], gsde);
  const rng = new Rng(2);
  const flat = Float32Array.from({ length: paramCount(layout) }, () => 0.5 * rng.normal());

  it('act returns forwardPlain outputs, the log-std (empty for categorical) and with gSDE the features', async () => {
    const learner = new Learner(layout, flat, obsDim, head);
    const batch = 5;
    const obs = Float32Array.from({ length: batch * obsDim }, () => rng.normal());
    const out = await learner.act(obs, batch);
    const ref = forwardPlain(flat, layout, obs, batch);
    expect(out.actorOut.length).toBe(ref.actorOut.length);
    for (let i = 0; i < ref.actorOut.length; i++) expect(out.actorOut[i]).toBeCloseTo(ref.actorOut[i], 4);
    for (let i = 0; i < batch; i++) expect(out.values[i]).toBeCloseTo(ref.value[i], 4);
    expect(Array.from(out.logStd)).toEqual(Array.from(logStdPlain(flat, layout) ?? []));
    expect(out.actorHidden.length).toBe(gsde ? batch * 8 : 0);
    for (let i = 0; i < out.actorHidden.length; i++) expect(out.actorHidden[i]).toBeCloseTo(ref.actorHidden[i], 4);
    learner.dispose();
  });

  it('gradient is finite, touches every tensor, and leaves tf.memory flat', async () => {
    const learner = new Learner(layout, flat, obsDim, head);
    const mb = syntheticMinibatch(16, obsDim, head, 3);
    const coefs = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true };
    const first = await learner.gradient(mb, coefs);
    expect(first.grad.length).toBe(paramCount(layout));
    for (const p of layout) expect(first.grad.subarray(p.offset, p.offset + p.size).some((g) => g !== 0), p.name).toBe(true);
    expect(first.grad.every(Number.isFinite)).toBe(true);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await learner.gradient(mb, coefs);
      await learner.act(mb.obs.subarray(0, 3 * obsDim), 3);
    }
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
  });
});
