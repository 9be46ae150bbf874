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
 * The score lives on the worker's record, so it survives a reconnect and resume; a worker that
 * joins afresh starts a new record (and has to earn its updates' acceptance again).
 */
import type { RejectReason } from '../../shared/protocol.ts';

/** Refusals that an honest worker's messages do not earn: each counts against its sender. */
export const OFFENCES: ReadonlySet<RejectReason> = new Set<RejectReason>([
  'badTicket', 'replayed', 'overQuota', 'outlier', 'nonFinite', 'normTooLarge', 'wrongSize', 'failedCheck',
]);

export const OFFENCE_WEIGHT = 4;
export const QUARANTINE_BELOW = 0.5;
export const MIN_OFFENCES = 5;

export interface TrustCounts {
  /** Accepted updates (the work that earns trust). */
  accepted: number;
  /** Failed checks. */
  offences: number;
  trust: number;
  quarantined: boolean;
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
  if (!quarantine || w.quarantined) return false;
  if (!atOnce && (w.offences < MIN_OFFENCES || w.trust >= QUARANTINE_BELOW)) return false;
  w.quarantined = true;
  return true;
}

/** Records `n` accepted updates of `w`. */
export function earn(w: TrustCounts, n = 1): void {
  w.accepted += n;
  w.trust = trustScore(w.accepted, w.offences);
}
