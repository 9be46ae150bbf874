/**
 * Observation and return statistics merged from every worker's rollouts (when the run normalizes
 * observations or scales rewards): each rollout report carries its own statistics, merged here,
 * and every reply hands the merged ones back.
 *
 * A tab's statistics are its word, so they are merged robustly:
 *  - their count is what the rollout held: one return per env step, one observation per env step
 *    (plus one per env for a tab's very first rollout, whose envs' reset observations count too),
 *    so no report weighs more than its env steps;
 *  - once the merged statistics hold at least as many samples as a report, each of the report's
 *    means is clipped to within NORM_CLIP_STDS merged standard deviations of the merged mean, and
 *    each variance to at most NORM_CLIP_STDS^2 merged variances. Clipped, not refused: honest
 *    statistics drift as the policy reaches new states (MountainCar's car climbs), and a clipped
 *    report still moves the merged ones that way, only by a bounded step. A hostile one moves the
 *    merged mean by at most NORM_CLIP_STDS standard deviations times its share of the samples.
 */
import { decodeF64, encodeF64 } from '../../shared/codec.ts';
import type { TrainConfig } from '../../shared/config.ts';
import type { NormStatsWire } from '../../shared/protocol.ts';
import { RunningMeanStd } from '../../shared/ppo/runningStats.ts';
import type { NormStats } from '../../shared/ppo/normalizer.ts';

/** How many merged standard deviations a report's mean may lie from the merged mean (see the file's comment). */
export const NORM_CLIP_STDS = 5;

/**
 * Largest |mean| a report's statistics may hold (and NORM_MAX_MEAN^2 the largest variance): far
 * beyond any env's observations, small enough that merging never overflows to Infinity.
 */
export const NORM_MAX_MEAN = 1e9;

/** A report's statistics, checked and ready to merge. */
export interface NormDelta {
  obs: RunningMeanStd | null;
  ret: RunningMeanStd | null;
}

export class MergedNormStats {
  readonly obs: RunningMeanStd | null;
  readonly ret: RunningMeanStd | null;
  /** Reports some of whose statistics were clipped before merging. */
  clipped = 0;

  constructor(config: TrainConfig, obsDim: number, saved?: NormStats) {
    const stats = (on: boolean, dim: number, arr?: Float64Array) => (!on ? null : arr ? RunningMeanStd.fromArray(dim, arr) : new RunningMeanStd(dim));
    this.obs = stats(config.normObs, obsDim, saved?.obs);
    this.ret = stats(config.normReward, 1, saved?.ret);
  }

  /**
   * A report's statistics of a rollout of `envSteps` env steps over `numEnvs` envs, checked; an
   * error when they are missing, unexpected, malformed, or count other than the rollout's samples.
   */
  check(wire: NormStatsWire, envSteps: number, numEnvs: number): NormDelta | string {
    let obs: RunningMeanStd | null;
    let ret: RunningMeanStd | null;
    try {
      obs = decodeDelta(this.obs, wire.obs, 'obs');
      ret = decodeDelta(this.ret, wire.ret, 'ret');
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (obs && obs.count !== envSteps && obs.count !== envSteps + numEnvs) {
      return `norm.obs counts ${obs.count} observations; a rollout of ${envSteps} env steps has ${envSteps} (${envSteps + numEnvs} with its envs' first reset)`;
    }
    if (ret && ret.count !== envSteps) return `norm.ret counts ${ret.count} returns; a rollout of ${envSteps} env steps has ${envSteps}`;
    for (const [name, s] of [['obs', obs], ['ret', ret]] as const) {
      if (s && !withinLimits(s)) return `norm.${name}: means must lie within +-${NORM_MAX_MEAN} and variances within [0, ${NORM_MAX_MEAN ** 2}]`;
    }
    return { obs, ret };
  }

  /** Merges checked statistics, clipped to the merged ones when those hold enough samples. */
  merge(delta: NormDelta): void {
    let clipped = false;
    if (delta.obs) clipped = mergeClipped(this.obs!, delta.obs) || clipped;
    if (delta.ret) clipped = mergeClipped(this.ret!, delta.ret) || clipped;
    if (clipped) this.clipped++;
  }

  /** The merged statistics as they go on the wire. */
  wire(): NormStatsWire {
    return {
      ...(this.obs ? { obs: encodeF64(this.obs.toArray()) } : {}),
      ...(this.ret ? { ret: encodeF64(this.ret.toArray()) } : {}),
    };
  }

  /** The RunningMeanStd arrays, for a checkpoint. */
  arrays(): NormStats {
    return { obs: this.obs?.toArray(), ret: this.ret?.toArray() };
  }
}

/**
 * Merges `d` into `global`, first clipping its means and variances to the merged ones when those
 * hold at least d.count samples (see the file's comment); true if anything was clipped.
 */
function mergeClipped(global: RunningMeanStd, d: RunningMeanStd): boolean {
  let clipped = false;
  if (global.count >= d.count) {
    for (let j = 0; j < global.dim; j++) {
      // The same epsilon as normalization uses, so a constant feature still has a (tiny) scale.
      const v = global.var[j] + 1e-8;
      const reach = NORM_CLIP_STDS * Math.sqrt(v);
      const mean = Math.min(global.mean[j] + reach, Math.max(global.mean[j] - reach, d.mean[j]));
      const variance = Math.min(NORM_CLIP_STDS * NORM_CLIP_STDS * v, d.var[j]);
      if (mean !== d.mean[j] || variance !== d.var[j]) clipped = true;
      d.mean[j] = mean;
      d.var[j] = variance;
    }
  }
  global.merge(d);
  return clipped;
}

function withinLimits(s: RunningMeanStd): boolean {
  for (let j = 0; j < s.dim; j++) if (Math.abs(s.mean[j]) > NORM_MAX_MEAN || s.var[j] > NORM_MAX_MEAN ** 2) return false;
  return true;
}

/** A worker's statistics delta, checked; required exactly when the run keeps those stats. */
function decodeDelta(global: RunningMeanStd | null, bin: unknown, name: 'obs' | 'ret'): RunningMeanStd | null {
  if (!global) {
    if (bin !== undefined) throw new Error(`norm.${name} sent but this run does not normalize ${name}`);
    return null;
  }
  if (bin === undefined) throw new Error(`norm.${name} is required: this run normalizes ${name}`);
  try {
    return RunningMeanStd.fromArray(global.dim, decodeF64(bin, 1 + 2 * global.dim));
  } catch (e) {
    throw new Error(`norm.${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}
