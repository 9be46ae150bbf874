/**
 * PPO clipped-surrogate loss for one minibatch (CleanRL's formulation, optional value clipping),
 * in plain JS on the networks' outputs: its value, its statistics, and its gradient with respect to
 * those outputs, which the learner backpropagates through the networks on the device.
 */
import type { TrainConfig } from '../config.ts';
import { M, type PpoStats } from '../metrics.ts';
import { logSoftmaxRow } from './categorical.ts';
import { gsdeLogStd, HALF_LOG_2PI } from './gaussian.ts';
import type { MinibatchArrays, PolicyOutput } from './learner.ts';
import { actorWidth, type PolicyHead } from './policyHead.ts';

export interface LossCoefs {
  clipCoef: number;
  entCoef: number;
  vfCoef: number;
  /** Normalize advantages per minibatch: (A - mean) / (std + 1e-8), std with Bessel's correction as torch. */
  normAdv: boolean;
  /** Clip the value prediction around valuesOld by clipCoef and take the larger loss (CleanRL clip_vloss). */
  clipVloss?: boolean;
}

/** The loss coefficients of a run's config. */
export function lossCoefs(c: Pick<TrainConfig, 'clipCoef' | 'entCoef' | 'vfCoef' | 'normAdv' | 'clipVloss'>): LossCoefs {
  return { clipCoef: c.clipCoef, entCoef: c.entCoef, vfCoef: c.vfCoef, normAdv: c.normAdv, clipVloss: c.clipVloss };
}

export interface PpoLossGrads {
  loss: number;
  /** Policy and value loss, entropy, approximate KL and clip fraction of the minibatch. */
  stats: PpoStats;
  /** dLoss/dActorOut [B, actorWidth]. */
  dActorOut: Float32Array;
  /** dLoss/dValue [B]. */
  dValues: Float32Array;
  /** dLoss/dLogStd, shaped as the log-std parameter; empty for a categorical head. */
  dLogStd: Float32Array;
}

/**
 *   ratio   = exp(logp - logpOld)
 *   pgLoss  = mean(max(-A * ratio, -A * clip(ratio, 1 - clipCoef, 1 + clipCoef)))
 *   vLoss   = 0.5 * mean((V - R)^2), or with clipVloss
 *             0.5 * mean(max((V - R)^2, (Vold + clip(V - Vold, -clipCoef, clipCoef) - R)^2))
 *   loss    = pgLoss - entCoef * entropy + vfCoef * vLoss
 * with logp and entropy (the mean over rows) of the policy's distribution:
 *   categorical: log-softmax of the logits; entropy -sum p log p
 *   Gaussian:    logp = sum over the D dims of -0.5 ((a - mean) / std)^2 - log std - 0.5 log 2pi,
 *                entropy = sum(0.5 + 0.5 log 2pi + log std), std = exp(logStd) [D]; with gSDE
 *                std_bj = sqrt(sum_i z_bi^2 exp(2 logStd_ij) + GSDE_EPS) from the actor's last hidden
 *                layer z, which gets no gradient (gaussian.ts).
 * approxKl = mean((ratio - 1) - log ratio) and clipfrac = mean(|ratio - 1| > clipCoef) are side
 * outputs. Where a max or clip is flat the gradient is 0 (ties go to the first argument), as autodiff's.
 * Accumulates in float64.
 */
export function ppoLossGrads(head: PolicyHead, out: PolicyOutput, mb: MinibatchArrays, coefs: LossCoefs): PpoLossGrads {
  const n = mb.size;
  const w = actorWidth(head);
  const dActorOut = new Float32Array(n * w);
  const dLogStd = new Float32Array(out.logStd.length);
  const logp = new Float64Array(n);
  const dLogp = new Float64Array(n); // dLoss/dlogp, filled by the policy-gradient pass below
  let entropy = 0;
  let policyGrads: () => void; // writes dActorOut and dLogStd from dLogp

  if (head.type === 'categorical') {
    const logProbs = new Float64Array(n * w); // [B, A]
    const rowEntropy = new Float64Array(n);
    for (let b = 0; b < n; b++) {
      const lp = logProbs.subarray(b * w, (b + 1) * w);
      logSoftmaxRow(out.actorOut, b, w, lp);
      logp[b] = lp[mb.actions[b]];
      for (let j = 0; j < w; j++) rowEntropy[b] -= Math.exp(lp[j]) * lp[j];
      entropy += rowEntropy[b] / n;
    }
    // dlogp/dlogit_j = onehot_j - p_j;  dH/dlogit_j = -p_j (log p_j + H)
    policyGrads = () => {
      for (let k = 0; k < n * w; k++) {
        const b = (k / w) | 0;
        const p = Math.exp(logProbs[k]);
        dActorOut[k] = dLogp[b] * ((k % w === mb.actions[b] ? 1 : 0) - p) + (coefs.entCoef / n) * p * (logProbs[k] + rowEntropy[b]);
      }
    };
  } else {
    const gsde = out.actorHidden.length > 0;
    const h = gsde ? out.actorHidden.length / n : 0;
    let rowLogStd: ArrayLike<number>; // [B, D]
    if (gsde) gsdeLogStd(out.actorHidden, out.logStd, n, h, w, (rowLogStd = new Float32Array(n * w)));
    else rowLogStd = Float32Array.from({ length: n * w }, (_, k) => out.logStd[k % w]);
    const std = new Float64Array(n * w);
    const z = new Float64Array(n * w); // (a - mean) / std
    for (let k = 0; k < n * w; k++) {
      std[k] = Math.exp(rowLogStd[k]);
      z[k] = (mb.actions[k] - out.actorOut[k]) / std[k];
      logp[(k / w) | 0] += -0.5 * z[k] * z[k] - rowLogStd[k] - HALF_LOG_2PI;
      entropy += (0.5 + HALF_LOG_2PI + rowLogStd[k]) / n;
    }
    // dlogp/dmean = z / std;  dlogp/dlogStd = z^2 - 1;  dEntropy/dlogStd_bj = 1 / B; with gSDE
    // dlogStd_bj/dtheta_ij = x_bi^2 exp(2 theta_ij) / std_bj^2 (theta the log-std parameter, x the features)
    const thetaVar = gsde ? Float64Array.from(out.logStd, (t) => Math.exp(2 * t)) : null; // exp(2 theta) [H, D]
    policyGrads = () => {
      for (let k = 0; k < n * w; k++) {
        const b = (k / w) | 0;
        const j = k % w;
        dActorOut[k] = (dLogp[b] * z[k]) / std[k];
        const dRow = dLogp[b] * (z[k] * z[k] - 1) - coefs.entCoef / n;
        if (!gsde) {
          dLogStd[j] += dRow;
          continue;
        }
        const variance = std[k] * std[k];
        for (let i = 0; i < h; i++) {
          dLogStd[i * w + j] += (dRow * out.actorHidden[b * h + i] ** 2 * thetaVar![i * w + j]) / variance;
        }
      }
    };
  }

  let advMean = 0;
  let advScale = 1;
  if (coefs.normAdv) {
    for (let b = 0; b < n; b++) advMean += mb.advantages[b] / n;
    let ss = 0;
    for (let b = 0; b < n; b++) ss += (mb.advantages[b] - advMean) ** 2;
    advScale = 1 / (Math.sqrt(ss / Math.max(n - 1, 1)) + 1e-8);
  }
  const c = coefs.clipCoef;
  let pgLoss = 0;
  let approxKl = 0;
  let clipfrac = 0;
  for (let b = 0; b < n; b++) {
    const adv = coefs.normAdv ? (mb.advantages[b] - advMean) * advScale : mb.advantages[b];
    const logratio = logp[b] - mb.logpOld[b];
    const ratio = Math.exp(logratio);
    const pg1 = -adv * ratio;
    const pg2 = -adv * Math.min(Math.max(ratio, 1 - c), 1 + c);
    pgLoss += Math.max(pg1, pg2) / n;
    dLogp[b] = pg1 >= pg2 ? (-adv * ratio) / n : 0; // the clipped branch is flat in the ratio
    approxKl += (ratio - 1 - logratio) / n;
    if (Math.abs(ratio - 1) > c) clipfrac += 1 / n;
  }
  policyGrads();

  const dValues = new Float32Array(n);
  let vLoss = 0;
  for (let b = 0; b < n; b++) {
    const v = out.values[b];
    const err = v - mb.returns[b];
    let vErr = err * err;
    let dErr = 2 * err; // d vErr / dV
    if (coefs.clipVloss) {
      const old = mb.valuesOld[b];
      const delta = v - old;
      const errClipped = old + Math.min(Math.max(delta, -c), c) - mb.returns[b];
      if (errClipped * errClipped > vErr) {
        vErr = errClipped * errClipped;
        dErr = delta >= -c && delta <= c ? 2 * errClipped : 0;
      }
    }
    vLoss += (0.5 * vErr) / n;
    dValues[b] = (coefs.vfCoef * 0.5 * dErr) / n;
  }

  const loss = pgLoss - coefs.entCoef * entropy + coefs.vfCoef * vLoss;
  const stats = { [M.policyLoss]: pgLoss, [M.valueLoss]: vLoss, [M.entropy]: entropy, [M.approxKl]: approxKl, [M.clipfrac]: clipfrac };
  return { loss, stats, dActorOut, dValues, dLogStd };
}
