/**
 * Diagonal Gaussian with a state-independent log-std, in plain JS on row-major [B, D]
 * Float32Arrays (CleanRL ppo_continuous_action's Normal(mean, exp(logStd)), summed over dims).
 * Used for action sampling after one batched inference. Actions here are unclipped: clipping to
 * the Box bounds happens only where they are applied to the env.
 */

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** log N(actions | mean, exp(logStd)) summed over the D dims of each row ([B, D] -> out [B]). */
export function gaussianLogProb(
  actions: Float32Array, // [B, D]
  mean: Float32Array, // [B, D]
  logStd: ArrayLike<number>, // [D]
  batch: number,
  actionDim: number,
  out: Float32Array, // [B]
): void {
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < actionDim; j++) {
      const k = b * actionDim + j;
      const z = (actions[k] - mean[k]) / Math.exp(logStd[j]);
      lp += -0.5 * z * z - logStd[j] - HALF_LOG_2PI;
    }
    out[b] = lp;
  }
}

/** Entropy of the diagonal Gaussian, the same for every row: sum(0.5 + 0.5 log 2pi + logStd). */
export function gaussianEntropy(logStd: ArrayLike<number>): number {
  let h = 0;
  for (let j = 0; j < logStd.length; j++) h += 0.5 + HALF_LOG_2PI + logStd[j];
  return h;
}

/**
 * Samples a = mean + exp(logStd) * n, n = normal() per value, into outActions [B, D], and writes
 * the log-probability of the stored (float32, unclipped) action to outLogp [B].
 */
export function sampleGaussian(
  mean: Float32Array, // [B, D]
  logStd: ArrayLike<number>, // [D]
  batch: number,
  actionDim: number,
  normal: () => number,
  outActions: Float32Array, // [B, D]
  outLogp: Float32Array, // [B]
): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim; j++) {
      const k = b * actionDim + j;
      outActions[k] = mean[k] + Math.exp(logStd[j]) * normal();
    }
  }
  gaussianLogProb(outActions, mean, logStd, batch, actionDim, outLogp);
}
