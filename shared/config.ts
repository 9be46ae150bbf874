/**
 * One typed config for a training run. Every field has a documented default; per-env
 * defaults override the generic ones, then a config file, then CLI flags.
 * Derived values (batch sizes) are computed in one place: `derive`.
 */
import type { Backend } from './protocol.ts';

export interface TrainConfig {
  /** Gymnasium environment ID. */
  envId: string;
  /** Base seed; worker k seeds its envs from seed + k * 1000 + envIndex. */
  seed: number;
  /** Training stops when this many env steps have been collected (the step budget). */
  totalTimesteps: number;
  /** Mean return over the last `solveWindow` episodes at which the run counts as solved. */
  solveThreshold: number;
  /** Episodes in the moving window for the solve criterion. */
  solveWindow: number;

  /** Environments stepped together in each tab (batched inference serves them all). */
  numEnvs: number;
  /** Steps per environment in one rollout. */
  numSteps: number;
  /** Minibatches a rollout is split into; one gradient push per minibatch. */
  numMinibatches: number;
  /** Passes over each rollout. */
  updateEpochs: number;

  gamma: number;
  gaeLambda: number;
  /** PPO ratio clip. */
  clipCoef: number;
  entCoef: number;
  vfCoef: number;
  /** Normalize advantages per minibatch. */
  normAdv: boolean;
  /** Global gradient-norm clip applied by the coordinator before the Adam step. */
  maxGradNorm: number;
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over totalTimesteps. */
  annealLr: boolean;
  adamBeta1: number;
  adamBeta2: number;
  adamEps: number;
  /**
   * Overlap each push's round trip with the next gradient: one push in flight per tab, so a
   * gradient can be one own update staler, for up to one round trip less idle time per minibatch.
   */
  pipelinePushes: boolean;
  /** Hidden layer widths of the actor and of the critic (separate tanh MLPs). */
  hiddenSizes: number[];

  /** Staleness gate: an update computed at version v' is applied iff current - v' <= maxStaleness. */
  maxStaleness: number;
  /** Updates whose L2 norm exceeds this are rejected as `normTooLarge` (not clipped: they are garbage). */
  maxUpdateNorm: number;
  /** Most pushes a worker may make per second; beyond it updates are rejected as `rateLimited`. */
  maxPushesPerSecond: number;
  /** Backend the workers must use; 'auto' lets each tab measure and pick the fastest. */
  backend: Backend | 'auto';
}

export const defaultConfig: TrainConfig = {
  envId: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  solveThreshold: 475,
  solveWindow: 100,
  numEnvs: 8,
  numSteps: 32,
  numMinibatches: 1,
  updateEpochs: 20,
  gamma: 0.98,
  gaeLambda: 0.8,
  clipCoef: 0.2,
  entCoef: 0.0,
  vfCoef: 0.5,
  normAdv: true,
  maxGradNorm: 0.5,
  learningRate: 1e-3,
  annealLr: true,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-5,
  pipelinePushes: false,
  hiddenSizes: [64, 64],
  maxStaleness: 4,
  maxUpdateNorm: 1e6,
  maxPushesPerSecond: 1000,
  backend: 'auto',
};

export interface Derived {
  /** Samples in one rollout of one tab: [numSteps, numEnvs]. */
  batchSize: number;
  /** Samples per gradient push. */
  minibatchSize: number;
}

export function derive(c: TrainConfig): Derived {
  const batchSize = c.numEnvs * c.numSteps;
  return { batchSize, minibatchSize: Math.floor(batchSize / c.numMinibatches) };
}

/** Checks a config and throws a ConfigError naming the first bad field. */
export function validateConfig(c: TrainConfig): TrainConfig {
  const positiveInts: (keyof TrainConfig)[] = [
    'totalTimesteps', 'solveWindow', 'numEnvs', 'numSteps', 'numMinibatches', 'updateEpochs', 'maxPushesPerSecond',
  ];
  for (const k of positiveInts) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new ConfigError(`${k} must be a positive integer, got ${String(v)}`);
  }
  const unit: (keyof TrainConfig)[] = ['gamma', 'gaeLambda', 'adamBeta1', 'adamBeta2'];
  for (const k of unit) {
    const v = c[k];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new ConfigError(`${k} must be in [0, 1], got ${String(v)}`);
  }
  const nonNeg: (keyof TrainConfig)[] = ['clipCoef', 'entCoef', 'vfCoef', 'maxGradNorm', 'learningRate', 'adamEps', 'maxUpdateNorm'];
  for (const k of nonNeg) {
    const v = c[k];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`${k} must be a finite number >= 0, got ${String(v)}`);
  }
  if (!Number.isInteger(c.maxStaleness) || c.maxStaleness < 0) throw new ConfigError(`maxStaleness must be an integer >= 0, got ${c.maxStaleness}`);
  if (!Number.isInteger(c.seed)) throw new ConfigError(`seed must be an integer, got ${c.seed}`);
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0 || c.hiddenSizes.some((h) => !Number.isInteger(h) || h <= 0)) {
    throw new ConfigError(`hiddenSizes must be a non-empty list of positive integers, got ${JSON.stringify(c.hiddenSizes)}`);
  }
  if (c.numEnvs * c.numSteps < c.numMinibatches) throw new ConfigError('numMinibatches exceeds numEnvs * numSteps');
  return c;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
