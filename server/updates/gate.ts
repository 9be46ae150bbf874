/**
 * The staleness gate: the one rule deciding whether an update computed at parameter version v'
 * may be applied at the current version v.
 *
 *   staleness = v - v'
 *   accept      iff v' is an integer with 0 <= v' <= v and staleness <= maxStaleness
 *   'malformed' when v' is not an integer, negative, or ahead of v (no such version was ever sent)
 *   'stale'     when staleness > maxStaleness
 *   'policyLag' when the rollout behind the update, collected at version r <= v', is more than
 *               maxPolicyLag versions old (v - r > maxPolicyLag); null means no such bound
 *
 * maxStaleness = 0 is synchronous PPO: only updates computed at the current version are applied.
 */
export type StalenessDecision =
  | { accept: true; staleness: number }
  | { accept: false; reason: 'stale' | 'malformed' | 'policyLag'; staleness: number };

export function stalenessDecision(
  current: number, gradVersion: number, maxStaleness: number, rolloutVersion = gradVersion, maxPolicyLag: number | null = null,
): StalenessDecision {
  const staleness = current - gradVersion;
  if (!Number.isInteger(gradVersion) || gradVersion < 0 || gradVersion > current) {
    return { accept: false, reason: 'malformed', staleness };
  }
  if (!Number.isInteger(rolloutVersion) || rolloutVersion < 0 || rolloutVersion > gradVersion) {
    return { accept: false, reason: 'malformed', staleness };
  }
  if (staleness > maxStaleness) return { accept: false, reason: 'stale', staleness };
  if (maxPolicyLag !== null && current - rolloutVersion > maxPolicyLag) return { accept: false, reason: 'policyLag', staleness };
  return { accept: true, staleness };
}
