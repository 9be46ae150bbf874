/** The one metrics vocabulary, used by coordinator, workers, dashboard and exports. */
export const M = {
  episodicReturn: 'charts/episodicReturn',
  meanReturn: 'charts/meanReturn100',
  episodicLength: 'charts/episodicLength',
  sps: 'charts/sps',
  learningRate: 'charts/learningRate',
  policyLoss: 'losses/policyLoss',
  valueLoss: 'losses/valueLoss',
  entropy: 'losses/entropy',
  approxKl: 'losses/approxKl',
  clipfrac: 'losses/clipfrac',
  explainedVariance: 'losses/explainedVariance',
  /** L2 norm of the accepted updates (mean over a tick), before the global clip. */
  gradNorm: 'losses/gradNorm',
  accepted: 'coordinator/accepted',
  rejected: 'coordinator/rejected',
  staleness: 'coordinator/meanStaleness',
  version: 'coordinator/version',
  workers: 'coordinator/workers',
  maxStaleness: 'coordinator/maxStaleness',
  /** The staleness bound S in force (an admin may change it during the run). */
  stalenessBound: 'coordinator/stalenessBound',
  /** 1 while an admin has training paused, else 0. */
  paused: 'coordinator/paused',
} as const;

/** The statistics of one PPO gradient (means over its minibatch), by metric name. */
export const PPO_STATS = [M.policyLoss, M.valueLoss, M.entropy, M.approxKl, M.clipfrac] as const;
export type PpoStats = Record<(typeof PPO_STATS)[number], number>;

/**
 * The statistics a worker may report with a rollout (its `losses`): the PPO statistics of its last
 * update and the rollout's explained variance. Anything else is refused by the report's schema, so
 * what the coordinator keeps per statistic stays bounded.
 */
export const REPORTED_STATS = [...PPO_STATS, M.explainedVariance] as const;

/** Cumulative rejections for one reason, e.g. `coordinator/rejected/stale`. */
export const rejectedMetric = (reason: string) => `${M.rejected}/${reason}`;
/** One worker's throughput in a history point, e.g. `workers/3/envStepsPerS`. */
export const workerMetric = (workerIndex: number, what: 'envStepsPerS' | 'updatesPerS') => `workers/${workerIndex}/${what}`;

export type MetricName = (typeof M)[keyof typeof M];
