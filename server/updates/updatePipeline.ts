/**
 * The update pipeline: the one place where a pushed update is decided and every decision counted.
 * In order:
 *   notJoined     the socket has not joined
 *   malformed     the message fails its schema
 *   finished      the run is over
 *   quarantined   its worker lost the coordinator's trust (workers/trust.ts)
 *   rateLimited   more than maxPushesPerSecond from this worker
 *   dropped       computed before this worker was dropped and resumed
 *   badTicket     names a ticket not issued to this worker with params at that version (workers/tickets.ts)
 *   replayed      its ticket has carried all the updates one set of params can give
 *   overQuota     async and sync: more pushes than the worker's counted rollout reports give
 *   overShare     async and local, with robustUpdates: the worker's accepted updates per second are far above the fleet's median
 *                 (local mode: the report riding with the push is still taken)
 *   paused        an admin paused training (`paused`; a report riding with the push is still taken)
 *   then the ParameterServer's checks (malformed, wrongSize, stale, policyLag, nonFinite, normTooLarge)
 *   outlier       async and local, with robustUpdates: far from the recent accepted updates (robustAcceptance.ts)
 * In local mode the push carries its rollout's report, taken after the ticket check and before the
 * ParameterServer's checks (`takeReport`), at most maxPushesInFlight per version the worker is
 * handed (TicketBook.mayCountReport); a refused report refuses the delta too. In the other modes a
 * push that gets past its quota lets its worker send its next rollout report
 * (WorkerRecord.mayReport). An accepted update is stepped at once (async: Adam on a gradient;
 * local: the outer step along a delta) or joins the open sync round, whose mean (a trimmed mean
 * with robustUpdates) is one step when the round closes. The step size comes from `stepSize`
 * (schedules.ts), times the worker's earned weight in async and local modes with MIN_FLEET or more
 * contributing workers (a new worker's first updates count less: workers/trust.ts).
 * Every reply that carries params carries their ticket; refusals named in workers/trust.ts's
 * OFFENCES count against the worker's trust, and a quarantine marks the worker's address.
 */
import type { TrainConfig } from '../../shared/config.ts';
import { l2Norm } from '../../shared/codec.ts';
import {
  REJECT_REASONS, pushSchema, describeIssue, type Binary, type PushReply, type RejectReason, type RolloutAck, type RolloutReport,
} from '../../shared/protocol.ts';
import type { RunTracker } from '../metrics/runTracker.ts';
import { shareFactor, type WorkerRecord, type WorkerRegistry } from '../workers/workerRegistry.ts';
import { refuse, type ParameterServer, type Refusal } from './parameterServer.ts';
import { SyncRound, trimmedCount } from './syncRound.ts';
import { MIN_FLEET, RobustAcceptance, networkParts } from './robustAcceptance.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { earn, earnedWeight, offend, OFFENCES } from '../workers/trust.ts';
import type { Ticket } from '../workers/tickets.ts';
import { stepSize } from './schedules.ts';

/** A sync-mode push waiting for its round to close. */
interface PendingSyncPush<S> {
  worker: WorkerRecord<S>;
  ack: (reply: PushReply) => void;
}

export interface DecisionCounts {
  accepted: number;
  rejected: Record<RejectReason, number>;
}

export const noDecisions = (): DecisionCounts => ({
  accepted: 0, rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>,
});

/** The refusal of every push while an admin holds training. */
const PAUSED = refuse('paused', 'training is paused: wait until it resumes');

export class UpdatePipeline<S> {
  readonly counts = noDecisions();
  /** stalenessHistogram[s] = accepted updates that were s versions old. */
  readonly stalenessHistogram: number[] = [0];
  /** While true (an admin paused training) every push is refused as 'paused' and nothing is stepped. */
  paused = false;
  /** Staleness and gradient norm of the updates accepted since the last metrics tick. */
  private sinceTick = { staleness: 0, maxStaleness: 0, gradNorm: 0, n: 0 };
  private readonly round: SyncRound<PendingSyncPush<S>>;
  private roundTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly syncMean: Float32Array;
  /** Async and local modes with robustUpdates: the outlier test (robustAcceptance.ts). */
  readonly robust: RobustAcceptance | null;

  constructor(
    private readonly ps: ParameterServer,
    private readonly config: TrainConfig,
    private readonly registry: WorkerRegistry<S>,
    private readonly tracker: RunTracker,
    /** The current params as bytes for one reply. */
    private readonly paramsBytes: () => Binary,
    /** Takes a rollout report from worker `w` (local mode: the one a push carries). */
    private readonly takeReport: (w: WorkerRecord<S>, report: RolloutReport) => RolloutAck,
  ) {
    this.round = new SyncRound(ps.params.length);
    this.syncMean = new Float32Array(ps.params.length);
    this.robust = config.robustUpdates && config.updateMode !== 'sync' ? new RobustAcceptance(ps.params.length, networkParts(modelFor(config).layout)) : null;
  }

  /** Decides one push from worker `w` (undefined: the socket has not joined); `ack` gets the reply now or when its sync round closes. */
  push(w: WorkerRecord<S> | undefined, req: unknown, ack: (reply: PushReply) => void): void {
    const reply = this.decide(w, req, ack);
    if (reply) ack(reply);
  }

  private decide(w: WorkerRecord<S> | undefined, req: unknown, ack: (reply: PushReply) => void): PushReply | null {
    if (!w) return this.refused(w, refuse('notJoined', 'join before pushing'));
    const parsed = pushSchema.safeParse(req);
    if (!parsed.success) return this.refused(w, refuse('malformed', `bad push: ${describeIssue(parsed.error)}`));
    if (this.tracker.finished) return this.refused(w, refuse('finished', `the run is over (${this.tracker.state})`));
    w.lastSeenAt = performance.now();
    if (w.quarantined) return this.refused(w, refuse('quarantined', `worker ${w.workerId} is quarantined: its updates failed too many checks`));
    if (!this.registry.takeToken(w)) return this.refused(w, refuse('rateLimited', `more than ${this.config.maxPushesPerSecond} pushes per second`));
    const { version, ticket: ticketNo, rolloutVersion, grad, report } = parsed.data;
    if (version < w.minVersion) return this.refused(w, refuse('dropped', `update computed at version ${version}, before this worker resumed at version ${w.minVersion}`));
    const ticket = w.tickets.check(ticketNo, version);
    // Refused with the current params and their ticket when the worker's are behind, so an honest worker resynchronizes.
    if ('reason' in ticket) return this.refused(w, refuse(ticket.reason, ticket.error), version);
    const mode = this.config.updateMode;
    if ((mode === 'local') !== (report !== undefined)) {
      return this.refused(w, refuse('malformed', mode === 'local' ? 'bad push: local mode needs the rollout report with each delta' : `bad push: a report rides with a push only in local mode, this run is ${mode}`));
    }
    if (mode !== 'local') {
      if (w.pushAllowance <= 0) {
        return this.refused(w, refuse('overQuota', `more pushes than its rollouts give (${this.registry.rolloutPushes()} per counted rollout report): report the next rollout first`));
      }
      w.pushAllowance--;
      // A well-formed, paced push from this worker's current life is decided from here on: it earns
      // the worker its next rollout report (async and sync modes; in local mode each push carries its own).
      w.mayReport = true;
    }
    const overShare = mode !== 'sync' && this.config.robustUpdates && this.registry.overShare(w)
      ? refuse('overShare', `more accepted updates per second than ${shareFactor(w).toFixed(1)}x the fleet's median of ${this.registry.fairRate.toFixed(1)}: wait`)
      : null;
    // Local mode: the report riding with the push is taken whatever becomes of the delta (over its
    // fair share, paused, refused by the checks below): an honest tab really spent those env steps,
    // played those episodes and gathered those statistics, and the reply gives it the merged
    // statistics and its next rollout length. The report is held to every check a report has
    // (possible for the run, norm bounds, quarantine), the push to the rate limit and its ticket.
    // But a refusal spends nothing of the ticket, and one at the current version hands out no new
    // one, so a liar could have reports counted on refused deltas at maxPushesPerSecond (an overShare
    // or paused push, a rolloutVersion past its version): budget burnt far faster than any update
    // lands. So the worker's tickets for one version of the params count at most maxUses reports
    // (TicketBook.mayCountReport; as many as the deltas one set of params can give): at most
    // maxPushesInFlight per version the worker is handed. A push past that is decided without its
    // report counted, so an honest tab loses a report only after maxPushesInFlight pushes from
    // params the run has not moved past. Made-up episodes are the spot checks' to catch
    // (workers/spotCheck.ts).
    const rollout = report && w.tickets.mayCountReport(ticket) ? this.takeReport(w, report) : undefined;
    if (rollout && !rollout.ok) return this.refused(w, refuse('malformed', `rollout report refused: ${rollout.error}`));
    if (rollout) w.tickets.countReport(ticket);
    if (overShare) return { ...this.refused(w, overShare, version), ...(rollout && { rollout }) };
    if (version <= this.ps.version) this.registry.noteStaleness(w, this.ps.version - version);
    // Paused: the report is taken (see above), the update is not, and the reply is the
    // ordinary refusal (fresh params when behind) that a tab unaware of pausing goes on from.
    if (this.paused) return { ...this.refused(w, PAUSED, version), ...(rollout && { rollout }) };

    const c = this.ps.check(grad, version, rolloutVersion, mode === 'sync' ? 0 : this.config.maxStaleness);
    if (!c.accepted) return { ...this.refused(w, c, version), ...(rollout && { rollout }) };
    if (mode === 'sync') return this.joinRound(w, c.grad, version, ticket, ack);
    const outlier = this.registry.contributingCount() >= MIN_FLEET ? this.robust?.check(w.workerId, c.grad, c.gradNorm) : undefined;
    if (outlier) return { ...this.refused(w, refuse('outlier', outlier), version), ...(rollout && { rollout }) };
    this.robust?.accepted(w.workerId, c.grad, c.gradNorm);
    w.tickets.spend(ticket);
    // A new worker's first updates count less (earnedWeight, workers/trust.ts), in a fleet of
    // MIN_FLEET or more: with fewer, no worker is judged against the others either.
    const contributing = this.registry.contributingCount();
    const weight = contributing >= MIN_FLEET ? earnedWeight(w, this.config.newcomerUpdates) : 1;
    const lr = stepSize(this.config, this.tracker.envSteps, w.updateSteps, c.staleness, contributing) * weight;
    if (mode === 'local') this.ps.stepDelta(c.grad, lr);
    else this.ps.step(c.grad, c.gradNorm, lr);
    this.accept(c.staleness, c.gradNorm, 1);
    this.credit(w);
    this.registry.spendShare(w);
    return {
      ok: true, accepted: true, version: this.ps.version, ...this.params(w), done: this.tracker.finished, ...(rollout && { rollout }), ...(mode === 'local' && { step: lr }),
    };
  }

  /** The current params for a reply to `w`, with their ticket. */
  private params(w: WorkerRecord<S>): { params: Binary; ticket: number } {
    return { params: this.paramsBytes(), ticket: w.tickets.issue(this.ps.version) };
  }

  /** One accepted update of `w`: it earns trust and counts toward the sync quorum. */
  private credit(w: WorkerRecord<S>): void {
    earn(w);
    w.contributedAt = performance.now();
  }

  /**
   * Counts a refusal and makes its reply. Refused before the update was looked at (no `version`):
   * ok false and no params. Refused by the ParameterServer: the reason, and fresh params if the
   * worker's are behind.
   */
  private refused(w: WorkerRecord<S> | undefined, r: Refusal, version?: number): PushReply {
    this.counts.rejected[r.reason]++;
    if (w) {
      w.rejected++;
      if (OFFENCES.has(r.reason)) this.offence(w);
    }
    const done = this.tracker.finished;
    if (version === undefined || !w) return { ok: false, accepted: false, reason: r.reason, error: r.error, done };
    const fresh = version !== this.ps.version ? this.params(w) : undefined;
    return { ok: true, accepted: false, reason: r.reason, error: r.error, version: this.ps.version, ...fresh, done };
  }

  /** One failed check of `w` (workers/trust.ts; `atOnce`: a verified lie); if this quarantines it, its address is marked and a sync gradient it has waiting is taken out. */
  offence(w: WorkerRecord<S>, atOnce = false): void {
    if (!offend(w, this.config.quarantine, atOnce)) return;
    this.registry.markQuarantined(w);
    this.robust?.forget(w.workerId);
    if (this.round.remove(w.workerId)) this.counts.rejected.quarantined++;
  }

  /** Counts `n` accepted updates that were `staleness` versions old, stepped with one update of norm `gradNorm` (before clipping). */
  private accept(staleness: number, gradNorm: number, n: number): void {
    this.counts.accepted += n;
    while (this.stalenessHistogram.length <= staleness) this.stalenessHistogram.push(0);
    this.stalenessHistogram[staleness] += n;
    const t = this.sinceTick;
    t.staleness += staleness * n;
    t.maxStaleness = Math.max(t.maxStaleness, staleness);
    t.gradNorm += gradNorm * n;
    t.n += n;
  }

  /** Mean and max staleness and mean update norm of the updates accepted since the last call (null when none). */
  takeTick(): { meanStaleness: number; maxStaleness: number; meanGradNorm: number } | null {
    const t = this.sinceTick;
    this.sinceTick = { staleness: 0, maxStaleness: 0, gradNorm: 0, n: 0 };
    return t.n > 0 ? { meanStaleness: t.staleness / t.n, maxStaleness: t.maxStaleness, meanGradNorm: t.gradNorm / t.n } : null;
  }

  /** Sync mode: a gradient at the current version joins the round; the reply waits for the round's step. */
  private joinRound(w: WorkerRecord<S>, grad: Float32Array, version: number, ticket: Ticket, ack: (reply: PushReply) => void): PushReply | null {
    if (!this.round.add(w.workerId, grad, { worker: w, ack })) {
      return this.refused(w, refuse('malformed', 'one gradient per worker per sync round: wait for the reply'), version);
    }
    w.tickets.spend(ticket);
    if (this.round.count >= this.syncTarget()) this.closeRound();
    else if (this.round.count === 1) this.roundTimer = setTimeout(() => this.closeRound(), this.config.syncTimeoutMs);
    return null;
  }

  /**
   * Gradients a sync round waits for: syncGradients, or one per contributing worker, whichever is
   * fewer. Contributing: connected, not quarantined, and joined or had an update accepted within
   * the last 2 x syncTimeoutMs, so joined workers that never send a usable gradient stop holding
   * every round to its timeout.
   */
  syncTarget(): number {
    return Math.max(1, Math.min(this.config.syncGradients ?? Infinity, this.registry.contributingCount(2 * this.config.syncTimeoutMs)));
  }

  /** Steps with the mean of the round's gradients and answers every worker in it. */
  private closeRound(): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    const n = this.round.count;
    if (n === 0) return;
    const pending = this.round.close(this.syncMean, this.config.robustUpdates ? trimmedCount(n) : 0);
    const norm = l2Norm(this.syncMean);
    this.ps.step(this.syncMean, norm, stepSize(this.config, this.tracker.envSteps, this.config.numSteps, 0));
    this.accept(0, norm, n);
    for (const p of pending) {
      this.credit(p.worker);
      p.ack({ ok: true, accepted: true, version: this.ps.version, ...this.params(p.worker), done: this.tracker.finished });
    }
  }

  /** A worker left: a gradient it has waiting in the sync round is taken out (counted as 'dropped'), and the round may now be complete. */
  workerLeft(w: WorkerRecord<S>): void {
    this.robust?.left(w.workerId);
    if (this.round.remove(w.workerId)) this.refused(w, refuse('dropped', `worker ${w.workerId} left before its sync round closed`));
    if (this.config.updateMode === 'sync' && this.round.count > 0 && this.round.count >= this.syncTarget()) this.closeRound();
  }

  /** The run is over: gradients waiting in the sync round are refused as 'finished'. */
  finish(): void {
    this.refuseRound(refuse('finished', `the run is over (${this.tracker.state})`));
  }

  /** Holds training: from now on pushes are refused as 'paused', gradients waiting in the sync round too. */
  pause(): void {
    this.paused = true;
    this.refuseRound(PAUSED);
  }

  private refuseRound(r: Refusal): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    for (const p of this.round.clear()) p.ack(this.refused(p.worker, r));
  }

}
