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
  gradNorm: 'losses/gradNorm',
  accepted: 'coordinator/accepted',
  rejected: 'coordinator/rejected',
  staleness: 'coordinator/meanStaleness',
  version: 'coordinator/version',
  workers: 'coordinator/workers',
  maxStaleness: 'coordinator/maxStaleness',
} as const;

/** Cumulative rejections for one reason, e.g. `coordinator/rejected/stale`. */
export const rejectedMetric = (reason: string) => `${M.rejected}/${reason}`;
/** One worker's throughput in a history point, e.g. `workers/3/envStepsPerS`. */
export const workerMetric = (workerIndex: number, what: 'envStepsPerS' | 'updatesPerS') => `workers/${workerIndex}/${what}`;

export type MetricName = (typeof M)[keyof typeof M];
