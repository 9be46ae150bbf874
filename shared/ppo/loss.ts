/**
 * PPO clipped-surrogate loss for one minibatch, CleanRL's formulation (no value clipping),
 * and its gradient as one flat tensor in layout order (one async readback for the caller).
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainConfig } from '../config.ts';
import { type ParamSpec } from './params.ts';
import { forward, logStdParam, stopGradient } from './model.ts';
import { GSDE_EPS, HALF_LOG_2PI } from './gaussian.ts';

export interface PpoMinibatch {
  obs: tf.Tensor2D; // [B, obsDim]
  /** Categorical: [B] int32 action indices. Gaussian: [B, actionDim] float32 unclipped actions. */
  actions: tf.Tensor1D | tf.Tensor2D;
  logpOld: tf.Tensor1D; // [B]
  advantages: tf.Tensor1D; // [B]
  returns: tf.Tensor1D; // [B]
  /** Values at collection time [B]; needed when clipVloss. */
  valuesOld?: tf.Tensor1D;
}

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

export interface PpoLossOutput {
  loss: tf.Scalar;
  pgLoss: tf.Scalar;
  vLoss: tf.Scalar;
  entropy: tf.Scalar;
  approxKl: tf.Scalar;
  clipfrac: tf.Scalar;
}

/** Order of the entries of `ppoGradient`'s stats tensor. */
export const ppoStatNames = ['pgLoss', 'vLoss', 'entropy', 'approxKl', 'clipfrac'] as const;

/**
 * Log-probability [B] of `actions` and mean entropy of the policy, for either head (the layout
 * has actor.logStd exactly for a Gaussian head). Gaussian, summed over the D dims:
 *   logp    = sum(-0.5 ((a - mean) / std)^2 - log std - 0.5 log 2pi)
 *   entropy = mean over rows of sum(0.5 + 0.5 log 2pi + log std)
 * with std = exp(logStd) [D], or with gSDE std_bj = sqrt(sum_i z_bi^2 exp(2 logStd_ij) + GSDE_EPS)
 * from the actor's last hidden layer z = `actorHidden`, taken without its gradient (gaussian.ts).
 */
export function policyLogpEntropy(
  params: tf.Tensor[],
  layout: ParamSpec[],
  actorOut: tf.Tensor2D, // [B, actorWidth]
  actorHidden: tf.Tensor2D, // [B, lastHidden]
  actions: tf.Tensor1D | tf.Tensor2D,
): { logp: tf.Tensor1D; entropy: tf.Scalar } {
  return tf.tidy(() => {
    const param = logStdParam(params, layout); // [D], [H, D] or null
    if (param) {
      const logStd = param.rank === 2 // [B, D] or [D]
        ? tf.mul(0.5, tf.log(tf.add(tf.matMul(tf.square(stopGradient(actorHidden)), tf.exp(tf.mul(2, param)) as tf.Tensor2D), GSDE_EPS)))
        : param;
      const z = tf.div(tf.sub(actions, actorOut), tf.exp(logStd)); // [B, D]
      const perDim = tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logStd), HALF_LOG_2PI); // [B, D]
      const entropy = tf.div(tf.sum(tf.add(logStd, 0.5 + HALF_LOG_2PI)), logStd.rank === 2 ? logStd.shape[0] : 1) as tf.Scalar;
      return { logp: tf.sum(perDim, 1) as tf.Tensor1D, entropy };
    }
    const logpAll = tf.logSoftmax(actorOut); // [B, A]
    const onehot = tf.oneHot(actions as tf.Tensor1D, actorOut.shape[1]); // [B, A]
    return {
      logp: tf.sum(tf.mul(logpAll, onehot), 1) as tf.Tensor1D,
      entropy: tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1))) as tf.Scalar,
    };
  });
}

/**
 *   ratio   = exp(logp - logpOld)
 *   pgLoss  = mean(max(-A * ratio, -A * clip(ratio, 1 - clipCoef, 1 + clipCoef)))
 *   vLoss   = 0.5 * mean((V - returns)^2), or with clipVloss
 *             0.5 * mean(max((V - R)^2, (Vold + clip(V - Vold, -clipCoef, clipCoef) - R)^2))
 *   loss    = pgLoss - entCoef * entropy + vfCoef * vLoss
 * approxKl = mean((ratio - 1) - log ratio) and clipfrac = mean(|ratio - 1| > clipCoef) are
 * side outputs only; gradients are taken of `loss` alone.
 */
export function ppoLoss(params: tf.Tensor[], layout: ParamSpec[], mb: PpoMinibatch, coefs: LossCoefs): PpoLossOutput {
  return tf.tidy(() => {
    const { actorOut, value, actorHidden } = forward(params, layout, mb.obs); // [B, actorWidth], [B], [B, H]
    const { logp, entropy } = policyLogpEntropy(params, layout, actorOut, actorHidden, mb.actions); // [B], []
    const logratio = tf.sub(logp, mb.logpOld);
    const ratio = tf.exp(logratio);

    let adv: tf.Tensor1D = mb.advantages;
    if (coefs.normAdv) {
      const n = adv.shape[0];
      const mean = tf.mean(adv);
      const centered = tf.sub(adv, mean);
      const std = tf.sqrt(tf.div(tf.sum(tf.square(centered)), Math.max(n - 1, 1)));
      adv = tf.div(centered, tf.add(std, 1e-8));
    }

    const clipCoef = coefs.clipCoef;
    const pg1 = tf.mul(tf.neg(adv), ratio);
    const pg2 = tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - clipCoef, 1 + clipCoef));
    const pgLoss = tf.mean(tf.maximum(pg1, pg2)) as tf.Scalar;

    const vUnclipped = tf.square(tf.sub(value, mb.returns));
    let vErr: tf.Tensor = vUnclipped;
    if (coefs.clipVloss) {
      if (!mb.valuesOld) throw new Error('ppoLoss: clipVloss needs valuesOld in the minibatch');
      const vClipped = tf.add(mb.valuesOld, tf.clipByValue(tf.sub(value, mb.valuesOld), -coefs.clipCoef, coefs.clipCoef));
      vErr = tf.maximum(vUnclipped, tf.square(tf.sub(vClipped, mb.returns)));
    }
    const vLoss = tf.mul(0.5, tf.mean(vErr)) as tf.Scalar;
    const loss = tf.add(tf.sub(pgLoss, tf.mul(coefs.entCoef, entropy)), tf.mul(coefs.vfCoef, vLoss)) as tf.Scalar;

    const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logratio)) as tf.Scalar;
    const clipfrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), clipCoef), 'float32')) as tf.Scalar;
    return { loss, pgLoss, vLoss, entropy, approxKl, clipfrac };
  });
}

/**
 * Gradient of the PPO loss w.r.t. `vars` (per-ParamSpec variables in layout order), flattened and
 * concatenated in layout order, plus stats [pgLoss, vLoss, entropy, approxKl, clipfrac].
 * The caller disposes both outputs.
 */
export function ppoGradient(
  vars: tf.Variable[],
  layout: ParamSpec[],
  mb: PpoMinibatch,
  coefs: LossCoefs,
): { grad: tf.Tensor1D; stats: tf.Tensor1D } {
  if (vars.length !== layout.length) throw new RangeError(`ppoGradient: ${vars.length} vars for a layout of ${layout.length}`);
  let stats = null as tf.Tensor1D | null;
  const { value, grads } = tf.variableGrads(() => {
    const out = ppoLoss(vars, layout, mb, coefs);
    stats = tf.keep(tf.stack([out.pgLoss, out.vLoss, out.entropy, out.approxKl, out.clipfrac]) as tf.Tensor1D);
    return out.loss;
  }, vars);
  const grad = tf.tidy(() =>
    tf.concat(
      vars.map((v, i) => {
        const g = grads[v.name];
        return g ? tf.reshape(g, [-1]) : tf.zeros([layout[i].size]);
      }),
    ),
  ) as tf.Tensor1D;
  value.dispose();
  tf.dispose(grads);
  if (!stats) throw new Error('ppoGradient: loss function did not run');
  return { grad, stats };
}
