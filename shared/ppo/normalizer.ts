/**
 * A worker's view of observation normalization and reward scaling (SB3's VecNormalize, made
 * distributed): the coordinator's merged stats normalize, while this worker's own raw
 * observations and discounted returns accumulate into deltas that it reports after each rollout.
 */
import { RunningMeanStd } from './runningStats.ts';

export interface NormOptions {
  normObs: boolean;
  normReward: boolean;
  clipObs: number;
  clipReward: number;
  gamma: number;
}

/** Serialized stats (RunningMeanStd.toArray), as they cross the wire. */
export interface NormStats {
  obs?: Float64Array;
  ret?: Float64Array;
}

export class Normalizer {
  private obsRms: RunningMeanStd | null;
  private retRms: RunningMeanStd | null;
  private obsDelta: RunningMeanStd | null;
  private retDelta: RunningMeanStd | null;
  /** Running discounted return per env, [E]; reset where an episode ends. */
  private readonly discounted: Float64Array;

  constructor(readonly obsDim: number, numEnvs: number, readonly opts: NormOptions) {
    this.obsRms = opts.normObs ? new RunningMeanStd(obsDim) : null;
    this.retRms = opts.normReward ? new RunningMeanStd(1) : null;
    this.obsDelta = opts.normObs ? new RunningMeanStd(obsDim, 'empty') : null;
    this.retDelta = opts.normReward ? new RunningMeanStd(1, 'empty') : null;
    this.discounted = new Float64Array(numEnvs);
  }

  /** Adopts the coordinator's merged stats. */
  setGlobal(stats: NormStats): void {
    if (this.obsRms && stats.obs) this.obsRms = RunningMeanStd.fromArray(this.obsDim, stats.obs);
    if (this.retRms && stats.ret) this.retRms = RunningMeanStd.fromArray(1, stats.ret);
  }

  /** Normalized (or copied) observations [n, obsDim] into `out`. */
  normalizeObs(raw: Float32Array, n: number, out: Float32Array): Float32Array {
    if (!this.obsRms) {
      out.set(raw.subarray(0, n * this.obsDim));
      return out;
    }
    return this.obsRms.normalize(raw, n, this.opts.clipObs, out);
  }

  /** Counts raw observations [n, obsDim] into this worker's delta. */
  observe(raw: Float32Array, n: number): void {
    this.obsDelta?.update(raw, n);
  }

  /**
   * Scales one step's rewards [E] into `out` by the std of the discounted return (clipped), and
   * counts the returns into the delta; `done[i]` ends env i's discounted return after this step.
   */
  scaleRewards(raw: Float32Array, done: ArrayLike<number>, out: Float32Array): Float32Array {
    if (!this.retRms || !this.retDelta) {
      out.set(raw);
      return out;
    }
    const e = raw.length;
    for (let i = 0; i < e; i++) this.discounted[i] = this.discounted[i] * this.opts.gamma + raw[i];
    this.retDelta.update(this.discounted, e);
    const std = Math.sqrt(this.retRms.var[0] + 1e-8);
    const c = this.opts.clipReward;
    for (let i = 0; i < e; i++) {
      out[i] = Math.min(c, Math.max(-c, raw[i] / std));
      if (done[i]) this.discounted[i] = 0;
    }
    return out;
  }

  /** The deltas gathered since the last call (to report), starting new ones. */
  takeDeltas(): NormStats {
    const out: NormStats = {};
    if (this.obsDelta) { out.obs = this.obsDelta.toArray(); this.obsDelta = new RunningMeanStd(this.obsDim, 'empty'); }
    if (this.retDelta) { out.ret = this.retDelta.toArray(); this.retDelta = new RunningMeanStd(1, 'empty'); }
    return out;
  }
}
