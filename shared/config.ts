/**
 * One typed config for a training run. Every field has a documented default; per-env
 * defaults override the generic ones, then a config file, then CLI flags.
 * Derived values (batch sizes) are computed in one place: `derive`.
 */
import type { Backend } from './protocol.ts';
import { UPDATE_CODECS, type UpdateCodec } from './updateCodec.ts';
import { envDefaults } from './envDefaults.ts';
import { envIds, envSpec } from './envs/registry.ts';

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
  /** Clip the value loss around the rollout's values by clipCoef (CleanRL's clip_vloss). */
  clipVloss: boolean;
  /** Stop a rollout's update epochs once an epoch's mean approximate KL exceeds this; null = never. */
  targetKl: number | null;
  /** Normalize observations by running mean and variance merged across all workers by the coordinator. */
  normObs: boolean;
  /** Scale rewards by the running std of the discounted return, merged like the observation stats. */
  normReward: boolean;
  /** Normalized observations are clipped to [-clipObs, clipObs]. */
  clipObs: number;
  /** Scaled rewards are clipped to [-clipReward, clipReward]. */
  clipReward: number;
  /** Initial log standard deviation of a Gaussian policy (continuous actions). */
  logStdInit: number;
  /**
   * Explore with gSDE (generalized state-dependent exploration; continuous actions only): the
   * noise is the actor's last hidden layer times a random matrix per env, see shared/ppo/gaussian.ts.
   */
  gsde: boolean;
  /** With gSDE, redraw the exploration matrices every this many env steps (0: once per rollout). */
  sdeSampleFreq: number;
  /** Global gradient-norm clip applied by the coordinator before the Adam step. */
  maxGradNorm: number;
  learningRate: number;
  /** Anneal the learning rate linearly to 0 over totalTimesteps. */
  annealLr: boolean;
  /**
   * Anneal clipCoef linearly to 0 over totalTimesteps, as the PPO paper's Atari runs and the zoo's
   * `lin_` clip ranges do (the value clip, when on, follows it). Each rollout gets the value of the
   * moment its report is taken.
   */
  annealClip: boolean;
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
  /** Orthogonal weight init (CleanRL, SB3's default); false: PyTorch's uniform default (shared/ppo/params.ts). */
  orthoInit: boolean;

  /**
   * Staleness gate: an update computed at version v' is applied iff current - v' <= maxStaleness.
   * 16 from docs/STALENESS.md (CartPole-v1 and Acrobot-v1): with 2 and 4 tabs updates arrive 1-3
   * versions old; 16 rejected 0.4% or fewer and was the best cell on 4 tabs, smaller bounds threw
   * work away.
   */
  maxStaleness: number;
  /**
   * Policy-lag bound: an update from a rollout collected at version r is applied only while
   * current - r <= maxPolicyLag (else rejected as `policyLag` and the worker collects afresh); null = no bound.
   */
  maxPolicyLag: number | null;
  /** Staleness-aware step: scale an accepted update's learning rate by 1 / (1 + staleness). */
  stalenessScaling: boolean;
  /**
   * 'async': every accepted gradient is one optimizer step. 'sync' (the baseline): the coordinator
   * averages the gradients computed at the current version, one per worker, and steps once per round.
   */
  updateMode: 'async' | 'sync';
  /** Sync mode: gradients averaged per step; null = one from every connected worker. */
  syncGradients: number | null;
  /** Sync mode straggler cutoff: a round steps this long after its first gradient with what has arrived. */
  syncTimeoutMs: number;
  /**
   * Async mode with maxStaleness >= 1: shrink a worker's rollout length (so its minibatches and
   * gradient time) while its updates arrive more than maxStaleness versions old on average; grow
   * it back up to numSteps when they arrive at under half that. Rollouts never go below
   * numSteps / 8. An update from a shortened rollout steps with the learning rate scaled by the
   * same fraction, so each sample weighs the same whatever the tab's size. Off by default: in
   * docs/STALENESS.md every CartPole-v1 run that shrank tabs solved later, or not at all.
   */
  workSizing: boolean;
  /** Socket.IO heartbeat: the coordinator pings every heartbeatMs and drops a socket that misses heartbeatTimeoutMs. */
  heartbeatMs: number;
  heartbeatTimeoutMs: number;
  /** A joined worker that sends no push or rollout report for this long is dropped (it may resume). */
  workerTimeoutMs: number;
  /** Updates whose L2 norm exceeds this are rejected as `normTooLarge` (not clipped: they are garbage). */
  maxUpdateNorm: number;
  /** Most pushes a worker may make per second; beyond it updates are rejected as `rateLimited`. */
  maxPushesPerSecond: number;
  /** How gradients cross the wire: fp32, fp16, or int8 with error feedback (see updateCodec.ts). */
  updateCodec: UpdateCodec;
  /** Backend the workers must use; 'auto' lets each tab measure and pick the fastest. */
  backend: Backend | 'auto';
}

/** Generic defaults (SB3's PPO defaults where they apply); per-env values in envDefaults.ts override them. */
export const baseConfig: TrainConfig = {
  envId: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  solveThreshold: 475,
  solveWindow: 100,
  numEnvs: 8,
  numSteps: 256,
  numMinibatches: 32,
  updateEpochs: 10,
  gamma: 0.99,
  gaeLambda: 0.95,
  clipCoef: 0.2,
  entCoef: 0.0,
  vfCoef: 0.5,
  normAdv: true,
  clipVloss: false,
  targetKl: null,
  normObs: false,
  normReward: false,
  clipObs: 10,
  clipReward: 10,
  logStdInit: 0,
  gsde: false,
  sdeSampleFreq: 0,
  maxGradNorm: 0.5,
  learningRate: 3e-4,
  annealLr: false,
  annealClip: false,
  adamBeta1: 0.9,
  adamBeta2: 0.999,
  adamEps: 1e-5,
  pipelinePushes: false,
  hiddenSizes: [64, 64],
  orthoInit: true,
  maxStaleness: 16,
  maxPolicyLag: null,
  stalenessScaling: false,
  updateMode: 'async',
  syncGradients: null,
  syncTimeoutMs: 2000,
  workSizing: false,
  heartbeatMs: 5000,
  heartbeatTimeoutMs: 10_000,
  workerTimeoutMs: 60_000,
  maxUpdateNorm: 1e6,
  maxPushesPerSecond: 1000,
  updateCodec: 'fp32',
  backend: 'auto',
};

/**
 * The config a run of `envId` starts from: baseConfig, then the env's defaults, then
 * `overrides`. The solve threshold is the env's registered reward threshold unless set.
 */
export function configFor(envId: string, overrides: Partial<TrainConfig> = {}): TrainConfig {
  if (!envIds().includes(envId)) throw new ConfigError(`unknown environment ${envId}: known are ${envIds().join(', ')}`);
  const threshold = overrides.solveThreshold ?? envDefaults[envId]?.solveThreshold ?? envSpec(envId).rewardThreshold;
  if (threshold === null) throw new ConfigError(`${envId} has no registered reward threshold: set solveThreshold`);
  return { ...baseConfig, ...envDefaults[envId], ...overrides, envId, solveThreshold: threshold };
}

/** The default run: CartPole-v1 with its tuned hyperparameters. */
export const defaultConfig: TrainConfig = configFor('CartPole-v1');

export interface Derived {
  /** Samples in one rollout of one tab: [numSteps, numEnvs]. */
  batchSize: number;
  /** Samples per gradient push. */
  minibatchSize: number;
}

/** Batch sizes for a rollout of `numSteps` steps (a worker's assigned length; the config's by default). */
export function derive(c: TrainConfig, numSteps = c.numSteps): Derived {
  const batchSize = c.numEnvs * numSteps;
  return { batchSize, minibatchSize: Math.floor(batchSize / c.numMinibatches) };
}

/** The shortest rollout work sizing may assign. */
export function minNumSteps(c: TrainConfig): number {
  return c.workSizing ? Math.max(1, Math.ceil(c.numSteps / 8)) : c.numSteps;
}

/** Checks a config and throws a ConfigError naming the first bad field. */
export function validateConfig(c: TrainConfig): TrainConfig {
  const positiveInts: (keyof TrainConfig)[] = [
    'totalTimesteps', 'solveWindow', 'numEnvs', 'numSteps', 'numMinibatches', 'updateEpochs', 'maxPushesPerSecond',
    'syncTimeoutMs', 'heartbeatMs', 'heartbeatTimeoutMs', 'workerTimeoutMs',
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
  const nonNeg: (keyof TrainConfig)[] = [
    'clipCoef', 'entCoef', 'vfCoef', 'maxGradNorm', 'learningRate', 'adamEps', 'maxUpdateNorm', 'clipObs', 'clipReward',
  ];
  for (const k of nonNeg) {
    const v = c[k];
    if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new ConfigError(`${k} must be a finite number >= 0, got ${String(v)}`);
  }
  if (c.targetKl !== null && !(typeof c.targetKl === 'number' && c.targetKl > 0 && Number.isFinite(c.targetKl))) {
    throw new ConfigError(`targetKl must be null or a finite number > 0, got ${String(c.targetKl)}`);
  }
  if (typeof c.logStdInit !== 'number' || !Number.isFinite(c.logStdInit)) throw new ConfigError(`logStdInit must be a finite number, got ${String(c.logStdInit)}`);
  if (c.gsde && envIds().includes(c.envId) && envSpec(c.envId).actionSpace.type === 'discrete') throw new ConfigError(`gsde needs continuous actions, and ${c.envId}'s are discrete`);
  if (!Number.isInteger(c.sdeSampleFreq) || c.sdeSampleFreq < 0) throw new ConfigError(`sdeSampleFreq must be an integer >= 0, got ${String(c.sdeSampleFreq)}`);
  if (c.maxPolicyLag !== null && !(Number.isInteger(c.maxPolicyLag) && c.maxPolicyLag >= 0)) {
    throw new ConfigError(`maxPolicyLag must be null or an integer >= 0, got ${String(c.maxPolicyLag)}`);
  }
  if (!UPDATE_CODECS.includes(c.updateCodec)) throw new ConfigError(`updateCodec must be one of ${UPDATE_CODECS.join(', ')}, got ${String(c.updateCodec)}`);
  if (c.updateMode !== 'async' && c.updateMode !== 'sync') throw new ConfigError(`updateMode must be 'async' or 'sync', got ${String(c.updateMode)}`);
  if (c.syncGradients !== null && !(Number.isInteger(c.syncGradients) && c.syncGradients > 0)) {
    throw new ConfigError(`syncGradients must be null or a positive integer, got ${String(c.syncGradients)}`);
  }
  for (const k of ['normAdv', 'clipVloss', 'normObs', 'normReward', 'annealLr', 'annealClip', 'pipelinePushes', 'stalenessScaling', 'workSizing', 'gsde', 'orthoInit'] as const) {
    if (typeof c[k] !== 'boolean') throw new ConfigError(`${k} must be true or false, got ${String(c[k])}`);
  }
  if (!Number.isInteger(c.maxStaleness) || c.maxStaleness < 0) throw new ConfigError(`maxStaleness must be an integer >= 0, got ${c.maxStaleness}`);
  if (!Number.isInteger(c.seed)) throw new ConfigError(`seed must be an integer, got ${c.seed}`);
  if (!Array.isArray(c.hiddenSizes) || c.hiddenSizes.length === 0 || c.hiddenSizes.some((h) => !Number.isInteger(h) || h <= 0)) {
    throw new ConfigError(`hiddenSizes must be a non-empty list of positive integers, got ${JSON.stringify(c.hiddenSizes)}`);
  }
  if (c.numEnvs * minNumSteps(c) < c.numMinibatches) throw new ConfigError('numMinibatches exceeds numEnvs * the shortest rollout (numSteps / 8 with workSizing)');
  return c;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
