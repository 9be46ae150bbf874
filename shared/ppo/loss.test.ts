import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { logSoftmaxRow } from './categorical.ts';
import { gaussianEntropy, gaussianLogProb, gsdeLogStd } from './gaussian.ts';
import { actorCriticLayout, forwardPlain, logStdPlain, paramCount, type ParamSpec } from './params.ts';
import { Learner, type MinibatchArrays, type PolicyOutput } from './learner.ts';
import type { PolicyHead } from './policyHead.ts';
import { ppoLossGrads, type LossCoefs } from './loss.ts';
import { M, PPO_STATS } from '../metrics.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const categorical: PolicyHead = { type: 'categorical', numActions: 3 };
const gaussian: PolicyHead = { type: 'gaussian', actionDim: 2, low: [-1, -1], high: [1, 1] };

/**
 * The network outputs at `flat` in plain JS (float64 forward pass). With `features` given they
 * stand in for the actor's last hidden layer, as the loss takes them without their gradient.
 */
function outputsAt(flat: Float32Array, layout: ParamSpec[], mb: MinibatchArrays, gsde: boolean, features?: Float32Array): PolicyOutput {
  const { actorOut, value, actorHidden } = forwardPlain(flat, layout, mb.obs, mb.size);
  return { actorOut, values: value, logStd: logStdPlain(flat, layout) ?? new Float32Array(0), actorHidden: gsde ? (features ?? actorHidden) : new Float32Array(0) };
}

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
  let actions: Float32Array;
  if (head.type === 'categorical') {
    actions = Float32Array.from({ length: batch }, () => rng.int(head.numActions));
    const lp = new Float64Array(head.numActions);
    for (let b = 0; b < batch; b++) {
      logSoftmaxRow(actorOut, b, head.numActions, lp);
      logpNew[b] = lp[actions[b]];
    }
  } else {
    const d = head.actionDim;
    let logStd: Float32Array = logStdPlain(flat, layout)!; // [D], or [B, D] with gSDE
    if (gsde) gsdeLogStd(actorHidden, logStd, batch, 8, d, (logStd = new Float32Array(batch * d)));
    actions = Float32Array.from({ length: batch * d }, (_, k) => actorOut[k] + Math.exp(logStd[gsde ? k : k % d]) * rng.normal());
    gaussianLogProb(actions, actorOut, logStd, batch, d, logpNew);
    entropy = gsde ? gaussianEntropy(logStd) / batch : gaussianEntropy(logStd);
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
  const mb: MinibatchArrays = {
    size: batch,
    obs,
    actions,
    logpOld,
    advantages: Float32Array.from({ length: batch }, () => 1 + rng.normal()),
    returns: Float32Array.from({ length: batch }, () => rng.normal()),
    valuesOld: Float32Array.from({ length: batch }, () => rng.normal()),
  };
  return { layout, flat, mb, ratios, rng, entropy, features: actorHidden };
}

const coefs: LossCoefs = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: true };

describe.each([
  ['categorical', categorical, false, false],
  ['gaussian', gaussian, false, false],
  ['gaussian with gSDE', gaussian, true, false],
  ['categorical, clipVloss', categorical, false, true],
] as const)('Learner.gradient (%s)', (_, head, gsde, clipVloss) => {
  it('matches a central finite difference of the loss on every parameter tensor', async () => {
    const { layout, flat, mb, ratios, rng, entropy, features } = randomProblem(1, 48, head, gsde);
    if (head.type === 'gaussian') expect(layout[layout.length - 1].name).toBe('actor.logStd'); // its gradient is checked below
    const c = { ...coefs, clipVloss };
    const learner = new Learner(layout, flat, 4, head);
    const { grad: g, stats: s } = await learner.gradient(mb, c);
    learner.dispose();
    expect(g.length).toBe(paramCount(layout));
    expect(Object.keys(s).sort()).toEqual([...PPO_STATS].sort());
    const expectedClipfrac = ratios.filter((r) => Math.abs(r - 1) > coefs.clipCoef).length / ratios.length;
    expect(s[M.clipfrac]).toBeCloseTo(expectedClipfrac, 6);
    // approxKl from the target ratios: the loss's log-probs agree with the rollout's
    const expectedKl = ratios.reduce((k, r) => k + (r - 1 - Math.log(r)), 0) / ratios.length;
    expect(s[M.approxKl]).toBeCloseTo(expectedKl, 4);
    if (head.type === 'gaussian') expect(s[M.entropy]).toBeCloseTo(entropy, 4);

    // gSDE takes no gradient through its features (the actor's last hidden layer), so the
    // reference loss holds them at their value at `flat`
    const lossAt = (p: Float32Array) => ppoLossGrads(head, outputsAt(p, layout, mb, gsde, features), mb, c).loss;
    const eps = 1e-3;
    for (const spec of layout) {
      // a random coordinate of this tensor whose gradient is not lost in float32 round-off
      let maxAbs = 0;
      for (let i = 0; i < spec.size; i++) maxAbs = Math.max(maxAbs, Math.abs(g[spec.offset + i]));
      expect(maxAbs, spec.name).toBeGreaterThan(1e-3);
      const candidates: number[] = [];
      for (let i = 0; i < spec.size; i++) if (Math.abs(g[spec.offset + i]) >= 0.2 * maxAbs) candidates.push(spec.offset + i);
      const k = candidates[rng.int(candidates.length)];
      const plus = flat.slice();
      const minus = flat.slice();
      plus[k] += eps;
      minus[k] -= eps;
      const fd = (lossAt(plus) - lossAt(minus)) / (plus[k] - minus[k]);
      expect(Math.abs(fd - g[k]), `${spec.name}[${k - spec.offset}]: fd ${fd} vs grad ${g[k]}`).toBeLessThanOrEqual(2e-2 * Math.abs(g[k]) + 1e-4);
    }
  });

  it('keeps tf.memory().numTensors flat over 200 iterations', async () => {
    const { layout, flat, mb } = randomProblem(2, 16, head, gsde);
    const learner = new Learner(layout, flat, 4, head);
    await learner.gradient(mb, coefs);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) await learner.gradient(mb, { ...coefs, clipVloss });
    expect(tf.memory().numTensors).toBe(before);
    learner.dispose();
  });
});

describe('ppoLossGrads', () => {
  // Two samples, two actions; logits [0, ln 3] (probs [0.25, 0.75]) and V = 2 for both.
  // actions [1, 0]: logp = [ln 0.75, ln 0.25]; logpOld = ln 0.5 for both, so ratios [1.5, 0.5].
  // Both are clipped: A=+1 with r=1.5 -> max(-1.5, -1.2) = -1.2; A=-1 with r=0.5 -> max(0.5, 0.8) = 0.8.
  const head: PolicyHead = { type: 'categorical', numActions: 2 };
  const out: PolicyOutput = {
    actorOut: Float32Array.of(0, Math.log(3), 0, Math.log(3)),
    values: Float32Array.of(2, 2),
    logStd: new Float32Array(0),
    actorHidden: new Float32Array(0),
  };
  const mb: MinibatchArrays = {
    size: 2,
    obs: Float32Array.of(0.3, -0.7),
    actions: Float32Array.of(1, 0),
    logpOld: Float32Array.of(Math.log(0.5), Math.log(0.5)),
    advantages: Float32Array.of(1, -1),
    returns: Float32Array.of(3, 0),
    valuesOld: Float32Array.of(1.5, 2.5),
  };
  const entropy = -(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75));

  it('matches a hand-computed case with clipping active', () => {
    const c: LossCoefs = { clipCoef: 0.2, entCoef: 0.01, vfCoef: 0.5, normAdv: false };
    const { loss, stats } = ppoLossGrads(head, out, mb, c);
    const pgLoss = (-1.2 + 0.8) / 2;
    const vLoss = 0.5 * ((2 - 3) ** 2 + (2 - 0) ** 2) / 2; // 1.25
    expect(stats[M.policyLoss]).toBeCloseTo(pgLoss, 6);
    expect(stats[M.valueLoss]).toBeCloseTo(vLoss, 6);
    expect(stats[M.entropy]).toBeCloseTo(entropy, 6);
    expect(stats[M.approxKl]).toBeCloseTo((0.5 - Math.log(1.5) + (-0.5 - Math.log(0.5))) / 2, 6);
    expect(stats[M.clipfrac]).toBe(1);
    expect(loss).toBeCloseTo(pgLoss - 0.01 * entropy + 0.5 * vLoss, 6);

    // normalized advantages [1, -1] -> [1, -1] / sqrt(2) (unbiased std, as torch.std)
    expect(ppoLossGrads(head, out, mb, { ...c, normAdv: true }).stats[M.policyLoss]).toBeCloseTo(pgLoss / Math.SQRT2, 6);
  });

  it('clipped samples give the policy no gradient; the critic gets vfCoef * (V - R) / B', () => {
    const g = ppoLossGrads(head, out, mb, { clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, normAdv: false });
    expect(g.dActorOut.every((x) => x === 0)).toBe(true);
    expect(g.dValues[0]).toBeCloseTo((0.5 * (2 - 3)) / 2, 7);
    expect(g.dValues[1]).toBeCloseTo((0.5 * (2 - 0)) / 2, 7);
    // with a wider clip the same samples are unclipped: sample 0 (A = 1, r = 1.5, action 1) has
    // dLoss/dlogit = -A r (onehot - p) / B = -0.75 * ([0, 1] - [0.25, 0.75])
    const wide = ppoLossGrads(head, out, mb, { clipCoef: 0.6, entCoef: 0, vfCoef: 0.5, normAdv: false });
    expect(wide.dActorOut[0]).toBeCloseTo(0.75 * 0.25, 6);
    expect(wide.dActorOut[1]).toBeCloseTo(-0.75 * 0.25, 6);
  });

  it('clipVloss takes the larger of the unclipped and clipped value errors (CleanRL clip_vloss)', () => {
    // valuesOld [1.5, 2.5] and clipCoef 0.2 give clipped values [1.7, 2.3]:
    // errors unclipped [(2-3)^2, (2-0)^2] = [1, 4], clipped [(1.7-3)^2, (2.3-0)^2] = [1.69, 5.29].
    const g = ppoLossGrads(head, out, mb, { clipCoef: 0.2, entCoef: 0, vfCoef: 0.5, normAdv: false, clipVloss: true });
    expect(g.stats[M.valueLoss]).toBeCloseTo(0.5 * (1.69 + 5.29) / 2, 6);
    // Both samples take the clipped branch, which is flat in V: the critic gets no gradient.
    expect(g.dValues.every((x) => x === 0)).toBe(true);
  });

  it('a Gaussian head: logStd gets sum(z^2 - 1) times the policy weight, minus entCoef', () => {
    // one sample, one dim: mean 0, logStd 0, action 0.5 (z = 0.5); ratio 1 (unclipped), A = 2
    const g = ppoLossGrads(
      { type: 'gaussian', actionDim: 1, low: [-1], high: [1] },
      { actorOut: Float32Array.of(0), values: Float32Array.of(0), logStd: Float32Array.of(0), actorHidden: new Float32Array(0) },
      { size: 1, obs: Float32Array.of(0), actions: Float32Array.of(0.5), logpOld: Float32Array.of(-0.125 - 0.5 * Math.log(2 * Math.PI)), advantages: Float32Array.of(2), returns: Float32Array.of(0), valuesOld: Float32Array.of(0) },
      { clipCoef: 0.2, entCoef: 0.1, vfCoef: 0.5, normAdv: false },
    );
    expect(g.stats[M.approxKl]).toBeCloseTo(0, 6);
    // dLoss/dlogp = -A r = -2; dlogp/dmean = z / std = 0.5; dlogp/dlogStd = z^2 - 1 = -0.75
    expect(g.dActorOut[0]).toBeCloseTo(-1, 6);
    expect(g.dLogStd[0]).toBeCloseTo(-2 * -0.75 - 0.1, 6);
  });
});
