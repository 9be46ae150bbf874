/**
 * The staleness gate: the one rule deciding whether an update computed at parameter version v'
 * may be applied at the current version v.
 *
 *   staleness = v - v'
 *   accept      iff v' is an integer with 0 <= v' <= v and staleness <= maxStaleness
 *   'malformed' when v' is not an integer, negative, or ahead of v (no such version was ever sent)
 *   'stale'     when staleness > maxStaleness
 *
 * maxStaleness = 0 is synchronous PPO: only updates computed at the current version are applied.
 */
export type StalenessDecision =
  | { accept: true; staleness: number }
  | { accept: false; reason: 'stale' | 'malformed'; staleness: number };

export function stalenessDecision(current: number, gradVersion: number, maxStaleness: number): StalenessDecision {
  const staleness = current - gradVersion;
  if (!Number.isInteger(gradVersion) || gradVersion < 0 || gradVersion > current) {
    return { accept: false, reason: 'malformed', staleness };
  }
  if (staleness > maxStaleness) return { accept: false, reason: 'stale', staleness };
  return { accept: true, staleness };
}
