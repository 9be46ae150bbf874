/** Added to the variance when normalizing, so a constant feature does not divide by zero. */
export const NORM_EPSILON = 1e-8;

/**
 * Running mean and variance of vectors, mergeable across workers (Chan et al.'s parallel
 * update), for observation normalization and reward scaling as SB3's VecNormalize does them.
 * Serialized as Float64 [count, mean[dim], var[dim]] so stats cross the wire as binary.
 */
export class RunningMeanStd {
  count: number;
  readonly mean: Float64Array;
  readonly var: Float64Array;

  /** The global stats start like VecNormalize's (count 1e-4, mean 0, var 1); deltas start empty. */
  constructor(readonly dim: number, initial: 'prior' | 'empty' = 'prior') {
    this.count = initial === 'prior' ? 1e-4 : 0;
    this.mean = new Float64Array(dim);
    this.var = new Float64Array(dim).fill(initial === 'prior' ? 1 : 0);
  }

  /** Adds rows [n, dim] of `x`. */
  update(x: ArrayLike<number>, n: number): void {
    const d = this.dim;
    if (x.length < n * d) throw new RangeError(`RunningMeanStd.update: ${x.length} values for ${n} rows of ${d}`);
    if (n === 0) return;
    const mean = new Float64Array(d);
    const m2 = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j] += x[r * d + j];
    for (let j = 0; j < d; j++) mean[j] /= n;
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) m2[j] += (x[r * d + j] - mean[j]) ** 2;
    for (let j = 0; j < d; j++) m2[j] /= n;
    this.mergeMoments(n, mean, m2);
  }

  /** Merges another set of stats of the same dimension into this one. */
  merge(other: RunningMeanStd): void {
    if (other.dim !== this.dim) throw new RangeError(`cannot merge stats of dim ${other.dim} into dim ${this.dim}`);
    this.mergeMoments(other.count, other.mean, other.var);
  }

  private mergeMoments(n: number, mean: Float64Array, variance: Float64Array): void {
    if (n === 0) return;
    const total = this.count + n;
    for (let j = 0; j < this.dim; j++) {
      const delta = mean[j] - this.mean[j];
      const m2 = this.var[j] * this.count + variance[j] * n + (delta * delta * this.count * n) / total;
      this.mean[j] += (delta * n) / total;
      this.var[j] = m2 / total;
    }
    this.count = total;
  }

  /** (x - mean) / sqrt(var + NORM_EPSILON), clipped to [-clip, clip], row by row into `out`. */
  normalize(x: ArrayLike<number>, n: number, clip: number, out: Float32Array): Float32Array {
    const d = this.dim;
    for (let r = 0; r < n; r++) {
      for (let j = 0; j < d; j++) {
        const z = (x[r * d + j] - this.mean[j]) / Math.sqrt(this.var[j] + NORM_EPSILON);
        out[r * d + j] = Math.min(clip, Math.max(-clip, z));
      }
    }
    return out;
  }

  toArray(): Float64Array {
    const a = new Float64Array(1 + 2 * this.dim);
    a[0] = this.count;
    a.set(this.mean, 1);
    a.set(this.var, 1 + this.dim);
    return a;
  }

  /** Rebuilds stats from `toArray`'s layout; throws on a wrong length or invalid numbers. */
  static fromArray(dim: number, a: ArrayLike<number>): RunningMeanStd {
    if (a.length !== 1 + 2 * dim) throw new RangeError(`stats of dim ${dim} need ${1 + 2 * dim} numbers, got ${a.length}`);
    for (let i = 0; i < a.length; i++) {
      if (!Number.isFinite(a[i])) throw new RangeError(`stats hold a non-finite number at ${i}`);
    }
    if (a[0] < 0) throw new RangeError(`stats count must be >= 0, got ${a[0]}`);
    for (let j = 0; j < dim; j++) if (a[1 + dim + j] < 0) throw new RangeError(`stats variance must be >= 0, got ${a[1 + dim + j]}`);
    const s = new RunningMeanStd(dim, 'empty');
    s.count = a[0];
    for (let j = 0; j < dim; j++) {
      s.mean[j] = a[1 + j];
      s.var[j] = a[1 + dim + j];
    }
    return s;
  }
}
