/**
 * Robust acceptance of updates (async and local modes, config.robustUpdates): an update that
 * passed the ParameterServer's checks is still refused as 'outlier' when
 *   - its L2 norm is more than NORM_FACTOR times the fleet's norm: the median over the workers of
 *     each worker's median norm of its last NORM_WINDOW accepted updates (a gradient scaled up to
 *     just under maxUpdateNorm, noise far larger than the fleet's updates; applies once WARMUP
 *     updates have been accepted). One vote per worker: a worker landing many tiny updates moves
 *     only its own median, so it cannot pull the fleet's down until honest updates look too large;
 *   - or its worker's updates do not point with the other workers': each worker keeps a moving
 *     average (weight MEAN_WEIGHT) of its accepted updates, and an average of the cosine between
 *     each update it pushes and the reference, the sum of the OTHER workers' averages, each weighed
 *     by the trust it has earned: min(1, vouched / VOUCHED_UPDATES), `vouched` counting its accepted
 *     updates that were judged against a reference (an update with none to judge it by earns
 *     nothing). So a newcomer, hostile or not, barely shapes what others are judged by, and a worker
 *     that lands updates before anyone else (at a run's start) does not become the reference.
 *     While no other worker has earned any (the start of a run), the reference is the sum of the
 *     unit directions of the other workers' averages, once MIN_FLEET - 1 others have one: one
 *     worker alone, however large or early its updates, is no reference. The cosine average is the
 *     plain mean of the worker's cosines over its first 1 / COSINE_WEIGHT judged updates, then a
 *     moving average of weight COSINE_WEIGHT.
 *       As a newcomer (fewer than VOUCHED_UPDATES vouched updates of its own), an update that takes the
 *     worker's average below minCosineFor(size) = 2 / sqrt(size) (0.021 at CartPole's 9,155
 *     params) is refused, from its first judged update on: a sign-flipped update has a cosine below
 *     zero, random noise or a fixed random direction one of standard deviation 1 / sqrt(size)
 *     around zero (so it passes a first update with odds of 2.3%, a mean of several less), a zero
 *     update 0. Honest cosines with the reference start near 0.9 and fall as a run goes on (0.02
 *     to 0.5 late in a probe of bench/trust.ts, docs/TRUST.md), hence a threshold this low.
 *       Past its newcomer updates (a worker that earned its trust may turn), an update is refused
 *     when the mean of the magnitudes |cosine| of its last RECENT_COSINES judged updates falls
 *     below the same bound: it points neither with the fleet nor against it, as noise, a random or
 *     constant direction or a zero update does, whatever the worker earned before (a turn to noise
 *     is refused at its RECENT_COSINES-th noise update). Honest updates point somewhere: late in a
 *     run their cosines swing between about -0.9 and 0.9, and the lowest mean magnitude of 6 in
 *     14 whole clean runs of 3 workers was 0.072, 3.4 times the bound (docs/trust/turncoat.md).
 *     It is also refused when its average, moving faster from then on (weight PAST_WEIGHT), falls
 *     below MIN_PAST_COSINE (a turn to sign-flips, at about its 5th). This bound cannot come near
 *     0: once a run has converged, honest updates point back against the fleet's recent ones as
 *     flips do, for up to 10 in a row, and their averages fell to -0.63. Replayed on the recorded
 *     cosines of 13 clean runs of 3 workers (7,174 updates past probation), it refused 41, all
 *     after the run had reached its solve threshold; the former rule, a moving average (weight
 *     1/8) below -0.2, refused 186 there, and in the bench let a sign-flipper land 7 to 10 updates
 *     after its turn and a noise pusher all of them (docs/trust/turncoat.md). Holding the bound
 *     only while the other workers' averages were high was tried and dropped: the turncoat's own
 *     landed flips, part of their reference, pulled those averages down (43 landed in one run).
 * The medians and averages are over accepted updates only, so a refused update does not move them
 * (the cosine average counts every judged update: a refused one is evidence too).
 *
 * Both tests need a fleet to judge by: they apply while MIN_FLEET or more workers contribute (with
 * fewer there is no majority, and a lone honest worker whose gradients swing was refused and
 * quarantined, ending its run). Fair share waits for the same number (workerRegistry.ts).
 *
 * Sync mode does not use this: its round steps with a coordinate-wise trimmed mean (syncRound.ts).
 */
import { median } from '../../shared/median.ts';

export const MIN_FLEET = 3;
export const NORM_WINDOW = 16;
export const NORM_FACTOR = 4;
export const WARMUP = 8;
export const MEAN_WEIGHT = 0.2;
export const COSINE_WEIGHT = 1 / 8;
export const VOUCHED_UPDATES = 16;
/** Twice the standard deviation of a random direction's cosine with a fixed one, 1 / sqrt(size). */
export const minCosineFor = (size: number): number => 2 / Math.sqrt(size);
/** Departed workers whose standing is kept for a resume. */
export const MAX_AWAY = 1000;
/** Past its newcomer updates: the judged updates whose mean |cosine| is held to the bound, the average's weight, and its bound. */
export const RECENT_COSINES = 6;
export const PAST_WEIGHT = 1 / 4;
export const MIN_PAST_COSINE = -0.45;

/** What the direction test saw of one judged update (for measurements: bench/trust.ts). */
export interface Judged {
  /** Its cosine with the reference. */
  cosine: number;
  /** The worker's average cosine after it. */
  average: number;
  /** The mean |cosine| of the worker's last RECENT_COSINES judged updates, this one included. */
  magnitude: number;
  newcomer: boolean;
}

interface WorkerDirection {
  /** Moving average of its accepted updates (since it last joined). */
  mean: Float64Array;
  /** Whether `mean` holds an accepted update. */
  hasMean: boolean;
  /** Average of its updates' cosine with the reference (see above). */
  cosine: number;
  /** The magnitudes |cosine| of its last RECENT_COSINES judged updates (a ring indexed by `judged`). */
  recent: number[];
  /** Updates whose cosine went into `cosine`. */
  judged: number;
  accepted: number;
  /** Accepted updates that were judged against a reference (they earn its weight in others' references). */
  vouched: number;
  /** Whether its last checked update was judged against a reference. */
  judgedLast: boolean;
  /** L2 norms of its last NORM_WINDOW accepted updates (a ring). */
  norms: number[];
}

export class RobustAcceptance {
  private readonly workers = new Map<string, WorkerDirection>();
  /** Departed workers' standing (all but the average), oldest departure first. */
  private readonly away = new Map<string, Omit<WorkerDirection, 'mean' | 'hasMean'>>();
  /** The direction test's bound for this size (minCosineFor). */
  readonly minCosine: number;
  /** Scratch: the reference a worker is judged against. */
  private readonly ref: Float64Array;
  /** Accepted updates seen. */
  count = 0;
  /** Told of every judged update (bench/trust.ts records them). */
  onJudged: ((workerId: string, judged: Judged) => void) | null = null;

  constructor(private readonly size: number) {
    this.ref = new Float64Array(size);
    this.minCosine = minCosineFor(size);
  }

  /** The fleet's norm: the median over workers of each one's median recent accepted norm (0 before any). */
  medianNorm(): number {
    const medians = [...this.workers.values()].filter((w) => w.norms.length > 0).map((w) => median(w.norms));
    return medians.length === 0 ? 0 : median(medians);
  }

  /** How much a worker's average counts in the reference others are judged against: its earned trust. */
  static weight(vouched: number): number {
    return Math.min(1, vouched / VOUCHED_UPDATES);
  }

  /**
   * Cosine between `u` (of L2 norm `norm`) and the reference for `workerId` (see above); null
   * while there is no reference, 0 for a zero `u`.
   */
  cosineWithOthers(workerId: string, u: Float32Array, norm: number): number | null {
    const ref = this.ref;
    ref.fill(0);
    const others = [...this.workers].filter(([id, w]) => id !== workerId && w.hasMean).map(([, w]) => w);
    if (others.some((w) => w.vouched > 0)) {
      for (const w of others) {
        const k = RobustAcceptance.weight(w.vouched);
        for (let i = 0; i < ref.length; i++) ref[i] += k * w.mean[i];
      }
    } else if (others.length >= MIN_FLEET - 1) {
      for (const w of others) {
        let m2 = 0;
        for (let i = 0; i < ref.length; i++) m2 += w.mean[i] * w.mean[i];
        const k = m2 > 0 ? 1 / Math.sqrt(m2) : 0;
        for (let i = 0; i < ref.length; i++) ref[i] += k * w.mean[i];
      }
    }
    let dot = 0;
    let ref2 = 0;
    for (let i = 0; i < u.length; i++) {
      dot += u[i] * ref[i];
      ref2 += ref[i] * ref[i];
    }
    return ref2 === 0 ? null : norm === 0 ? 0 : dot / (norm * Math.sqrt(ref2));
  }

  /** Why `u` (of L2 norm `norm`) from `workerId` is an outlier, or null when it is not. */
  check(workerId: string, u: Float32Array, norm: number): string | null {
    if (this.count >= WARMUP) {
      const median = this.medianNorm();
      if (norm > NORM_FACTOR * median) {
        return `update L2 norm ${norm.toPrecision(3)} is more than ${NORM_FACTOR}x the fleet's median norm ${median.toPrecision(3)}`;
      }
    }
    const cos = this.cosineWithOthers(workerId, u, norm);
    const w = this.worker(workerId);
    w.judgedLast = cos !== null;
    if (cos === null) return null;
    const newcomer = w.vouched < VOUCHED_UPDATES;
    w.recent[w.judged % RECENT_COSINES] = Math.abs(cos);
    w.judged++;
    w.cosine += Math.max(1 / w.judged, newcomer ? COSINE_WEIGHT : PAST_WEIGHT) * (cos - w.cosine);
    const magnitude = w.recent.reduce((a, b) => a + b, 0) / w.recent.length;
    this.onJudged?.(workerId, { cosine: cos, average: w.cosine, magnitude, newcomer });
    if (newcomer && w.cosine < this.minCosine) {
      return `this worker's updates do not point with the other workers' (average cosine ${w.cosine.toFixed(3)}, below ${this.minCosine.toFixed(3)} while a newcomer, its first ${VOUCHED_UPDATES} judged and accepted updates)`;
    }
    if (!newcomer && magnitude < this.minCosine) {
      return `this worker's updates point nowhere (mean |cosine| of its last ${w.recent.length} judged updates ${magnitude.toFixed(3)}, below ${this.minCosine.toFixed(3)})`;
    }
    if (!newcomer && w.cosine < MIN_PAST_COSINE) {
      return `this worker's updates point against the other workers' (average cosine ${w.cosine.toFixed(3)}, below ${MIN_PAST_COSINE})`;
    }
    return null;
  }


  /** Folds an accepted update of `workerId` into its norms and its moving average. */
  accepted(workerId: string, u: Float32Array, norm: number): void {
    const w = this.worker(workerId);
    w.norms[w.accepted % NORM_WINDOW] = norm;
    for (let i = 0; i < this.size; i++) w.mean[i] += MEAN_WEIGHT * (u[i] - w.mean[i]);
    w.hasMean = true;
    w.accepted++;
    if (w.judgedLast) w.vouched++;
    this.count++;
  }

  /** A worker was quarantined (or forgotten): nothing of it counts any more. */
  forget(workerId: string): void {
    this.workers.delete(workerId);
    this.away.delete(workerId);
  }

  /**
   * A worker left: its average and norms no longer count (work from a departed worker is never
   * counted), but its standing (cosine average, vouched updates, so whether it is a newcomer) is kept for a
   * resume, for the last MAX_AWAY departures.
   */
  left(workerId: string): void {
    const w = this.workers.get(workerId);
    if (!w) return;
    this.workers.delete(workerId);
    const { mean: _mean, hasMean: _hasMean, ...standing } = w;
    this.away.delete(workerId);
    this.away.set(workerId, { ...standing, norms: [] });
    if (this.away.size > MAX_AWAY) this.away.delete(this.away.keys().next().value!);
  }

  private worker(workerId: string): WorkerDirection {
    let w = this.workers.get(workerId);
    if (!w) {
      const standing = this.away.get(workerId) ?? { cosine: 0, recent: [], judged: 0, accepted: 0, vouched: 0, judgedLast: false, norms: [] };
      this.away.delete(workerId);
      this.workers.set(workerId, (w = { ...standing, mean: new Float64Array(this.size), hasMean: false }));
    }
    return w;
  }
}
