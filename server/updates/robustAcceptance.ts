/**
 * Robust acceptance of updates (async and local modes, config.robustUpdates): an update that
 * passed the ParameterServer's checks is still refused as 'outlier' when, against the recent
 * accepted updates,
 *   - its L2 norm is more than NORM_FACTOR times the median norm of the last NORM_WINDOW accepted
 *     updates (a gradient scaled up to just under maxUpdateNorm, noise far larger than the
 *     fleet's updates), or
 *   - it points against their running mean: cosine below MIN_COSINE with the exponential moving
 *     average (weight MEAN_WEIGHT) of accepted updates (a sign-flipped update, a constant direction
 *     that opposes learning).
 * Both apply once WARMUP updates have been accepted. The median and the running mean are over
 * accepted updates only, so a refused update does not move them; an attacker whose updates pass
 * has updates like the fleet's. The thresholds are chosen by bench/trust.ts (docs/TRUST.md): no
 * honest update of the measured runs was refused by them.
 *
 * Sync mode does not use this: its round steps with a coordinate-wise trimmed mean (syncRound.ts).
 */
export const NORM_WINDOW = 64;
export const NORM_FACTOR = 4;
export const MIN_COSINE = -0.5;
export const MEAN_WEIGHT = 0.1;
export const WARMUP = 8;

export class RobustAcceptance {
  private readonly norms: number[] = [];
  private nextNorm = 0;
  private readonly mean: Float64Array;
  private meanNorm2 = 0;
  /** Accepted updates seen. */
  count = 0;

  constructor(size: number) {
    this.mean = new Float64Array(size);
  }

  /** Median norm of the recent accepted updates (0 before any). */
  medianNorm(): number {
    if (this.norms.length === 0) return 0;
    const s = [...this.norms].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  }

  /** Cosine between `u` and the running mean of accepted updates (0 when either is zero). */
  cosine(u: Float32Array, norm: number): number {
    if (norm === 0 || this.meanNorm2 === 0) return 0;
    let dot = 0;
    for (let i = 0; i < u.length; i++) dot += u[i] * this.mean[i];
    return dot / (norm * Math.sqrt(this.meanNorm2));
  }

  /** Why `u` (of L2 norm `norm`) is an outlier, or null when it is not. */
  check(u: Float32Array, norm: number): string | null {
    if (this.count < WARMUP) return null;
    const median = this.medianNorm();
    if (norm > NORM_FACTOR * median) {
      return `update L2 norm ${norm.toPrecision(3)} is more than ${NORM_FACTOR}x the median ${median.toPrecision(3)} of the last ${this.norms.length} accepted updates`;
    }
    const cos = this.cosine(u, norm);
    if (cos < MIN_COSINE) return `update points against the recent accepted updates (cosine ${cos.toFixed(2)} with their running mean, below ${MIN_COSINE})`;
    return null;
  }

  /** Folds an accepted update into the norm window and the running mean. */
  accepted(u: Float32Array, norm: number): void {
    if (this.norms.length < NORM_WINDOW) this.norms.push(norm);
    else this.norms[this.nextNorm] = norm;
    this.nextNorm = (this.nextNorm + 1) % NORM_WINDOW;
    const m = this.mean;
    let n2 = 0;
    for (let i = 0; i < m.length; i++) {
      m[i] += MEAN_WEIGHT * (u[i] - m[i]);
      n2 += m[i] * m[i];
    }
    this.meanNorm2 = n2;
    this.count++;
  }
}
