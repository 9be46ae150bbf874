/**
 * The coordinator's trust in a worker. It rises with the worker's accepted updates and falls with
 * the checks its messages fail (OFFENCES: a ticket it was not given or has used up, more pushes
 * than its rollouts justify, an outlier, a non-finite, oversized or wrong-sized update, an
 * impossible rollout report):
 *
 *   trust = (accepted + 1) / (accepted + 1 + OFFENCE_WEIGHT * offences)
 *
 * so it starts at 1 and is below QUARANTINE_BELOW once more than one decision in
 * (1 + OFFENCE_WEIGHT) is an offence. A worker with at least MIN_OFFENCES offences and trust
 * under QUARANTINE_BELOW is quarantined (with config.quarantine on): its updates are refused as
 * 'quarantined' and its reports no longer count, for as long as the coordinator remembers it.
 * A failed spot check whose trace was replayed and disagreed with its report is no noise but a
 * verified lie: `offend(w, quarantine, true)` quarantines at once (server/workers/spotCheck.ts).
 * The score lives on the worker's record, so it survives a reconnect and resume.
 *
 * A worker that joins afresh starts a new record, so a quarantine is also marked on its address
 * (addressMarks.ts): a worker joining from a marked address is on probation until it has
 * PROBATION_UPDATES accepted updates: its PROBATION_MIN_OFFENCES-th offence quarantines it,
 * whatever its trust. And every new worker earns its weight (`earnedWeight`, async and local
 * modes with MIN_FLEET or more contributing workers, as the outlier tests; a sync round's trimmed
 * mean bounds each gradient instead): its k-th accepted update
 * (k = 1, 2, ...) is stepped with k / newcomerUpdates of the step size (k / PROBATION_UPDATES on
 * probation) until that reaches 1, so a fresh identity's first updates count little.
 */
import type { RejectReason } from '../../shared/protocol.ts';

/** Refusals that an honest worker's messages do not earn: each counts against its sender. */
export const OFFENCES: ReadonlySet<RejectReason> = new Set<RejectReason>([
  'badTicket', 'replayed', 'overQuota', 'outlier', 'nonFinite', 'normTooLarge', 'wrongSize', 'failedCheck',
]);

export const OFFENCE_WEIGHT = 4;
export const QUARANTINE_BELOW = 0.5;
export const MIN_OFFENCES = 5;
/** Accepted updates a worker on probation needs before the ordinary rules apply to it, and over which its weight ramps up. */
export const PROBATION_UPDATES = 32;
/** Offences that quarantine a worker on probation. */
export const PROBATION_MIN_OFFENCES = 2;

export interface TrustCounts {
  /** Accepted updates (the work that earns trust). */
  accepted: number;
  /** Failed checks. */
  offences: number;
  trust: number;
  quarantined: boolean;
  /** Joined from an address with quarantine marks, and not yet PROBATION_UPDATES accepted updates. */
  probation: boolean;
  /** Accepted updates since its offences: +1 per accepted update, halved by each offence (fair share grows with it). */
  clean: number;
}

export function trustScore(accepted: number, offences: number): number {
  return (accepted + 1) / (accepted + 1 + OFFENCE_WEIGHT * offences);
}

/**
 * Records one offence of `w`; true when it puts `w` into quarantine now (with `quarantine` on):
 * with `atOnce` (a verified lie) whatever its score, else once it is a repeat offender.
 */
export function offend(w: TrustCounts, quarantine: boolean, atOnce = false): boolean {
  w.offences++;
  w.trust = trustScore(w.accepted, w.offences);
  w.clean /= 2;
  if (!quarantine || w.quarantined) return false;
  if (!atOnce && (w.probation ? w.offences < PROBATION_MIN_OFFENCES : w.offences < MIN_OFFENCES || w.trust >= QUARANTINE_BELOW)) return false;
  w.quarantined = true;
  return true;
}

/** Records `n` accepted updates of `w`. */
export function earn(w: TrustCounts, n = 1): void {
  w.accepted += n;
  w.clean += n;
  w.trust = trustScore(w.accepted, w.offences);
  if (w.probation && w.accepted >= PROBATION_UPDATES) w.probation = false;
}

/**
 * The share of the step size `w`'s next accepted update gets: (accepted + 1) / ramp, at most 1, where
 * ramp is newcomerUpdates, or PROBATION_UPDATES (if more) on probation (see the file's comment).
 */
export function earnedWeight(w: TrustCounts, newcomerUpdates: number): number {
  return Math.min(1, (w.accepted + 1) / (w.probation ? Math.max(PROBATION_UPDATES, newcomerUpdates) : newcomerUpdates));
}

/** Whether `w` left (or is leaving) with its trust lost but before its quarantine: offences, and trust under QUARANTINE_BELOW. */
export function leftInDisgrace(w: TrustCounts): boolean {
  return !w.quarantined && w.offences > 0 && w.trust < QUARANTINE_BELOW;
}
