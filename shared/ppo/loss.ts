/**
 * PPO clipped-surrogate loss for one minibatch, CleanRL's formulation (no value clipping),
 * and its gradient as one flat tensor in layout order (one async readback for the caller).
 */
import * as tf from '@tensorflow/tfjs';
import { forward, type ParamSpec } from './model.ts';

export interface PpoMinibatch {
  obs: tf.Tensor2D; // [B, obsDim]
  actions: tf.Tensor1D; // [B] int32
  logpOld: tf.Tensor1D; // [B]
  advantages: tf.Tensor1D; // [B]
  returns: tf.Tensor1D; // [B]
}

export interface LossCoefs {
  clipCoef: number;
  entCoef: number;
  vfCoef: number;
  /** Normalize advantages per minibatch: (A - mean) / (std + 1e-8), std with Bessel's correction as torch. */
  normAdv: boolean;
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
 *   ratio   = exp(logp - logpOld)
 *   pgLoss  = mean(max(-A * ratio, -A * clip(ratio, 1 - clipCoef, 1 + clipCoef)))
 *   vLoss   = 0.5 * mean((V - returns)^2)
 *   loss    = pgLoss - entCoef * entropy + vfCoef * vLoss
 * approxKl = mean((ratio - 1) - log ratio) and clipfrac = mean(|ratio - 1| > clipCoef) are
 * side outputs only; gradients are taken of `loss` alone.
 */
export function ppoLoss(params: tf.Tensor[], layout: ParamSpec[], mb: PpoMinibatch, coefs: LossCoefs): PpoLossOutput {
  return tf.tidy(() => {
    const { logits, value } = forward(params, layout, mb.obs); // [B, A], [B]
    const numActions = logits.shape[1];
    const logpAll = tf.logSoftmax(logits); // [B, A]
    const onehot = tf.oneHot(mb.actions, numActions); // [B, A]
    const logp = tf.sum(tf.mul(logpAll, onehot), 1); // [B]
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

    const vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(value, mb.returns)))) as tf.Scalar;
    const entropy = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1))) as tf.Scalar;
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
