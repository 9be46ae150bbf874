/**
 * Generalized Advantage Estimation (Schulman et al. 2016), vectorized over envs.
 * All arrays are row-major [T, E] (step-major), computed in float64 internally.
 */

/**
 * values[t, e] = V(obs_t); dones[t, e] = 1 if the episode ended at step t (after reward r_t);
 * lastValues[e] = V(obs_T). Truncation bootstrapping must already be folded into `rewards`.
 *
 *   delta_t = r_t + gamma * V_{t+1} * (1 - done_t) - V_t
 *   A_t     = delta_t + gamma * gaeLambda * (1 - done_t) * A_{t+1}
 *   returns = A + V
 */
export function computeGae(
  rewards: Float32Array, // [T, E]
  values: Float32Array, // [T, E]
  dones: Uint8Array, // [T, E]
  lastValues: Float32Array, // [E]
  numSteps: number,
  numEnvs: number,
  gamma: number,
  gaeLambda: number,
): { advantages: Float32Array<ArrayBuffer>; returns: Float32Array<ArrayBuffer> } {
  const n = numSteps * numEnvs;
  if (rewards.length !== n || values.length !== n || dones.length !== n || lastValues.length !== numEnvs) {
    throw new RangeError(`computeGae: expected [${numSteps}, ${numEnvs}] arrays and [${numEnvs}] lastValues`);
  }
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  const nextAdv = new Float64Array(numEnvs); // A_{t+1}, [E]
  const nextValue = Float64Array.from(lastValues); // V_{t+1}, [E]
  for (let t = numSteps - 1; t >= 0; t--) {
    for (let e = 0; e < numEnvs; e++) {
      const i = t * numEnvs + e;
      const notDone = dones[i] ? 0 : 1;
      const v = values[i];
      const delta = rewards[i] + gamma * nextValue[e] * notDone - v;
      const adv = delta + gamma * gaeLambda * notDone * nextAdv[e];
      advantages[i] = adv;
      returns[i] = adv + v;
      nextAdv[e] = adv;
      nextValue[e] = v;
    }
  }
  return { advantages, returns };
}
