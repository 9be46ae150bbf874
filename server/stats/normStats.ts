/**
 * Observation and return statistics merged from every worker's rollouts (when the run normalizes
 * observations or scales rewards): each rollout report carries its own statistics, merged here,
 * and every reply hands the merged ones back.
 */
import { decodeF64, encodeF64 } from '../../shared/codec.ts';
import type { TrainConfig } from '../../shared/config.ts';
import type { NormStatsWire } from '../../shared/protocol.ts';
import { RunningMeanStd } from '../../shared/ppo/runningStats.ts';
import type { NormStats } from '../../shared/ppo/normalizer.ts';

export class MergedNormStats {
  readonly obs: RunningMeanStd | null;
  readonly ret: RunningMeanStd | null;

  constructor(config: TrainConfig, obsDim: number, saved?: NormStats) {
    const stats = (on: boolean, dim: number, arr?: Float64Array) => (!on ? null : arr ? RunningMeanStd.fromArray(dim, arr) : new RunningMeanStd(dim));
    this.obs = stats(config.normObs, obsDim, saved?.obs);
    this.ret = stats(config.normReward, 1, saved?.ret);
  }

  /** Merges a report's statistics; an error (and nothing merged) when they are missing, unexpected or malformed. */
  merge(wire: NormStatsWire): string | null {
    let obs: RunningMeanStd | null;
    let ret: RunningMeanStd | null;
    try {
      obs = decodeDelta(this.obs, wire.obs, 'obs');
      ret = decodeDelta(this.ret, wire.ret, 'ret');
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    if (obs) this.obs!.merge(obs);
    if (ret) this.ret!.merge(ret);
    return null;
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
