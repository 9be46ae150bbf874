import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { logSoftmaxRow } from './categorical.ts';
import { gaussianEntropy, gaussianLogProb, gsdeLogStd } from './gaussian.ts';
import { actorCriticLayout, forwardPlain, logStdPlain, paramCount, type ParamSpec } from './params.ts';
import { splitParams } from './model.ts';
import type { PolicyHead } from './policyHead.ts';
import { policyLogpEntropy, ppoGradient, ppoLoss, ppoStatNames, type LossCoefs, type PpoMinibatch } from './loss.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function makeVars(flat: Float32Array, layout: ParamSpec[]): tf.Variable[] {
  const flatT = tf.tensor1d(flat);
  const parts = splitParams(flatT, layout);
  const vars = parts.map((p) => tf.variable(p));
  tf.dispose([flatT, ...parts]);
  return vars;
}

function lossAt(flat: Float32Array, layout: ParamSpec[], mb: PpoMinibatch, coefs: LossCoefs): number {
  return tf.tidy(() => ppoLoss(splitParams(tf.tensor1d(flat), layout), layout, mb, coefs).loss.dataSync()[0]);
}

function disposeMb(mb: PpoMinibatch): void {
  tf.dispose([mb.obs, mb.actions, mb.logpOld, mb.advantages, mb.returns]);
}

const categorical: PolicyHead = { type: 'categorical', numActions: 3 };
const gaussian: PolicyHead = { type: 'gaussian', actionDim: 2, low: [-1, -1], high: [1, 1] };

/** Random minibatch whose ratios at `flat` are the given targets (chosen away from clip edges). */
function randomProblem(seed: number, batch: number, head: PolicyHead, gsde = false) {
  const obsDim = 4;
  const layout = actorCriticLayout(obsDim, head, [8, 8], gsde);
  const rng = new Rng(seed);
  const flat = Float32Array.from({ length: paramCount(layout) }, () => 0.5 * rng.normal());
  const obs = Float32Array.from({ length: batch * obsDim }, () => rng.normal());
  const { actorOut, actorHidden } = forwardPlain(flat, layout, obs, batch);
  let entropy = 0; // the policy's mean entropy, for a Gaussian head
  // log-probs of the minibatch's actions under the params `flat`
  const logpNew = new Float32Array(batch);
  let actions: tf.Tensor1D | tf.Tensor2D;
  if (head.type === 'categorical') {
    const a = Int32Array.from({ length: batch }, () => rng.int(head.numActions));
    const lp = new Float64Array(head.numActions);
    for (let b = 0; b < batch; b++) {
      logSoftmaxRow(actorOut, b, head.numActions, lp);
      logpNew[b] = lp[a[b]];
    }
    actions = tf.tensor1d(a, 'int32');
  } else {
    const d = head.actionDim;
    let logStd: Float32Array = logStdPlain(flat, layout)!; // [D], or [B, D] with gSDE
    if (gsde) gsdeLogStd(actorHidden, logStd, batch, 8, d, (logStd = new Float32Array(batch * d)));
    const a = Float32Array.from({ length: batch * d }, (_, k) => actorOut[k] + Math.exp(logStd[gsde ? k : k % d]) * rng.normal());
    gaussianLogProb(a, actorOut, logStd, batch, d, logpNew);
    entropy = gsde ? gaussianEntropy(logStd) / batch : gaussianEntropy(logStd);
    actions = tf.tensor2d(a, [batch, d]);
  }
  const ratios: number[] = [];
  const logpOld = new Float32Array(batch);
  const bands = [[0.5, 0.75], [0.85, 1.15], [1.25, 1.6]];
  for (let b = 0; b < batch; b++) {
    const [lo, hi] = bands[b % 3];
    const r = lo + (hi - lo) * rng.next();
    ratios.push(r);
    logpOld[b] = logpNew[b] - Math.log(r);
  }
  const mb: PpoMinibatch = {
    obs: tf.tensor2d(obs, [batch, obsDim]),
    actions,
    logpOld: tf.tensor1d(logpOld),
    advantages: tf.tensor1d(Float32Array.from({ length: batch }, () => 1 + rng.normal())),
    returns: tf.tensor1d(Float32Array.from({ length: batch }, () => rng.normal())),
  };
  return { layout, flat, mb, ratios, rng, entropy };
}

const coefs: LossCoefs = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true };

describe.each([
  ['categorical', categorical, false],
  ['gaussian', gaussian, false],
  ['gaussian with gSDE', gaussian, true],
] as const)('ppoGradient (%s head)', (_, head, gsde) => {
  it('matches a central finite difference of ppoLoss on every parameter tensor', () => {
    const { layout, flat, mb, ratios, rng, entropy } = randomProblem(1, 48, head, gsde);
    if (head.type === 'gaussian') expect(layout[layout.length - 1].name).toBe('actor.logStd'); // its gradient is checked below
    const vars = makeVars(flat, layout);
    const { grad, stats } = ppoGradient(vars, layout, mb, coefs);
    expect(grad.shape).toEqual([paramCount(layout)]);
    const g = grad.dataSync();
    const s = stats.dataSync();
    expect(s.length).toBe(ppoStatNames.length);
    const expectedClipfrac = ratios.filter((r) => Math.abs(r - 1) > coefs.clipCoef).length / ratios.length;
    expect(s[ppoStatNames.indexOf('clipfrac')]).toBeCloseTo(expectedClipfrac, 6);
    // approxKl from the target ratios: the loss's log-probs agree with the plain-JS ones
    const expectedKl = ratios.reduce((k, r) => k + (r - 1 - Math.log(r)), 0) / ratios.length;
    expect(s[ppoStatNames.indexOf('approxKl')]).toBeCloseTo(expectedKl, 4);
    if (head.type === 'gaussian') expect(s[ppoStatNames.indexOf('entropy')]).toBeCloseTo(entropy, 4);

    const eps = 1e-3;
    let checked = 0;
    for (const spec of layout) {
      // gSDE takes no gradient through the features (the actor's hidden layers), where a
      // finite difference of the loss sees them; those tensors are checked to have a gradient only
      const hidden = gsde && /^actor\.[0-9]+\./.test(spec.name) && !spec.name.startsWith('actor.2.');
      // a random coordinate of this tensor whose gradient is not lost in float32 round-off
      let maxAbs = 0;
      for (let i = 0; i < spec.size; i++) maxAbs = Math.max(maxAbs, Math.abs(g[spec.offset + i]));
      expect(maxAbs).toBeGreaterThan(1e-3);
      checked++;
      if (hidden) continue;
      const candidates: number[] = [];
      for (let i = 0; i < spec.size; i++) if (Math.abs(g[spec.offset + i]) >= 0.2 * maxAbs) candidates.push(spec.offset + i);
      const k = candidates[rng.int(candidates.length)];
      const plus = flat.slice();
      const minus = flat.slice();
      plus[k] += eps;
      minus[k] -= eps;
      const fd = (lossAt(plus, layout, mb, coefs) - lossAt(minus, layout, mb, coefs)) / (plus[k] - minus[k]);
      expect(Math.abs(fd - g[k]), `${spec.name}[${k - spec.offset}]: fd ${fd} vs grad ${g[k]}`).toBeLessThanOrEqual(2e-2 * Math.abs(g[k]) + 1e-4);
    }
    expect(checked).toBe(layout.length);
    tf.dispose([grad, stats, ...vars]);
    disposeMb(mb);
  });

  it('keeps tf.memory().numTensors flat over 200 iterations', () => {
    const { layout, flat, mb } = randomProblem(2, 16, head, gsde);
    const vars = makeVars(flat, layout);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) {
      const { grad, stats } = ppoGradient(vars, layout, mb, coefs);
      grad.dispose();
      stats.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(vars);
    disposeMb(mb);
  });
});

describe('policyLogpEntropy with gSDE', () => {
  it('depends on the features in value but passes them no gradient', () => {
    const layout = actorCriticLayout(4, gaussian, [3], true);
    const params = splitParams(tf.tensor1d(Float32Array.from({ length: paramCount(layout) }, (_, i) => Math.sin(i))), layout);
    const actorOut = tf.tensor2d([0.1, -0.2, 0.3, 0.4], [2, 2]);
    const actions = tf.tensor2d([0.5, 0, -0.5, 1], [2, 2]);
    const features = tf.tensor2d([0.2, -0.9, 0.5, 0.7, 0.1, -0.3], [2, 3]);
    const logpSum = (h: tf.Tensor2D) => tf.sum(policyLogpEntropy(params, layout, actorOut, h, actions).logp);
    expect(logpSum(features).dataSync()[0]).not.toBeCloseTo(logpSum(tf.mul(features, 2)).dataSync()[0], 2);
    const g = tf.grad((h: tf.Tensor) => logpSum(h as tf.Tensor2D))(features);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([...params, actorOut, actions, features, g]);
  });
});

describe('ppoLoss', () => {
  // obs -> 1 hidden unit -> 2 logits; all weights 0, so logits = actor.1.b = [0, ln 3]
  // (probs [0.25, 0.75]) and V = critic.1.b = 2 for every observation.
  const layout = actorCriticLayout(1, { type: 'categorical', numActions: 2 }, [1]);
  const flat = new Float32Array(paramCount(layout));
  const at = (name: string): number => layout.find((p) => p.name === name)!.offset;
  flat[at('actor.1.b') + 1] = Math.log(3);
  flat[at('critic.1.b')] = 2;

  // actions [1, 0]: logp = [ln 0.75, ln 0.25]; logpOld = ln 0.5 for both, so ratios [1.5, 0.5].
  // Both are clipped: A=+1 with r=1.5 -> max(-1.5, -1.2) = -1.2; A=-1 with r=0.5 -> max(0.5, 0.8) = 0.8.
  const makeMb = (): PpoMinibatch => ({
    obs: tf.tensor2d([0.3, -0.7], [2, 1]),
    actions: tf.tensor1d([1, 0], 'int32'),
    logpOld: tf.tensor1d([Math.log(0.5), Math.log(0.5)]),
    advantages: tf.tensor1d([1, -1]),
    returns: tf.tensor1d([3, 0]),
  });
  const entropy = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));

  it('matches a hand-computed case with clipping active', () => {
    const mb = makeMb();
    const params = splitParams(tf.tensor1d(flat), layout);
    const c: LossCoefs = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: false };
    const out = ppoLoss(params, layout, mb, c);
    const pgLoss = (-1.2 + 0.8) / 2;
    const vLoss = 0.5 * ((2 - 3) ** 2 + (2 - 0) ** 2) / 2; // 1.25
    expect(out.pgLoss.dataSync()[0]).toBeCloseTo(pgLoss, 5);
    expect(out.vLoss.dataSync()[0]).toBeCloseTo(vLoss, 5);
    expect(out.entropy.dataSync()[0]).toBeCloseTo(entropy, 5);
    expect(out.approxKl.dataSync()[0]).toBeCloseTo((0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5))) / 2, 5);
    expect(out.clipfrac.dataSync()[0]).toBe(1);
    expect(out.loss.dataSync()[0]).toBeCloseTo(pgLoss - 0.01 * entropy + 0.5 * vLoss, 5);

    // normalized advantages [1, -1] -> [1, -1] / sqrt(2) (unbiased std, as torch.std)
    const outNorm = ppoLoss(params, layout, mb, { ...c, normAdv: true });
    expect(outNorm.pgLoss.dataSync()[0]).toBeCloseTo(pgLoss / Math.SQRT2, 5);
    tf.dispose([...Object.values(out), ...Object.values(outNorm), ...params]);
    disposeMb(mb);
  });

  it('clipVloss takes the larger of the unclipped and clipped value errors (CleanRL clip_vloss)', () => {
    // V = 2 everywhere; valuesOld [1.5, 2.5] and clipCoef 0.2 give clipped values [1.7, 2.3]:
    // errors unclipped [(2-3)^2, (2-0)^2] = [1, 4], clipped [(1.7-3)^2, (2.3-0)^2] = [1.69, 5.29].
    const mb = { ...makeMb(), valuesOld: tf.tensor1d([1.5, 2.5]) };
    const c: LossCoefs = { clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, normAdv: false, clipVloss: true };
    const params = splitParams(tf.tensor1d(flat), layout);
    const out = ppoLoss(params, layout, mb, c);
    expect(out.vLoss.dataSync()[0]).toBeCloseTo(0.5 * (1.69 + 5.29) / 2, 5);
    // Both samples take the clipped branch, which is flat in V: the critic gets no gradient.
    const vars = makeVars(flat, layout);
    const { grad, stats } = ppoGradient(vars, layout, mb, c);
    expect(grad.dataSync()[at('critic.1.b')]).toBe(0);
    expect(() => ppoLoss(params, layout, makeMb(), c)).toThrow(/valuesOld/);
    tf.dispose([...Object.values(out), ...params, grad, stats, ...vars, mb.valuesOld]);
    disposeMb(mb);
  });

  it('gradient: clipped samples give the actor no policy gradient; critic gets vfCoef * mean(V - R)', () => {
    const mb = makeMb();
    const vars = makeVars(flat, layout);
    const { grad, stats } = ppoGradient(vars, layout, mb, { clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, normAdv: false });
    const g = grad.dataSync();
    expect(g[at('actor.1.b')]).toBe(0);
    expect(g[at('actor.1.b') + 1]).toBe(0);
    expect(g[at('critic.1.b')]).toBeCloseTo(0.5 * ((2 - 3) + (2 - 0)) / 2, 6);
    expect(Array.from(stats.dataSync()).slice(0, 2).map((x) => +x.toFixed(5))).toEqual([-0.2, 1.25]);
    tf.dispose([grad, stats, ...vars]);

    // with a wider clip the same samples are unclipped and the actor does get a gradient
    const vars2 = makeVars(flat, layout);
    const wide = ppoGradient(vars2, layout, mb, { clipCoef: 0.6, entCoef: 0, vfCoef: 0.5, normAdv: false });
    expect(Math.abs(wide.grad.dataSync()[at('actor.1.b')])).toBeGreaterThan(0.1);
    tf.dispose([wide.grad, wide.stats, ...vars2]);
    disposeMb(mb);
  });
});
