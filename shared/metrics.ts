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
} as const;

export type MetricName = (typeof M)[keyof typeof M];
