/**
 * The typed Socket.IO protocol between coordinator, worker tabs and dashboards.
 * Params and gradients are binary (ArrayBuffer in the browser, Buffer in Node), never JSON arrays.
 * Acks are the last argument; callers use `timeout(ms).emitWithAck`.
 * What a worker sends is defined by a zod schema and typed by inference from it, so the
 * coordinator parses every message with the definition the worker is typed by.
 */
import { z } from 'zod';
import type { TrainConfig } from './config.ts';
import { REPORTED_STATS } from './metrics.ts';
import type { AdminReply, AdminRequest, ControlsStatus } from './admin.ts';

export type Backend = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKENDS: readonly Backend[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/** Why the coordinator refused an update. Every decision is counted under `accepted` or one of these. */
export type RejectReason =
  | 'stale' // current - v' > maxStaleness
  | 'policyLag' // the update's rollout is more than maxPolicyLag versions old
  | 'malformed' // fails the message schema
  | 'wrongSize' // gradient length differs from the parameter count
  | 'nonFinite' // NaN or Infinity in the gradient
  | 'normTooLarge' // L2 norm above maxUpdateNorm
  | 'rateLimited' // more pushes per second than maxPushesPerSecond
  | 'notJoined' // push before a successful join
  | 'dropped' // computed before this worker was dropped and resumed
  | 'finished' // the run is over
  | 'paused' // an admin paused training
  | 'badTicket' // names a ticket the coordinator did not issue to this worker with params at that version
  | 'replayed' // its ticket already carried all the updates one set of params can give
  | 'overQuota' // more pushes than the worker's reported rollouts justify
  | 'overShare' // the worker's accepted updates per second are far above the fleet's median
  | 'outlier' // far from the recent accepted updates (robust acceptance)
  | 'failedCheck' // a spot check of one of its reported episodes failed: the replay disagrees, or no trace came (workers/spotCheck.ts)
  | 'quarantined'; // its worker lost the coordinator's trust
export const REJECT_REASONS: readonly RejectReason[] = [
  'stale', 'policyLag', 'malformed', 'wrongSize', 'nonFinite', 'normTooLarge', 'rateLimited', 'notJoined', 'dropped', 'finished', 'paused',
  'badTicket', 'replayed', 'overQuota', 'overShare', 'outlier', 'failedCheck', 'quarantined',
];

export type Binary = ArrayBuffer | Uint8Array;

export function isBinary(x: unknown): x is Binary {
  return x instanceof ArrayBuffer || x instanceof Uint8Array;
}

const binary = (what: string) => z.custom<Binary>(isBinary, { message: `${what} must be binary (ArrayBuffer)` });
const backend = z.enum(BACKENDS as [Backend, ...Backend[]]);
const version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const seconds = z.number().nonnegative().finite().max(1e9);
/**
 * A finite number within +-1e12: a report's sums and means stay finite however many of them the
 * coordinator adds up (1e308 returns would sum to Infinity and pass any threshold).
 */
const bounded = z.number().finite().min(-1e12).max(1e12);
const ms = z.number().nonnegative().finite().nullable();

/** One backend's measured cost of the run's real gradient step in a tab. */
export const backendTimingSchema = z.object({
  backend,
  /** Median ms of one PPO gradient step on a minibatch, readback included; null if the backend failed. */
  gradMs: ms,
  /** Median ms of one batched inference over the tab's envs, readback included; null if it failed. */
  actMs: ms,
  /** Estimated ms of one rollout-and-update cycle from the two (what the choice minimizes). */
  cycleMs: ms,
  error: z.string().max(1000).optional(),
});
export type BackendTiming = z.infer<typeof backendTimingSchema>;

export const joinSchema = z.object({
  /** Optional access token (the coordinator may require one). */
  token: z.string().max(256).optional(),
  backend,
  /** GPU adapter or renderer description, e.g. "SwiftShader"; empty when unknown. */
  adapter: z.string().max(256),
  /** The measurements the backend was chosen from. */
  timings: z.array(backendTimingSchema).max(BACKENDS.length),
  userAgent: z.string().max(512),
  /** Resume a worker the coordinator dropped (or whose connection broke), with the token its join gave. */
  resume: z.object({ workerId: z.string().max(64), resumeToken: z.string().max(64) }).optional(),
});
export type JoinRequest = z.infer<typeof joinSchema>;

export type JoinReply =
  | {
    ok: true; workerId: string; workerIndex: number; resumeToken: string; config: TrainConfig; version: number; params: Binary;
    /** The ticket of these params: each push names the ticket of the params it was computed from (server/workers/tickets.ts). */
    ticket: number;
    norm: NormStatsWire;
    /** Steps per env of this worker's next rollout (work sizing; config.numSteps at first). */
    numSteps: number;
  }
  | {
    ok: false; error: string;
    /** The run has ended (solved, out of budget or stopped): a new run at the same URL may be joined later. */
    over?: boolean;
  };

export const pushSchema = z.object({
  /** Version of the params the update was computed at (v'). */
  version,
  /** The ticket that came with those params (a join's or a push reply's); the coordinator checks the two agree. */
  ticket: version,
  /** Version of the params the rollout was collected with (v). */
  rolloutVersion: version,
  /**
   * The update, flat in the parameter layout's order, encoded by the run's updateCodec: a gradient
   * of the PPO loss, or in local mode the tab's params after its epochs minus before (a delta).
   */
  grad: binary('grad'),
  /** Local mode: the report of the rollout the delta was trained on (it needs no round trip of its own). */
  report: z.lazy(() => rolloutSchema).optional(),
});
export type PushRequest = z.infer<typeof pushSchema>;

/** The reply to a push; in local mode `rollout` answers the report it carried. `ticket` comes with `params`. */
export type PushReply =
  /** `step`: local mode, the factor the delta was stepped with (outerLr / contributing workers, by the newcomer weight). */
  | { ok: true; accepted: true; version: number; params?: Binary; ticket?: number; done: boolean; rollout?: RolloutAck; step?: number }
  | { ok: true; accepted: false; reason: RejectReason; error: string; version: number; params?: Binary; ticket?: number; done: boolean; rollout?: RolloutAck }
  | { ok: false; accepted: false; reason: RejectReason; error: string; done: boolean };

/**
 * Observation and return statistics (Float64 RunningMeanStd arrays: [count, mean[d], var[d]]),
 * present when the run normalizes observations or scales rewards.
 */
export interface NormStatsWire {
  obs?: Binary;
  ret?: Binary;
}

/**
 * A worker's cumulative wall seconds by stage: rollouts (batched inference and env steps), PPO
 * gradients, push round trips (waiting for the coordinator's reply), and uploading fresh params.
 */
export const stageSecondsSchema = z.object({ collect: seconds, gradient: seconds, push: seconds, setParams: seconds });
export type StageSeconds = z.infer<typeof stageSecondsSchema>;

/**
 * What a worker reports after each rollout: env steps consumed, finished episodes and loss statistics.
 * Every field is bounded here; what depends on the run (the rollout's size, the env's episode
 * length and reward bounds, the statistics' count) the coordinator checks (coordinator.ts, reportBounds.ts).
 */
export const rolloutSchema = z.object({
  rolloutVersion: version,
  /**
   * The tab's number for this report, for the coordinator to name it in a spot check (`spotCheck`).
   * A report without one cannot be spot-checked, and fails the check when it is sampled.
   */
  seq: version.optional(),
  envSteps: z.number().int().positive().max(10_000_000),
  episodeReturns: z.array(bounded).max(1_000_000),
  episodeLengths: z.array(z.number().int().positive().max(1e9)).max(1_000_000),
  /**
   * Means over the rollout's minibatches of the previous rollout's update, keyed by REPORTED_STATS
   * (shared/metrics.ts); any other key is refused.
   */
  losses: z.partialRecord(z.enum(REPORTED_STATS), bounded),
  /** Env steps per second of this tab's last rollout, inference included. */
  rolloutSps: z.number().nonnegative().finite().max(1e12),
  /** Wall seconds this tab has spent in each stage since it joined. */
  stageSeconds: stageSecondsSchema,
  /** This rollout's own observation and return statistics (deltas to merge). */
  norm: z.object({ obs: binary('norm.obs').optional(), ret: binary('norm.ret').optional() }),
}).refine((r) => r.episodeReturns.length === r.episodeLengths.length, 'episodeReturns and episodeLengths differ in length')
  .refine((r) => r.episodeReturns.length <= r.envSteps, 'more episodes than env steps');
export type RolloutReport = z.infer<typeof rolloutSchema>;

/** The first problem of a failed parse, as one line. */
export function describeIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || 'message'}: ${i.message}` : 'invalid message';
}

/** A worker's stage seconds before it has done anything. */
export const noStageSeconds = (): StageSeconds => ({ collect: 0, gradient: 0, push: 0, setParams: 0 });

/** Each stage's share of a worker's time, e.g. "rollouts 10%, gradients 55%, pushes 30%, param uploads 5%". */
export function stageShares(s: StageSeconds): string {
  const total = s.collect + s.gradient + s.push + s.setParams;
  const pct = (x: number) => `${total > 0 ? Math.round((100 * x) / total) : 0}%`;
  return `rollouts ${pct(s.collect)}, gradients ${pct(s.gradient)}, pushes ${pct(s.push)}, param uploads ${pct(s.setParams)}`;
}

/**
 * The coordinator's answer to a rollout report: the merged normalization stats, the next rollout's
 * length, the PPO clip for this rollout's epochs, the learning rate for a tab's local steps, and
 * the accepted updates so far.
 */
export type RolloutAck =
  | {
    ok: true; norm: NormStatsWire; numSteps: number; clipCoef: number; learningRate: number;
    /** Accepted updates so far, this worker's and the run's (the worker page shows its share). */
    accepted: { worker: number; run: number };
  }
  | { ok: false; error: string };

/**
 * A spot check (server/workers/spotCheck.ts): after a report has counted, the coordinator may ask
 * its tab for the trace of one of its episodes, `episode` (an index into its episodeReturns) of
 * the report numbered `seq`, chosen at random then, so the tab cannot know in advance which.
 */
export const spotCheckRequestSchema = z.object({ seq: version, episode: z.number().int().nonnegative().max(1_000_000) });
export type SpotCheckRequest = z.infer<typeof spotCheckRequestSchema>;

/** Most bytes of a spot check's actions: a million steps of 4 float32 values (any env's episode is bounded far below). */
export const SPOT_CHECK_MAX_ACTION_BYTES = 16_000_000;

/**
 * The tab's answer: the episode's reset seed and its actions as bytes (shared/envs/trace.ts:
 * one byte an action for a discrete space of at most 256 actions, else float32 values), or why it
 * has none (which fails the check as surely as a wrong trace).
 */
export const spotCheckReplySchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    seed: z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER),
    actions: binary('actions').refine((b) => b.byteLength <= SPOT_CHECK_MAX_ACTION_BYTES, `actions must be at most ${SPOT_CHECK_MAX_ACTION_BYTES} bytes`),
  }),
  z.object({ ok: z.literal(false), error: z.string().max(1000) }),
]);
export type SpotCheckReply = z.infer<typeof spotCheckReplySchema>;

export interface ClientToServerEvents {
  join: (req: JoinRequest, ack: (reply: JoinReply) => void) => void;
  push: (req: PushRequest, ack: (reply: PushReply) => void) => void;
  rollout: (report: RolloutReport, ack: (reply: RolloutAck) => void) => void;
}

export interface ServerToClientEvents {
  /** The run is over (solved or out of budget): stop working. */
  done: (summary: RunStatus) => void;
  /**
   * Training is held (`paused` true: an admin paused it, or the coordinator is stopping and the
   * run will continue on resume) or goes on again (false). A held tab stays connected, sends
   * nothing, and waits; `reason` is shown to its volunteer.
   */
  paused: (paused: boolean, reason: string) => void;
  /** A spot check of a counted report: the tab answers with the episode's trace (see spotCheckReplySchema). */
  spotCheck: (req: SpotCheckRequest, ack: (reply: SpotCheckReply) => void) => void;
}

/** One row of the dashboard's worker list. */
export interface WorkerInfo {
  workerId: string;
  workerIndex: number;
  backend: Backend;
  adapter: string;
  timings: BackendTiming[];
  joinedAt: number;
  connected: boolean;
  accepted: number;
  rejected: number;
  envSteps: number;
  rolloutSps: number;
  /** Where its time goes, as of its last rollout report. */
  stageSeconds: StageSeconds;
  /** Rollout length the coordinator assigns this worker (work sizing). */
  numSteps: number;
  /** Moving average of how many versions old this worker's updates arrive. */
  meanStaleness: number;
  /** Accepted updates and env steps per second over the last metrics tick. */
  updatesPerS: number;
  envStepsPerS: number;
  /** The coordinator's trust in it: up with accepted work, down with failed checks (server/workers/trust.ts). */
  trust: number;
  /** Its updates and reports no longer count. */
  quarantined: boolean;
  /** Joined from an address where workers were quarantined lately: held to stricter rules until it has earned trust (server/workers/trust.ts). */
  probation: boolean;
}

/** A point of the live history: one per metrics tick. */
export interface HistoryPoint {
  wallS: number;
  envSteps: number;
  version: number;
  metrics: Partial<Record<string, number>>;
}

export interface RunStatus {
  envId: string;
  state: 'waiting' | 'training' | 'solved' | 'budgetExhausted' | 'stopped';
  envSteps: number;
  version: number;
  episodes: number;
  meanReturn: number | null;
  accepted: number;
  rejected: Record<RejectReason, number>;
  /** stalenessHistogram[s] = accepted updates that were s versions old. */
  stalenessHistogram: number[];
  updateMode: TrainConfig['updateMode'];
  /** Seconds since the first worker joined; null before. */
  trainingWallS: number | null;
  solvedAtEnvSteps: number | null;
  solvedAtWallS: number | null;
  /** The coordinator's own evaluations of the params when the workers' returns said solved (see SolveChecks). */
  solveChecks: SolveChecks;
  /** Replays of reported episodes the coordinator asked tabs for (see SpotChecks). */
  spotChecks: SpotChecks;
  /** Messages from workers or dashboards that nothing answered: no ack callback, or an unknown event. */
  ignoredMessages: IgnoredMessages;
  /** Paused or not, and the settings the admin controls change (shared/admin.ts). */
  controls: ControlsStatus;
}

/** Whether a run in `state` is over: solved, out of budget or stopped. */
export const runIsOver = (state: RunStatus['state']): boolean => state === 'solved' || state === 'budgetExhausted' || state === 'stopped';

/**
 * Solved is confirmed by the coordinator: when the workers' returns reach the threshold, it plays
 * the current params itself (deterministic, solveCheckEpisodes episodes) and ends the run only if
 * that mean reaches the threshold too.
 */
export interface SolveChecks {
  /** Evaluations finished. */
  count: number;
  /** Whether one is under way. */
  running: boolean;
  /** Mean return of the last finished one; null before any. */
  lastMean: number | null;
  /** Env steps when the last finished one started. */
  lastAtEnvSteps: number | null;
}

/** The coordinator's spot checks of reported episodes (server/workers/spotCheck.ts), since the coordinator started. */
export interface SpotChecks {
  /** Traces asked for. */
  asked: number;
  /** Replays that gave the reported return and length. */
  passed: number;
  /** Replays that disagreed with the report, or traces that were malformed or not an episode of the env. */
  failed: number;
  /** Checks the tab refused, or did not answer within spotCheckTimeoutMs. */
  unanswered: number;
  /** Reports sampled but not checked: too many checks were under way, or replays had used their share of the coordinator's time. */
  skipped: number;
  /** Coordinator CPU milliseconds spent replaying, in all. */
  replayMs: number;
}

export interface IgnoredMessages {
  /** join, push or rollout sent without an ack callback (the reply would have nowhere to go). */
  noAck: number;
  /** Events the protocol does not have. */
  unknownEvent: number;
  /** Connections refused over the connection limits (maxConnections, maxConnectionsPerIp). */
  refusedConnections: number;
}

export interface DashboardSnapshot {
  /** The run's config when the dashboard connected (status.controls follows the admin's later changes). */
  config: TrainConfig;
  status: RunStatus;
  workers: WorkerInfo[];
  history: HistoryPoint[];
}

export interface DashboardTick {
  status: RunStatus;
  workers: WorkerInfo[];
  points: HistoryPoint[];
}

export interface DashboardServerToClient {
  snapshot: (s: DashboardSnapshot) => void;
  tick: (t: DashboardTick) => void;
}

export interface DashboardClientToServer {
  /** An admin control (shared/admin.ts); refused without the admin token when the coordinator has one. */
  admin: (req: AdminRequest, ack: (reply: AdminReply) => void) => void;
}

/** `GET /api/policy`: the current policy, for a viewer to play (the dashboard's live view). */
export interface PolicyWire {
  envId: string;
  version: number;
  /** Float32 params in the layout of shared/ppo/modelSpec.ts: base64 of their little-endian bytes. */
  params: string;
  /** Float64 [count, mean[d], var[d]] of the observations, base64; null when the run does not normalize them. */
  obsStats: string | null;
}

export const WORKER_NAMESPACE = '/worker';
export const DASHBOARD_NAMESPACE = '/dashboard';
