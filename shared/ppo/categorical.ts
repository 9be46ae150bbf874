/**
 * Categorical distribution over logits, in plain JS on row-major [B, A] Float32Arrays.
 * Used for action sampling after one batched inference.
 */

/** Writes log-softmax of row `row` of `logits` ([B, A]) into `out` ([A]), stable via max-shift. */
export function logSoftmaxRow(
  logits: Float32Array, // [B, A]
  row: number,
  numActions: number,
  out: Float64Array, // [A]
): void {
  const base = row * numActions;
  let max = -Infinity;
  for (let a = 0; a < numActions; a++) max = Math.max(max, logits[base + a]);
  let sum = 0;
  for (let a = 0; a < numActions; a++) sum += Math.exp(logits[base + a] - max);
  const logZ = max + Math.log(sum);
  for (let a = 0; a < numActions; a++) out[a] = logits[base + a] - logZ;
}

/**
 * Samples one action per row by inverse CDF: the smallest a with cdf(a) > u, u = u() in [0, 1).
 * Writes the action to outActions[b] and its log-probability to outLogp[b].
 */
export function sampleCategorical(
  logits: Float32Array, // [B, A]
  batch: number,
  numActions: number,
  u: () => number,
  outActions: Int32Array | Float32Array, // [B]
  outLogp: Float32Array, // [B]
): void {
  const logp = new Float64Array(numActions);
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b, numActions, logp);
    const x = u();
    let cdf = 0;
    let action = -1;
    let lastPositive = 0;
    for (let a = 0; a < numActions; a++) {
      const p = Math.exp(logp[a]);
      if (p > 0) lastPositive = a;
      cdf += p;
      if (x < cdf) {
        action = a;
        break;
      }
    }
    if (action < 0) action = lastPositive; // cdf summed to slightly below 1
    outActions[b] = action;
    outLogp[b] = logp[action];
  }
}

/** Entropy -sum p log p of each row ([B, A] logits -> [B]). */
export function categoricalEntropy(logits: Float32Array, batch: number, numActions: number): Float32Array<ArrayBuffer> {
  const logp = new Float64Array(numActions);
  const out = new Float32Array(batch);
  for (let b = 0; b < batch; b++) {
    logSoftmaxRow(logits, b, numActions, logp);
    let h = 0;
    for (let a = 0; a < numActions; a++) {
      const p = Math.exp(logp[a]);
      if (p > 0) h -= p * logp[a];
    }
    out[b] = h;
  }
  return out;
}
