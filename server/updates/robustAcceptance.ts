/**
 * Robust acceptance of updates (async and local modes, config.robustUpdates): an update that
 * passed the ParameterServer's checks is still refused as 'outlier' when
 *   - its L2 norm is more than NORM_FACTOR times the fleet's norm: the median over the workers of
 *     each worker's median norm of its last NORM_WINDOW accepted updates (a gradient scaled up to
 *     just under maxUpdateNorm, noise far larger than the fleet's updates; applies once WARMUP
 *     updates have been accepted). One vote per worker: a worker landing many tiny updates moves
 *     only its own median, so it cannot pull the fleet's down until honest updates look too large;
 *   - or its worker's updates do not point with the other workers': each worker keeps a moving
 *     average (weight MEAN_WEIGHT) of its accepted updates, and an average of the cosine of each
 *     update it pushes with the other workers': the upper median of its cosines with each OTHER
 *     worker's average (of two: the larger; of PANEL at most), once MIN_FLEET - 1 others have one. One worker alone,
 *     however large or early its updates, is no reference; a hostile worker is one vote, so with
 *     three workers an honest one is judged by the larger of its cosines with the other two, and a
 *     hostile one by the larger of its cosines with two honest ones. (The reference was the sum of
 *     the other workers' averages, each weighed by the trust it had earned, min(1, vouched / 16):
 *     a fabricating worker whose first judged update passed by chance was then, for a while, the
 *     only worker with weight, so the honest ones were judged by it alone, refused and one
 *     quarantined, in 1 of 5 bench runs, docs/trust/fabricated.md.) The cosine average is the
 *     plain mean of the worker's cosines over its first 1 / COSINE_WEIGHT judged updates, then a
 *     moving average of weight COSINE_WEIGHT.
 *       As a newcomer (fewer than VOUCHED_UPDATES vouched updates of its own), an update that takes the
 *     worker's average below minCosineFor(size) = 2 / sqrt(size) (size: that of the part judged,
 *     see below; 0.029 and 0.030 for CartPole's policy and value parts) is refused, from its first
 *     judged update on: a sign-flipped update has a cosine below
 *     zero, random noise or a fixed random direction one of standard deviation 1 / sqrt(size)
 *     around zero (so it passes a first update with odds of 2.3%, a mean of several less), a zero
 *     update 0. Honest cosines with the reference start near 0.9 and fall as a run goes on (0.02
 *     to 0.5 late in a probe of bench/trust.ts, docs/TRUST.md), hence a threshold this low.
 *       Past its newcomer updates (a worker that earned its trust may turn), an update is refused
 *     when the mean of the magnitudes |cosine| of its last RECENT_COSINES judged updates falls
 *     below the same bound (per part, as every test here): it points neither with the fleet nor against it, as noise, a random or
 *     constant direction or a zero update does, whatever the worker earned before (a turn to noise
 *     is refused at its RECENT_COSINES-th noise update). Honest updates point somewhere: late in a
 *     run their cosines swing between about -0.9 and 0.9, and the lowest mean magnitude of 6 in
 *     14 whole clean runs of 3 workers was 0.072, 3.4 times the bound (docs/trust/turncoat.md).
 *     It is also refused when its average, moving faster from then on (weight PAST_WEIGHT), falls
 *     below MIN_PAST_COSINE (a turn to sign-flips, at about its 5th). This bound cannot come near
 *     0: once a run has converged, honest updates point back against the fleet's recent ones as
 *     flips do, for up to 10 in a row, and their averages fell to -0.63. Replayed on the recorded
 *     cosines of 13 clean runs of 3 workers (7,174 updates past probation, judged whole), it refused 41, all
 *     after the run had reached its solve threshold; the former rule, a moving average (weight
 *     1/8) below -0.2, refused 186 there, and in the bench let a sign-flipper land 7 to 10 updates
 *     after its turn and a noise pusher all of them (docs/trust/turncoat.md). Holding the bound
 *     only while the other workers' averages were high was tried and dropped: the turncoat's own
 *     landed flips, part of their reference, pulled those averages down (43 landed in one run).
 *       The direction is judged per part of the model (networkParts: the policy's params and the value
 *     network's), each part's cosines with the same part of the others' averages, each with its own average
 *     and its bound (2 / sqrt(the part's size)); an update is refused when any part fails a test. Updates computed on fabricated data (advantages negated: the policy part
 *     points against the fleet's, the value part with it) had whole cosines of 0.35 to 0.93 over a
 *     worker's first 16, so judged whole they passed the newcomer's test and such a worker landed 43
 *     to 58 before its quarantine; judged per part, 0 to 3 in 5 runs (docs/trust/fabricated.md).
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
import type { ParamSpec } from '../../shared/ppo/params.ts';

export const MIN_FLEET = 3;
/**
 * The direction test's reference is at most this many other workers' averages: those with the most
 * vouched updates (then the most accepted, then the first seen), so an update costs at most
 * PANEL x params to judge however many workers are connected. Every fleet the trust figures were
 * measured with (up to 8 workers) had all the others on the panel.
 */
export const PANEL = 8;
/**
 * Averages are kept for the KEEP best-ranked workers only (the same ranking), so the test holds at
 * most KEEP x params floats however many workers connect; a worker outside them starts an average
 * when its accepted updates take it in (and loses it when others push it out).
 */
export const KEEP = 4 * PANEL;
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

/** What the direction test saw of one part of one judged update (for measurements: bench/trust.ts). */
export interface Judged {
  /** Its cosine with the reference. */
  cosine: number;
  /** The worker's average cosine after it. */
  average: number;
  /** The mean |cosine| of the worker's last RECENT_COSINES judged updates, this one included. */
  magnitude: number;
  newcomer: boolean;
}

/** The parts of the params whose directions are judged apart: `partOf[i]` is the index in `names` of param i's part. */
export interface Parts {
  names: string[];
  partOf: Uint8Array;
}

/** The whole update as one part. */
export const wholeUpdate = (size: number): Parts => ({ names: ['params'], partOf: new Uint8Array(size) });

/** The policy's params (the actor, its log-std included) and the value network's (the critic), from the model's layout. */
export function networkParts(layout: ParamSpec[]): Parts {
  const size = layout.reduce((n, p) => n + p.size, 0);
  const partOf = new Uint8Array(size);
  for (const p of layout) if (p.name.startsWith('critic.')) partOf.fill(1, p.offset, p.offset + p.size);
  return { names: ['policy', 'value'], partOf };
}

/** A run of params that belong to one part: [start, end) of part `part`. */
interface PartRange {
  start: number;
  end: number;
  part: number;
}

/** Per part, the sum of x[i] * y[i] over the ranges. */
function partDots(ranges: PartRange[], parts: number, x: Float32Array, y: Float32Array): number[] {
  const sums = new Array<number>(parts).fill(0);
  for (const { start, end, part } of ranges) {
    let s = 0;
    for (let i = start; i < end; i++) s += x[i] * y[i];
    sums[part] += s;
  }
  return sums;
}

interface WorkerDirection {
  /** Moving average of its accepted updates (since it last joined, or since it was last among the KEEP best-ranked); null: none kept. */
  mean: Float32Array | null;
  /** Per part, the squared L2 norm of `mean` (kept with it). */
  meanNorm2: number[];
  /** Per part, the average of its updates' cosine with the reference (see above). */
  cosine: number[];
  /** Per part, the magnitudes |cosine| of its last RECENT_COSINES judged updates (rings indexed by `judged`). */
  recent: number[][];
  /** Updates whose cosine went into `cosine`. */
  judged: number;
  accepted: number;
  /** Accepted updates that were judged against a reference (VOUCHED_UPDATES of them end its newcomer's test). */
  vouched: number;
  /** Whether its last checked update was judged against a reference. */
  judgedLast: boolean;
  /** L2 norms of its last NORM_WINDOW accepted updates (a ring). */
  norms: number[];
  /** The median of `norms` (kept, so the fleet's norm costs a median over workers, not over all their norms). */
  normMedian: number;
}

export class RobustAcceptance {
  private readonly workers = new Map<string, WorkerDirection>();
  /** Departed workers' standing (all but the average), oldest departure first. */
  private readonly away = new Map<string, Omit<WorkerDirection, 'mean' | 'meanNorm2'>>();
  /** The KEEP best-ranked workers with accepted updates, best first (see rank); null: to be found again. */
  private ranked: WorkerDirection[] | null = null;
  /** The fleet's norm as last found, and `count` then (see medianNorm). */
  private fleetNorm: { value: number; at: number } | null = null;
  /** Per part, the direction test's bound for the part's size (minCosineFor). */
  readonly minCosine: number[];
  /** Accepted updates seen. */
  count = 0;
  /** Told of every judged update, part by part (bench/trust.ts records them). */
  onJudged: ((workerId: string, part: string, judged: Judged) => void) | null = null;

  /** The parts as runs of consecutive params, so the dot products run over plain ranges. */
  private readonly ranges: PartRange[] = [];

  constructor(private readonly size: number, private readonly parts: Parts = wholeUpdate(size)) {
    if (parts.partOf.length !== size) throw new Error(`parts cover ${parts.partOf.length} params, not ${size}`);
    const sizes = parts.names.map(() => 0);
    for (const k of parts.partOf) sizes[k]++;
    this.minCosine = sizes.map(minCosineFor);
    for (let i = 0; i < size; i++) {
      const last = this.ranges.at(-1);
      if (last && last.part === parts.partOf[i]) last.end = i + 1;
      else this.ranges.push({ start: i, end: i + 1, part: parts.partOf[i] });
    }
  }

  /**
   * The fleet's norm: the median over workers of each one's median recent accepted norm (0 before
   * any). Found again after every accepted update while fewer than 64 workers are known, else after
   * every (workers / 64)-th, so a large fleet does not pay a pass over all of them per update; and
   * whenever a worker leaves.
   */
  medianNorm(): number {
    const f = this.fleetNorm;
    if (f && this.count - f.at < Math.ceil(this.workers.size / 64)) return f.value;
    const medians: number[] = [];
    for (const w of this.workers.values()) if (w.norms.length > 0) medians.push(w.normMedian);
    const value = medians.length === 0 ? 0 : median(medians);
    this.fleetNorm = { value, at: this.count };
    return value;
  }

  /**
   * Per part, the upper median of the cosines between `u`'s part and each other worker's average's
   * (see above); null while fewer than MIN_FLEET - 1 others have an average (or a part of one is
   * zero), 0 for a part of `u` that is zero.
   */
  cosineWithOthers(workerId: string, u: Float32Array): number[] | null {
    const others = this.panel(workerId);
    if (others.length < MIN_FLEET - 1) return null;
    const parts = this.parts.names.length;
    const u2 = partDots(this.ranges, parts, u, u);
    const each: number[][] = [];
    for (const w of others) {
      // A part of a reference that is zero points nowhere: no judgement.
      if (w.meanNorm2.some((r) => r === 0)) return null;
      const dot = partDots(this.ranges, parts, u, w.mean!);
      each.push(dot.map((d, k) => (u2[k] === 0 ? 0 : d / Math.sqrt(u2[k] * w.meanNorm2[k]))));
    }
    return this.parts.names.map((_, p) => upperMedian(each.map((c) => c[p])));
  }

  /** The other workers with an average that judge `workerId`'s updates: PANEL of them at most (see PANEL). */
  private panel(workerId: string): WorkerDirection[] {
    const self = this.workers.get(workerId);
    return this.ranking().filter((w) => w !== self && w.mean !== null).slice(0, PANEL);
  }

  /** The KEEP best-ranked workers, found again over the whole fleet after one left. */
  private ranking(): WorkerDirection[] {
    if (!this.ranked) {
      this.ranked = [];
      for (const w of this.workers.values()) if (w.accepted > 0) this.rank(w);
    }
    return this.ranked;
  }

  /**
   * Puts `w` in its place among the KEEP best-ranked workers (most vouched, then most accepted; ties
   * after those already there), when it is one of them; the one it pushes out loses its average. A
   * worker's counts only grow, so after its accepted update only its own place can change. Whether
   * `w` is among them.
   */
  private rank(w: WorkerDirection): boolean {
    const r = this.ranking();
    const at = r.indexOf(w);
    if (at >= 0) r.splice(at, 1);
    const after = (a: WorkerDirection, b: WorkerDirection) => a.vouched < b.vouched || (a.vouched === b.vouched && a.accepted <= b.accepted);
    let i = r.length;
    while (i > 0 && !after(w, r[i - 1])) i--;
    r.splice(i, 0, w);
    if (r.length <= KEEP) return true;
    const out = r.pop()!;
    out.mean = null;
    return out !== w;
  }

  /** Why `u` (of L2 norm `norm`) from `workerId` is an outlier, or null when it is not. */
  check(workerId: string, u: Float32Array, norm: number): string | null {
    if (this.count >= WARMUP) {
      const median = this.medianNorm();
      if (norm > NORM_FACTOR * median) {
        return `update L2 norm ${norm.toPrecision(3)} is more than ${NORM_FACTOR}x the fleet's median norm ${median.toPrecision(3)}`;
      }
    }
    const cos = this.cosineWithOthers(workerId, u);
    const w = this.worker(workerId);
    w.judgedLast = cos !== null;
    if (cos === null) return null;
    const newcomer = w.vouched < VOUCHED_UPDATES;
    const k = Math.max(1 / (w.judged + 1), newcomer ? COSINE_WEIGHT : PAST_WEIGHT);
    let why: string | null = null;
    for (let p = 0; p < cos.length; p++) {
      w.recent[p][w.judged % RECENT_COSINES] = Math.abs(cos[p]);
      w.cosine[p] += k * (cos[p] - w.cosine[p]);
      const magnitude = w.recent[p].reduce((a, b) => a + b, 0) / w.recent[p].length;
      const name = this.parts.names[p];
      this.onJudged?.(workerId, name, { cosine: cos[p], average: w.cosine[p], magnitude, newcomer });
      if (why !== null) continue;
      const part = cos.length > 1 ? ` in the ${name} params` : '';
      const min = this.minCosine[p];
      if (newcomer && w.cosine[p] < min) {
        why = `this worker's updates do not point with the other workers'${part} (average cosine ${w.cosine[p].toFixed(3)}, below ${min.toFixed(3)} while a newcomer, its first ${VOUCHED_UPDATES} judged and accepted updates)`;
      } else if (!newcomer && magnitude < min) {
        why = `this worker's updates point nowhere${part} (mean |cosine| of its last ${w.recent[p].length} judged updates ${magnitude.toFixed(3)}, below ${min.toFixed(3)})`;
      } else if (!newcomer && w.cosine[p] < MIN_PAST_COSINE) {
        why = `this worker's updates point against the other workers'${part} (average cosine ${w.cosine[p].toFixed(3)}, below ${MIN_PAST_COSINE})`;
      }
    }
    w.judged++;
    return why;
  }

  /** Folds an accepted update of `workerId` into its norms and its moving average. */
  accepted(workerId: string, u: Float32Array, norm: number): void {
    const w = this.worker(workerId);
    w.norms[w.accepted % NORM_WINDOW] = norm;
    w.normMedian = median(w.norms);
    w.accepted++;
    if (w.judgedLast) w.vouched++;
    if (this.rank(w)) {
      const mean = (w.mean ??= new Float32Array(this.size));
      for (let i = 0; i < this.size; i++) mean[i] += MEAN_WEIGHT * (u[i] - mean[i]);
      w.meanNorm2 = partDots(this.ranges, this.parts.names.length, mean, mean);
    }
    this.count++;
  }

  /** A worker was quarantined (or forgotten): nothing of it counts any more. */
  forget(workerId: string): void {
    this.dropped(workerId);
    this.away.delete(workerId);
  }

  /** Takes `workerId` out of the fleet: what was found over the fleet is found again. */
  private dropped(workerId: string): void {
    if (this.workers.delete(workerId)) {
      this.ranked = null;
      this.fleetNorm = null;
    }
  }

  /**
   * A worker left: its average and norms no longer count (work from a departed worker is never
   * counted), but its standing (cosine average, vouched updates, so whether it is a newcomer) is kept for a
   * resume, for the last MAX_AWAY departures.
   */
  left(workerId: string): void {
    const w = this.workers.get(workerId);
    if (!w) return;
    this.dropped(workerId);
    const { mean: _mean, meanNorm2: _meanNorm2, ...standing } = w;
    this.away.delete(workerId);
    this.away.set(workerId, { ...standing, norms: [], normMedian: 0 });
    if (this.away.size > MAX_AWAY) this.away.delete(this.away.keys().next().value!);
  }

  private worker(workerId: string): WorkerDirection {
    let w = this.workers.get(workerId);
    if (!w) {
      const standing = this.away.get(workerId) ?? { cosine: this.parts.names.map(() => 0), recent: this.parts.names.map(() => []), judged: 0, accepted: 0, vouched: 0, judgedLast: false, norms: [], normMedian: 0 };
      this.away.delete(workerId);
      this.workers.set(workerId, (w = { ...standing, mean: null, meanNorm2: this.parts.names.map(() => 0) }));
    }
    return w;
  }
}

/** The middle value, the larger of the two middle ones for an even count (of two: the larger). */
function upperMedian(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
