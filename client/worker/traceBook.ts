/**
 * A tab's side of spot checks (server/workers/spotCheck.ts): it numbers its rollout reports and
 * keeps the traces (reset seed and actions) of the episodes of its last `keep` reports, so that it
 * can answer the coordinator's `spotCheck` for any episode of a report the coordinator has just
 * counted. Memory is bounded: `keep` reports, each holding at most its rollout's actions plus one
 * episode's worth per env that began before it.
 */
import type { EnvSpec } from '../../shared/envs/types.ts';
import { encodeActions, type EpisodeTrace } from '../../shared/envs/trace.ts';
import { spotCheckRequestSchema, type SpotCheckReply } from '../../shared/protocol.ts';

/** Reports whose traces a tab keeps by default: more than the reports it can have on the wire while one is checked. */
export const KEEP_REPORTS = 8;

export class TraceBook {
  private nextSeq = 0;
  private readonly kept = new Map<number, EpisodeTrace[]>();

  constructor(private readonly spec: EnvSpec, private readonly keep = KEEP_REPORTS) {}

  /** Keeps a report's episodes' traces, in the report's episode order; returns the report's seq. */
  add(traces: EpisodeTrace[]): number {
    const seq = this.nextSeq++;
    this.kept.set(seq, traces);
    if (this.kept.size > this.keep) this.kept.delete(seq - this.keep);
    return seq;
  }

  /** The answer to a spot check: the named episode's seed and action bytes, or why there is none. */
  answer(req: unknown): SpotCheckReply {
    const parsed = spotCheckRequestSchema.safeParse(req);
    if (!parsed.success) return { ok: false, error: 'malformed spot check request' };
    const { seq, episode } = parsed.data;
    const trace = this.kept.get(seq)?.[episode];
    if (!trace) return { ok: false, error: `no trace of episode ${episode} of report ${seq} is kept` };
    return { ok: true, seed: trace.seed, actions: encodeActions(this.spec, trace.actions) };
  }
}
