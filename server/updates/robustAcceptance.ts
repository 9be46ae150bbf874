/**
 * Robust acceptance of updates (async and local modes, config.robustUpdates): an update that
 * passed the ParameterServer's checks is still refused as 'outlier' when
 *   - its L2 norm is more than NORM_FACTOR times the median norm of the last NORM_WINDOW accepted
 *     updates (a gradient scaled up to just under maxUpdateNorm, noise far larger than the
 *     fleet's updates; applies once WARMUP updates have been accepted), or
 *   - its worker's updates point against the fleet's on average: each worker keeps a moving average
 *     (weight MEAN_WEIGHT) of its accepted updates, and a moving average (weight COSINE_WEIGHT) of
 *     the cosine between each update it pushes and the sum of all workers' averages (one vote per
 *     worker, however fast it pushes); once it has WORKER_WARMUP updates accepted, an update that
 *     takes that average below MIN_MEAN_COSINE is refused (a sign-flipped worker).
 * The direction test is per worker, because one update is a poor witness: in local mode an honest
 * delta often points against the fleet's recent mean (in a probe run of bench/trust.ts 8% of
 * honest deltas had a cosine below -0.5 with it, the lowest -0.93), while an honest worker's
 * average stays above zero. Each worker's own average is part of the sum it is judged against:
 * judged against the others only, an honest worker beside one honest and one sign-flipped worker
 * faces a reference that the two cancel, and was refused and quarantined in a bench run. The
 * medians and averages are over accepted updates only, so a refused update does not move them.
 * The thresholds are chosen by bench/trust.ts (docs/TRUST.md).
 *
 * Both tests need a fleet to judge by: they apply while MIN_FLEET or more workers contribute (with
 * fewer there is no majority, and a lone honest worker whose gradients swing was refused and
 * quarantined, ending its run). Fair share waits for the same number (workerRegistry.ts).
 *
 * Sync mode does not use this: its round steps with a coordinate-wise trimmed mean (syncRound.ts).
 */
import { median } from '../../shared/median.ts';

export const MIN_FLEET = 3;
export const NORM_WINDOW = 64;
export const NORM_FACTOR = 4;
export const WARMUP = 8;
export const MEAN_WEIGHT = 0.2;
export const COSINE_WEIGHT = 1 / 8;
export const WORKER_WARMUP = 8;
export const MIN_MEAN_COSINE = -0.2;

interface WorkerDirection {
  /** Moving average of its accepted updates. */
  mean: Float64Array;
  /** Moving average of its updates' cosine with the other workers' averages. */
  cosine: number;
  accepted: number;
}

export class RobustAcceptance {
  private readonly norms: number[] = [];
  private nextNorm = 0;
  /** Sum of the workers' moving averages. */
  private readonly sum: Float64Array;
  private readonly workers = new Map<string, WorkerDirection>();
  /** Accepted updates seen. */
  count = 0;

  constructor(private readonly size: number) {
    this.sum = new Float64Array(size);
  }

  /** Median norm of the recent accepted updates (0 before any). */
  medianNorm(): number {
    return this.norms.length === 0 ? 0 : median(this.norms);
  }

  /** Cosine between `u` (of L2 norm `norm`) and the sum of the workers' moving averages (0 when either is zero). */
  cosineWithFleet(u: Float32Array, norm: number): number {
    let dot = 0;
    let ref2 = 0;
    for (let i = 0; i < u.length; i++) {
      dot += u[i] * this.sum[i];
      ref2 += this.sum[i] * this.sum[i];
    }
    return norm === 0 || ref2 === 0 ? 0 : dot / (norm * Math.sqrt(ref2));
  }

  /** Why `u` (of L2 norm `norm`) from `workerId` is an outlier, or null when it is not. */
  check(workerId: string, u: Float32Array, norm: number): string | null {
    if (this.count >= WARMUP) {
      const median = this.medianNorm();
      if (norm > NORM_FACTOR * median) {
        return `update L2 norm ${norm.toPrecision(3)} is more than ${NORM_FACTOR}x the median ${median.toPrecision(3)} of the last ${this.norms.length} accepted updates`;
      }
    }
    const w = this.worker(workerId);
    w.cosine += COSINE_WEIGHT * (this.cosineWithFleet(u, norm) - w.cosine);
    if (w.accepted >= WORKER_WARMUP && w.cosine < MIN_MEAN_COSINE) {
      return `this worker's updates point against the fleet's (moving average of the cosine ${w.cosine.toFixed(2)}, below ${MIN_MEAN_COSINE})`;
    }
    return null;
  }

  /** Folds an accepted update of `workerId` into the norm window and its moving average. */
  accepted(workerId: string, u: Float32Array, norm: number): void {
    if (this.norms.length < NORM_WINDOW) this.norms.push(norm);
    else this.norms[this.nextNorm] = norm;
    this.nextNorm = (this.nextNorm + 1) % NORM_WINDOW;
    const w = this.worker(workerId);
    for (let i = 0; i < this.size; i++) {
      const step = MEAN_WEIGHT * (u[i] - w.mean[i]);
      w.mean[i] += step;
      this.sum[i] += step;
    }
    w.accepted++;
    this.count++;
  }

  /** A worker left or was quarantined: its average no longer counts as a reference. */
  forget(workerId: string): void {
    const w = this.workers.get(workerId);
    if (!w) return;
    for (let i = 0; i < this.size; i++) this.sum[i] -= w.mean[i];
    this.workers.delete(workerId);
  }

  private worker(workerId: string): WorkerDirection {
    let w = this.workers.get(workerId);
    if (!w) this.workers.set(workerId, (w = { mean: new Float64Array(this.size), cosine: 0, accepted: 0 }));
    return w;
  }
}
