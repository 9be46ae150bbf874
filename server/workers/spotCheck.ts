/**
 * Spot checks of reported episodes: commit, then reveal. A tab's rollout report is its commitment
 * to each finished episode's return and length. After the report has counted, the coordinator
 * samples it with probability config.spotCheckRate (reports with at least one episode) and asks
 * the tab (`spotCheck`, with an ack) for the trace of one of its episodes picked at random then,
 * so the tab cannot know beforehand which episode will be checked. It replays the trace on its own
 * env (shared/envs/trace.ts) and compares: the same length, and the same return within
 * RETURN_TOLERANCE (the tab sums the same float64 rewards, so an honest replay agrees bit for bit).
 *
 * Verdicts, each counted (SpotChecks) and each but a pass an offence (workers/trust.ts, 'failedCheck'):
 *   passed      the replay gives the reported return and length;
 *   failed      the replay disagrees, or the trace is malformed or not an episode of the env (it
 *               ends early, does not end, holds an invalid action): a verified lie, which
 *               quarantines its worker at once;
 *   unanswered  the tab refused, said it has no such trace, sent a report without a `seq`, or did
 *               not answer within spotCheckTimeoutMs. An honest tab always has the trace (it keeps
 *               its last reports' episodes), but its connection may drop while it is asked: so an
 *               unanswered check is an ordinary offence, and quarantines at once only when the
 *               worker has more unanswered checks than 1 + passed / 10 (a tab that never answers
 *               is quarantined at its second check).
 *
 * Replays run one at a time, in slices on the event loop (server/slices.ts, as the solve check's
 * evaluation), so pushes and reports keep being answered meanwhile. At most
 * MAX_PENDING checks are under way at once (asked or replaying), one per worker, and replays take
 * at most REPLAY_SHARE of the coordinator's time on average (a token bucket of REPLAY_BURST_MS):
 * a report sampled beyond either is skipped (counted), so a large fleet of an expensive env
 * (LunarLander: about 0.2 ms a step) lowers the rate actually checked rather than the
 * coordinator's responsiveness. The checks do not catch a gradient computed on other data
 * than the reported episodes, nor episodes played twice from one seed (docs/TRUST.md).
 */
import { randomInt } from 'node:crypto';
import type { TrainConfig } from '../../shared/config.ts';
import { envSpec } from '../../shared/envs/registry.ts';
import { decodeActions, replaySteps, type ReplayResult } from '../../shared/envs/trace.ts';
import { Slices } from '../slices.ts';
import { spotCheckReplySchema, type RolloutReport, type SpotCheckRequest, type SpotChecks } from '../../shared/protocol.ts';

/** Most checks under way at once (asked, or waiting for or in their replay). */
export const MAX_PENDING = 32;
/** Most of the coordinator's wall time replays take on average. */
export const REPLAY_SHARE = 0.1;
/** Replay milliseconds the coordinator may spend at once after a quiet while (the bucket's size). */
export const REPLAY_BURST_MS = 2000;
/** Relative tolerance on a replayed return: |replayed - reported| <= RETURN_TOLERANCE * max(1, |reported|). */
export const RETURN_TOLERANCE = 1e-6;
/** Unanswered checks a worker may have beyond one in ten of its passed ones before it is quarantined at once. */
export const UNANSWERED_ALLOWED = 1;

export type Verdict = 'passed' | 'failed' | 'unanswered';

/** What the checker tells its owner about a check that did not pass. */
export interface Failure {
  verdict: Exclude<Verdict, 'passed'>;
  /** Whether this check quarantines the worker at once (see the file's comment). */
  atOnce: boolean;
  /** Why, in words (for logs and tests). */
  reason: string;
}

/** Per worker: checks it passed and left unanswered, and whether one is under way. */
interface WorkerChecks {
  passed: number;
  unanswered: number;
  busy: boolean;
}

export class SpotChecker<W extends object> {
  readonly counts: SpotChecks = { asked: 0, passed: 0, failed: 0, unanswered: 0, skipped: 0, replayMs: 0 };
  private readonly byWorker = new WeakMap<W, WorkerChecks>();
  private pending = 0;
  /** Replays waiting for the event loop, in slices. */
  private readonly slices = new Slices((ms) => {
    this.counts.replayMs += ms;
    this.tokens -= ms;
  });
  private stopped = false;
  /** Replay milliseconds available now (see REPLAY_SHARE), and when they were last refilled. */
  private tokens = REPLAY_BURST_MS;
  private refilledAt = performance.now();

  /**
   * `onFailure` hears of every check of `w` that did not pass (after the run ended, none);
   * `onPass` of every one that did.
   */
  constructor(
    private readonly config: TrainConfig,
    private readonly onFailure: (w: W, f: Failure) => void,
    private readonly onPass: (w: W) => void = () => {},
  ) {}

  /**
   * After `r` of worker `w` has counted: with probability spotCheckRate, asks for one episode's
   * trace through `ask` (which rejects on a timeout or a lost connection) and checks it.
   */
  consider(w: W, r: RolloutReport, ask: (req: SpotCheckRequest) => Promise<unknown>): void {
    const n = r.episodeReturns.length;
    if (this.stopped || n === 0 || this.config.spotCheckRate <= 0) return;
    if (randomInt(0, 2 ** 32) >= this.config.spotCheckRate * 2 ** 32) return;
    const mine = this.of(w);
    const now = performance.now();
    this.tokens = Math.min(REPLAY_BURST_MS, this.tokens + (now - this.refilledAt) * REPLAY_SHARE);
    this.refilledAt = now;
    if (mine.busy || this.pending >= MAX_PENDING || this.tokens <= 0) {
      this.counts.skipped++;
      return;
    }
    const episode = randomInt(0, n);
    const expected = { return: r.episodeReturns[episode], length: r.episodeLengths[episode] };
    this.counts.asked++;
    if (r.seq === undefined) return this.verdict(w, 'unanswered', 'the report has no seq to name it by');
    mine.busy = true;
    this.pending++;
    void this.check(r.seq, episode, expected, ask).then(
      ([verdict, reason]) => this.verdict(w, verdict, reason),
      (e: unknown) => this.verdict(w, 'failed', `the check failed: ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => {
      mine.busy = false;
      this.pending--;
    });
  }

  /** Stops checking (the run is over): replays under way are dropped and no verdict is given any more. */
  stop(): void {
    this.stopped = true;
    this.slices.cancel(new Error('the run is over'));
  }

  private of(w: W): WorkerChecks {
    let c = this.byWorker.get(w);
    if (!c) this.byWorker.set(w, (c = { passed: 0, unanswered: 0, busy: false }));
    return c;
  }

  private async check(seq: number, episode: number, expected: ReplayResult, ask: (req: SpotCheckRequest) => Promise<unknown>): Promise<[Verdict, string]> {
    let answer: unknown;
    try {
      answer = await ask({ seq, episode });
    } catch (e) {
      return ['unanswered', `no answer: ${e instanceof Error ? e.message : String(e)}`];
    }
    const parsed = spotCheckReplySchema.safeParse(answer);
    if (!parsed.success) return ['failed', `malformed trace: ${parsed.error.issues[0]?.message ?? 'invalid'}`];
    if (!parsed.data.ok) return ['unanswered', `refused: ${parsed.data.error}`];
    let actions: Float32Array;
    try {
      actions = decodeActions(envSpec(this.config.envId), parsed.data.actions, expected.length);
    } catch (e) {
      return ['failed', `malformed trace: ${e instanceof Error ? e.message : String(e)}`];
    }
    const got = await this.replay(replaySteps(this.config.envId, parsed.data.seed, actions));
    if (got instanceof Error) return ['failed', `the trace is not an episode of ${this.config.envId}: ${got.message}`];
    if (got.length !== expected.length) return ['failed', `replayed length ${got.length}, reported ${expected.length}`];
    if (!(Math.abs(got.return - expected.return) <= RETURN_TOLERANCE * Math.max(1, Math.abs(expected.return)))) {
      return ['failed', `replayed return ${got.return}, reported ${expected.return}`];
    }
    return ['passed', 'the replay agrees'];
  }

  private verdict(w: W, verdict: Verdict, reason: string): void {
    if (this.stopped) return;
    const mine = this.of(w);
    this.counts[verdict]++;
    if (verdict === 'passed') {
      mine.passed++;
      return this.onPass(w);
    }
    if (verdict === 'unanswered') mine.unanswered++;
    const atOnce = verdict === 'failed' || mine.unanswered > UNANSWERED_ALLOWED + mine.passed / 10;
    this.onFailure(w, { verdict, atOnce, reason });
  }

  /** Queues a replay; it resolves with the result, or the Error that shows the trace is no episode. */
  private replay(steps: Generator<void, ReplayResult>): Promise<ReplayResult | Error> {
    return this.stopped ? Promise.resolve(new Error('the run is over')) : this.slices.run(steps);
  }
}
