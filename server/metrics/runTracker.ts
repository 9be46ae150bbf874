/**
 * What the coordinator knows about the run's progress: env steps, finished episodes, the solve
 * criterion, the latest loss statistics and the live history the dashboard draws. The solve
 * window only proposes a solve (`windowSolved`): the returns in it are the tabs' word, so the
 * coordinator confirms it with its own evaluation (SolveCheck) before it calls `markSolved`.
 */
import { runIsOver, type HistoryPoint, type RunStatus } from '../../shared/protocol.ts';
import { M } from '../../shared/metrics.ts';

export type RunState = RunStatus['state'];

export interface TrackerState {
  envSteps: number;
  episodes: number;
  recentReturns: number[];
  /** Training wall seconds so far (a resumed run's clock goes on from here); absent in older checkpoints. */
  wallS?: number;
}

export class RunTracker {
  envSteps = 0;
  episodes = 0;
  state: RunState = 'waiting';
  startedAt: number | null = null;
  /** When the run ended (solved, out of budget or stopped); wall seconds stop here. */
  endedAt: number | null = null;
  solvedAtEnvSteps: number | null = null;
  solvedAtWallS: number | null = null;
  readonly history: HistoryPoint[] = [];
  /** Latest value of each loss statistic, averaged over the reports of the current tick. */
  private lossSums = new Map<string, { sum: number; n: number }>();
  /** Returns and lengths of the episodes finished in the current tick. */
  private tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
  private latestLosses: Record<string, number> = {};
  private readonly window: Float64Array;
  private windowFill = 0;
  private windowSum = 0;
  private lastPointSteps = 0;
  private lastPointAt = 0;
  /** Wall seconds trained before this process: a resumed run's (restore). */
  private wallOffsetS = 0;

  constructor(readonly solveWindow: number, readonly solveThreshold: number, readonly totalTimesteps: number, private readonly maxHistory = 20_000) {
    this.window = new Float64Array(solveWindow);
  }

  /** Marks the start of training (the first join); wall seconds are measured from here. */
  start(now = performance.now()): void {
    if (this.startedAt !== null) return;
    this.startedAt = now;
    this.lastPointAt = now;
    this.state = 'training';
  }

  get finished(): boolean {
    return runIsOver(this.state);
  }

  /** Seconds of training: from the first join to now, or to the run's end once it is over. */
  wallS(now = performance.now()): number | null {
    return this.startedAt === null ? null : this.wallOffsetS + (Math.min(now, this.endedAt ?? Infinity) - this.startedAt) / 1000;
  }

  /** The run is over in `state`: the wall clock stops now. */
  private end(state: 'solved' | 'budgetExhausted' | 'stopped', now = performance.now()): void {
    this.state = state;
    this.endedAt = now;
  }

  /** Mean return over the last solveWindow episodes (fewer while the window fills), null before any. */
  meanReturn(): number | null {
    const n = Math.min(this.windowFill, this.solveWindow);
    return n === 0 ? null : this.windowSum / n;
  }

  /**
   * Counts a rollout's env steps and episodes (`episodeLengths`, when given, in the order of the
   * returns); returns true if this spent the step budget (the run is over).
   */
  addRollout(envSteps: number, episodeReturns: number[], losses: Partial<Record<string, number>>, episodeLengths: readonly number[] = []): boolean {
    if (this.finished) return false;
    this.envSteps += envSteps;
    const e = this.tickEpisodes;
    for (const len of episodeLengths) e.lengths += len;
    e.withLength += episodeLengths.length;
    for (const r of episodeReturns) {
      e.returns += r;
      e.n++;
      const slot = this.windowFill % this.solveWindow;
      if (this.windowFill >= this.solveWindow) this.windowSum -= this.window[slot];
      this.window[slot] = r;
      this.windowSum += r;
      this.windowFill++;
      this.episodes++;
    }
    for (const [k, v] of Object.entries(losses)) {
      if (v === undefined || !Number.isFinite(v)) continue;
      const s = this.lossSums.get(k) ?? { sum: 0, n: 0 };
      s.sum += v;
      s.n++;
      this.lossSums.set(k, s);
    }
    if (this.envSteps >= this.totalTimesteps) {
      this.end('budgetExhausted');
      return true;
    }
    return false;
  }

  /** Whether the reported returns say solved: the window is full and its mean reaches the threshold. */
  windowSolved(): boolean {
    const mean = this.meanReturn();
    return this.windowFill >= this.solveWindow && mean !== null && mean >= this.solveThreshold;
  }

  /** Ends the run as solved, at the env steps and time the confirmed params were taken; false when it had ended otherwise. */
  markSolved(atEnvSteps: number, at = performance.now()): boolean {
    // A run whose budget ran out while the solve was being confirmed is solved all the same (the
    // check judged params from within the budget; Coordinator.takeReport).
    if (this.finished && this.state !== 'budgetExhausted') return false;
    this.solvedAtEnvSteps = atEnvSteps;
    this.solvedAtWallS = this.wallS(at);
    this.end('solved');
    return true;
  }

  stop(now = performance.now()): void {
    if (!this.finished) this.end('stopped', now);
  }

  /** What a checkpoint keeps of the run's progress: env steps, episodes and the solve window's returns, oldest first. */
  saved(now = performance.now()): TrackerState {
    const n = Math.min(this.windowFill, this.solveWindow);
    const recentReturns = Array.from({ length: n }, (_, i) => this.window[(this.windowFill - n + i) % this.solveWindow]);
    return { envSteps: this.envSteps, episodes: this.episodes, recentReturns, wallS: this.wallS(now) ?? this.wallOffsetS };
  }

  /** Continues from a checkpoint's progress (before training starts). */
  restore(s: TrackerState): void {
    this.envSteps = s.envSteps;
    this.lastPointSteps = s.envSteps;
    this.wallOffsetS = s.wallS ?? 0;
    this.episodes = s.episodes - s.recentReturns.length;
    this.windowFill = 0;
    this.windowSum = 0;
    this.addRollout(0, s.recentReturns, {});
    this.tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
  }

  /** Closes the current tick into a history point (extra holds coordinator-side metrics). */
  point(version: number, extra: Partial<Record<string, number>>, now = performance.now()): HistoryPoint {
    for (const [k, s] of this.lossSums) this.latestLosses[k] = s.sum / s.n;
    this.lossSums.clear();
    const dt = (now - this.lastPointAt) / 1000;
    const sps = dt > 0 ? (this.envSteps - this.lastPointSteps) / dt : 0;
    this.lastPointAt = now;
    this.lastPointSteps = this.envSteps;
    const metrics: Partial<Record<string, number>> = { ...this.latestLosses, ...extra, [M.sps]: sps };
    const mean = this.meanReturn();
    if (mean !== null) metrics[M.meanReturn] = mean;
    // The episodes finished in this tick: their mean return and length (none finished: no value).
    const e = this.tickEpisodes;
    if (e.n > 0) metrics[M.episodicReturn] = e.returns / e.n;
    if (e.withLength > 0) metrics[M.episodicLength] = e.lengths / e.withLength;
    this.tickEpisodes = { returns: 0, lengths: 0, n: 0, withLength: 0 };
    const p: HistoryPoint = { wallS: this.wallS(now) ?? this.wallOffsetS, envSteps: this.envSteps, version, metrics };
    this.history.push(p);
    if (this.history.length > this.maxHistory) {
      // Keep long runs light: drop every other point of the older half.
      const half = this.history.length >> 1;
      const older = this.history.splice(0, half).filter((_, i) => i % 2 === 0);
      this.history.unshift(...older);
    }
    return p;
  }
}
