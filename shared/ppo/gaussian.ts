/**
 * Diagonal Gaussian policies in plain JS on row-major [B, D] Float32Arrays, used for action
 * sampling after one batched inference: CleanRL ppo_continuous_action's Normal(mean,
 * exp(logStd)) summed over dims, and gSDE's state-dependent noise (below). Actions here are
 * unclipped: clipping to the Box bounds happens only where they are applied to the env.
 */

export const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log N(actions | mean, exp(logStd)) summed over the D dims of each row ([B, D] -> out [B]);
 * `logStd` is [D], shared by every row, or [B, D], one per row.
 */
export function gaussianLogProb(
  actions: Float32Array, // [B, D]
  mean: Float32Array, // [B, D]
  logStd: ArrayLike<number>, // [D] or [B, D]
  batch: number,
  actionDim: number,
  out: Float32Array, // [B]
): void {
  const perRow = logStd.length !== actionDim; // with B = 1 the two readings coincide
  for (let b = 0; b < batch; b++) {
    let lp = 0;
    for (let j = 0; j < actionDim; j++) {
      const k = b * actionDim + j;
      const ls = logStd[perRow ? k : j];
      const z = (actions[k] - mean[k]) / Math.exp(ls);
      lp += -0.5 * z * z - ls - HALF_LOG_2PI;
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

/** Floor added to gSDE's variance, as in SB3's state-dependent noise distribution. */
export const GSDE_EPS = 1e-6;

/**
 * gSDE, generalized state-dependent exploration (Raffin et al., 2022): env e holds an
 * exploration matrix theta_e [H, D] with entries theta_ij ~ N(0, exp(logStd_ij)^2), redrawn
 * every few steps, and acts a = mean + z theta_e, where z [H] is the actor's last hidden layer
 * (the loss takes no gradient through z). Given z, a is Gaussian with per-dim variance
 * sum_i z_i^2 exp(2 logStd_ij); this writes its log-std, 0.5 log(variance + GSDE_EPS), per row.
 */
export function gsdeLogStd(
  features: Float32Array, // [B, H]
  logStd: ArrayLike<number>, // [H, D]
  batch: number,
  hidden: number,
  actionDim: number,
  out: Float32Array, // [B, D]
): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim; j++) {
      let v = GSDE_EPS;
      for (let i = 0; i < hidden; i++) v += features[b * hidden + i] ** 2 * Math.exp(2 * logStd[i * actionDim + j]);
      out[b * actionDim + j] = 0.5 * Math.log(v);
    }
  }
}

/** Draws `count` exploration matrices [count, H, D]: theta_ij = exp(logStd_ij) * normal(). */
export function sampleExplorationMatrices(logStd: ArrayLike<number>, count: number, normal: () => number, out: Float32Array): void {
  if (out.length !== count * logStd.length) throw new RangeError(`sampleExplorationMatrices: out holds ${out.length}, expected ${count * logStd.length}`);
  for (let k = 0; k < out.length; k++) out[k] = Math.exp(logStd[k % logStd.length]) * normal();
}

/**
 * gSDE actions a_b = mean_b + z_b theta_b into outActions [B, D] (row b uses matrix b of `theta`),
 * and their log-probabilities under N(mean, exp(rowLogStd)) into outLogp [B], where rowLogStd is
 * `gsdeLogStd` of the same features.
 */
export function sampleGsde(
  mean: Float32Array, // [B, D]
  features: Float32Array, // [B, H]
  theta: Float32Array, // [B, H, D]
  rowLogStd: Float32Array, // [B, D]
  batch: number,
  hidden: number,
  actionDim: number,
  outActions: Float32Array, // [B, D]
  outLogp: Float32Array, // [B]
): void {
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < actionDim; j++) {
      let noise = 0;
      for (let i = 0; i < hidden; i++) noise += features[b * hidden + i] * theta[(b * hidden + i) * actionDim + j];
      outActions[b * actionDim + j] = mean[b * actionDim + j] + noise;
    }
  }
  gaussianLogProb(outActions, mean, rowLogStd, batch, actionDim, outLogp);
}
