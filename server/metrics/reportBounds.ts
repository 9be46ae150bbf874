/**
 * What a rollout report can hold for this run, beyond its schema (shared/protocol.ts): the
 * rollout's size is one the coordinator assigned this worker lately; no episode is longer than the env's time
 * limit; a return lies within the env's per-step reward bounds times its length (EnvSpec.rewardRange,
 * where the env has them); and the episodes ending in one rollout fit in it: each env's episodes
 * that end in this rollout ran in it, except for at most one that began before it (and that one
 * for at most maxEpisodeSteps - 1 steps before), so their lengths add up to at most
 * envSteps + numEnvs * (maxEpisodeSteps - 1). A report that breaks any of these cannot be true.
 */
import type { TrainConfig } from '../../shared/config.ts';
import type { EnvSpec } from '../../shared/envs/types.ts';
import type { RolloutReport } from '../../shared/protocol.ts';

/** Relative slack on a return's bounds, for rewards summed in float32 or float64 by the tab. */
const RETURN_SLACK = 1e-6;

/** Why `r` cannot be a true report of a rollout of one of `assignedSteps` steps per env at or before `version`; null when it can. */
export function impossibleReport(config: TrainConfig, spec: EnvSpec, assignedSteps: readonly number[], version: number, r: RolloutReport): string | null {
  if (!assignedSteps.some((s) => r.envSteps === config.numEnvs * s)) {
    const sizes = assignedSteps.map((s) => `${config.numEnvs} envs x ${s} steps = ${config.numEnvs * s}`).join(' or ');
    return `your rollouts are ${sizes} env steps, got ${r.envSteps}`;
  }
  if (r.rolloutVersion > version) return `rolloutVersion ${r.rolloutVersion} is ahead of the coordinator's version ${version}`;
  const maxLen = spec.maxEpisodeSteps;
  const range = spec.rewardRange;
  const slack = range ? RETURN_SLACK * Math.max(1, Math.abs(range[0]), Math.abs(range[1])) : 0;
  let total = 0;
  for (let i = 0; i < r.episodeLengths.length; i++) {
    const len = r.episodeLengths[i];
    if (len > maxLen) return `episodes last at most ${maxLen} steps`;
    total += len;
    if (range) {
      const ret = r.episodeReturns[i];
      const lo = range[0] * len;
      const hi = range[1] * len;
      if (ret < lo - slack * len || ret > hi + slack * len) return `a ${len}-step episode of ${spec.id} returns between ${lo} and ${hi}, got ${ret}`;
    }
  }
  const most = r.envSteps + config.numEnvs * (maxLen - 1);
  if (total > most) return `the episodes ending in a rollout of ${r.envSteps} env steps over ${config.numEnvs} envs last ${most} steps together at most, got ${total}`;
  return null;
}
