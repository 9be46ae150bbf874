/**
 * The run state a checkpoint carries besides params and optimizer (in its `extra` section):
 * normalization statistics, decision counts, the staleness histogram, the run's progress and the
 * outer optimizer's momentum (local mode), and the workers the coordinator remembers with their trust.
 * Checkpoints from before these were kept hold only `norm`; the rest then starts from zero.
 */
import { z } from 'zod';
import { BACKENDS, REJECT_REASONS, type Backend, type RejectReason } from '../../shared/protocol.ts';
import type { NormStats } from '../../shared/ppo/normalizer.ts';
import type { TrackerState } from '../metrics/runTracker.ts';
import type { DecisionCounts } from '../updates/updatePipeline.ts';
import type { SavedWorker } from '../workers/workerRegistry.ts';
import { CheckpointError, type Checkpoint } from './checkpoint.ts';

const count = z.number().int().nonnegative();
const stats = z.array(z.number().finite()).nullable().optional();

const runStateSchema = z.object({
  norm: z.object({ obs: stats, ret: stats }).optional(),
  counts: z.object({
    accepted: count,
    rejected: z.partialRecord(z.enum(REJECT_REASONS as [RejectReason, ...RejectReason[]]), count),
  }).optional(),
  stalenessHistogram: z.array(count).optional(),
  tracker: z.object({ envSteps: count, episodes: count, recentReturns: z.array(z.number().finite()), wallS: z.number().finite().nonnegative().optional() }).optional(),
  outerVelocity: z.array(z.number().finite()).optional(),
  workers: z.array(z.object({
    workerId: z.string().min(1).max(64),
    workerIndex: count,
    resumeToken: z.string().min(1).max(128),
    backend: z.enum(BACKENDS as [Backend, ...Backend[]]),
    adapter: z.string().max(1000),
    joinedAt: z.number().finite(),
    accepted: count,
    rejected: count,
    envSteps: count,
    offences: count,
    clean: count.default(0),
    quarantined: z.boolean(),
    probation: z.boolean().default(false),
    address: z.string().max(100).default('unknown'),
  })).optional(),
});

export interface RunState {
  norm: NormStats;
  counts?: DecisionCounts;
  stalenessHistogram?: number[];
  tracker?: TrackerState;
  outerVelocity?: Float32Array;
  workers?: SavedWorker[];
}

/** The `extra` section for a checkpoint. */
export function runStateExtra(s: RunState): Record<string, unknown> {
  return {
    norm: { obs: s.norm.obs ? Array.from(s.norm.obs) : null, ret: s.norm.ret ? Array.from(s.norm.ret) : null },
    counts: s.counts,
    stalenessHistogram: s.stalenessHistogram,
    tracker: s.tracker,
    outerVelocity: s.outerVelocity && Array.from(s.outerVelocity),
    workers: s.workers,
  };
}

/** The run state of a loaded checkpoint; a CheckpointError naming the field when it is malformed. */
export function checkpointRunState(ck: Checkpoint): RunState {
  const parsed = runStateSchema.safeParse(ck.extra ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new CheckpointError(`checkpoint run state: extra.${i.path.join('.')}: ${i.message}`);
  }
  const { norm, counts, stalenessHistogram, tracker, outerVelocity, workers } = parsed.data;
  const arr = (x: number[] | null | undefined) => (x ? Float64Array.from(x) : undefined);
  return {
    norm: { obs: arr(norm?.obs), ret: arr(norm?.ret) },
    counts: counts && { accepted: counts.accepted, rejected: Object.fromEntries(REJECT_REASONS.map((r) => [r, counts.rejected[r] ?? 0])) as Record<RejectReason, number> },
    stalenessHistogram,
    tracker,
    outerVelocity: outerVelocity && Float32Array.from(outerVelocity),
    workers,
  };
}
