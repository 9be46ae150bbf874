/**
 * One typed config for a training run. Every field has a documented default; per-env
 * defaults override the generic ones, then a config file, then CLI flags.
 * Derived values (batch sizes) are computed in one place: `derive`.
 */
import { z } from 'zod';
import { BACKENDS } from './protocol.ts';
import { UPDATE_CODECS } from './updateCodec.ts';
import { envDefaults } from './envDefaults.ts';
import { envIds, envSpec } from './envs/registry.ts';

// Field rules. Each schema carries one message for every way a value can fail it (wrong type, not
// an integer, out of range), so the error names the rule; validateConfig prefixes the field and
// appends the offending value. z.number() already refuses NaN and ±Infinity.
const positiveInt = (error = 'must be a positive integer') => z.number({ error }).int({ error }).positive({ error });
const nonNegInt = (error = 'must be an integer >= 0') => z.number({ error }).int({ error }).nonnegative({ error });
const unitInterval = (error = 'must be in [0, 1]') => z.number({ error }).min(0, { error }).max(1, { error });
const nonNegNumber = (error = 'must be a finite number >= 0') => z.number({ error }).nonnegative({ error });
const finiteNumber = (error = 'must be a finite number') => z.number({ error });
const flag = (error = 'must be true or false') => z.boolean({ error });
const oneOf = <const T extends readonly string[]>(values: T) => z.enum(values, { error: `must be one of ${values.join(', ')}` });
const hiddenSizesError = 'must be a non-empty list of positive integers';

/**
 * Every field of a run's config with its rules, unknown fields refused; no cross-field rules (those
 * are in trainConfigSchema), so config files can be checked field by field with `.partial()`.
 */
const trainConfigFields = z.strictObject({
  /** Gymnasium environment ID. */
  envId: z.string({ error: 'must be a non-empty string' }).min(1, { error: 'must be a non-empty string' }),
  /** Base seed; worker k seeds its envs from seed + k * 1000 + envIndex. */
  seed: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }),
  /** Training stops when this many env steps have been collected (the step budget). */
  totalTimesteps: positiveInt(),
  /** Mean return over the last `solveWindow` episodes at which the run counts as solved (once the coordinator's own check agrees: solveCheckEpisodes). */
  solveThreshold: finiteNumber(),
  /** Episodes in the moving window for the solve criterion. */
  solveWindow: positiveInt(),
  /**
   * Solved is confirmed by the coordinator, not taken from the tabs' reported returns: when the
   * window's mean reaches solveThreshold, the coordinator plays the current params itself
   * (deterministic actions, the merged observation statistics, seeds it picks) for this many
   * episodes, and the run is solved only if their mean reaches solveThreshold too.
   */
  solveCheckEpisodes: positiveInt(),
  /** After a solve check that fell short, the next one waits until at least this many more env steps are counted. */
  solveCheckEverySteps: nonNegInt(),

  /** Environments stepped together in each tab (batched inference serves them all). */
  numEnvs: positiveInt(),
  /** Steps per environment in one rollout. */
  numSteps: positiveInt(),
  /** Minibatches a rollout is split into; one gradient push per minibatch. */
  numMinibatches: positiveInt(),
  /** Passes over each rollout. */
  updateEpochs: positiveInt(),

  gamma: unitInterval(),
  gaeLambda: unitInterval(),
  /** PPO ratio clip. */
  clipCoef: nonNegNumber(),
  entCoef: nonNegNumber(),
  vfCoef: nonNegNumber(),
  /** Normalize advantages per minibatch. */
  normAdv: flag(),
  /** Clip the value loss around the rollout's values by clipCoef (CleanRL's clip_vloss). */
  clipVloss: flag(),
  /** Stop a rollout's update epochs once an epoch's mean approximate KL exceeds this; null = never. */
  targetKl: z.number({ error: 'must be null or a finite number > 0' }).positive({ error: 'must be null or a finite number > 0' }).nullable(),
  /** Normalize observations by running mean and variance merged across all workers by the coordinator. */
  normObs: flag(),
  /** Scale rewards by the running std of the discounted return, merged like the observation stats. */
  normReward: flag(),
  /** Normalized observations are clipped to [-clipObs, clipObs]. */
  clipObs: nonNegNumber(),
  /** Scaled rewards are clipped to [-clipReward, clipReward]. */
  clipReward: nonNegNumber(),
  /** Initial log standard deviation of a Gaussian policy (continuous actions). */
  logStdInit: finiteNumber(),
  /**
   * Explore with gSDE (generalized state-dependent exploration; continuous actions only): the
   * noise is the actor's last hidden layer times a random matrix per env, see shared/ppo/gaussian.ts.
   */
  gsde: flag(),
  /** With gSDE, redraw the exploration matrices every this many env steps (0: once per rollout). */
  sdeSampleFreq: nonNegInt(),
  /** Global gradient-norm clip applied by the coordinator before the Adam step. */
  maxGradNorm: nonNegNumber(),
  learningRate: nonNegNumber(),
  /** Anneal the learning rate linearly to 0 over totalTimesteps. */
  annealLr: flag(),
  /**
   * Anneal clipCoef linearly to 0 over totalTimesteps, as the PPO paper's Atari runs and the zoo's
   * `lin_` clip ranges do (the value clip, when on, follows it). Each rollout gets the value of the
   * moment its report is taken.
   */
  annealClip: flag(),
  adamBeta1: unitInterval(),
  adamBeta2: unitInterval(),
  adamEps: nonNegNumber(),
  /**
   * Overlap each push's round trip with the next gradient: one push in flight per tab, so a
   * gradient can be one own update staler, for up to one round trip less idle time per minibatch.
   */
  pipelinePushes: flag(),
  /** Hidden layer widths of the actor and of the critic (separate tanh MLPs). */
  hiddenSizes: z.array(positiveInt(hiddenSizesError), { error: hiddenSizesError }).min(1, { error: hiddenSizesError }),
  /** Orthogonal weight init (CleanRL, SB3's default); false: PyTorch's uniform default (shared/ppo/params.ts). */
  orthoInit: flag(),

  /**
   * Staleness gate: an update computed at version v' is applied iff current - v' <= maxStaleness.
   * The default, 16, is chosen in docs/STALENESS.md.
   */
  maxStaleness: nonNegInt(),
  /**
   * Policy-lag bound: an update from a rollout collected at version r is applied only while
   * current - r <= maxPolicyLag (else rejected as `policyLag` and the worker collects afresh); null = no bound.
   */
  maxPolicyLag: nonNegInt('must be null or an integer >= 0').nullable(),
  /** Staleness-aware step: scale an accepted update's learning rate by 1 / (1 + staleness). */
  stalenessScaling: flag(),
  /**
   * 'async': every accepted gradient is one optimizer step. 'sync' (the baseline): the coordinator
   * averages the gradients computed at the current version, one per worker, and steps once per round.
   * 'local': each tab runs its rollout's PPO epochs with its own Adam and pushes one delta (its
   * params after minus before) per rollout, with the rollout's report; the coordinator steps the
   * global params along each accepted delta (the outer optimizer, outerLr and outerMomentum).
   * One round trip per rollout instead of one per minibatch: see docs/WAN.md.
   */
  updateMode: oneOf(['async', 'sync', 'local']),
  /**
   * Local mode: the outer step along an accepted delta is params += (outerLr / connected workers) *
   * (delta + outerMomentum * velocity): 1 averages the tabs' deltas; Nesterov momentum as in DiLoCo's outer optimizer.
   */
  outerLr: nonNegNumber(),
  /** Local mode: Nesterov momentum of the outer step over accepted deltas; 0 = plain steps along each delta. */
  outerMomentum: unitInterval(),
  /** Local mode: deltas a tab may have on the wire before it waits for the oldest reply (it keeps training from its own params meanwhile). */
  maxPushesInFlight: positiveInt(),
  /**
   * Local mode: a tab that adopts fresh global params while deltas of its own are still on the wire
   * adds them back on (each at the step the coordinator gave its last accepted delta), so its next
   * rollout acts from where the global params are heading, not from params that lack its own latest
   * work (client/worker/rolloutWorker.ts). Off: it acts from the global params as they came. On by
   * default: CartPole-v1 at 100 ms solved in 0.68x the time and 0.60x the env steps, Acrobot-v1 in
   * 0.71x the time (docs/wan/REBASE.md, ACROBOT-REBASE.md).
   */
  rebaseInFlight: flag(),
  /**
   * Local mode, link sizing: a tab that spends enough of its time waiting on replies for more work
   * to fit in the wait (a slow link; 55% or more for twice the work) gets longer rollouts, up to
   * this many times numSteps, so its round trips hide behind more work; one that hardly waits any
   * more steps back (server/updates/schedules.ts `sizeForLink`). Every delta weighs the same.
   * 1 = every tab keeps numSteps. docs/wan/LINK-SIZING.md and LINK-FILL.md measure it.
   */
  maxRolloutScale: positiveInt(),
  /**
   * Local mode, a rollout link sizing stretched: its minibatches keep their number and grow
   * ('count'), or keep their size and grow in number ('size': the same Adam steps per sample, more
   * per delta; CartPole-v1's default, docs/wan/MINIBATCH-SIZE.md).
   */
  stretchedMinibatches: z.enum(['count', 'size']),
  /** Sync mode: gradients averaged per step; null = one from every connected worker. */
  syncGradients: positiveInt('must be null or a positive integer').nullable(),
  /** Sync mode straggler cutoff: a round steps this long after its first gradient with what has arrived. */
  syncTimeoutMs: positiveInt(),
  /**
   * Async mode with maxStaleness >= 1: shrink a worker's rollout length (so its minibatches and
   * gradient time) while its updates arrive more than maxStaleness versions old on average; grow
   * it back up to numSteps when they arrive at under half that. Rollouts never go below
   * numSteps / 8. An update from a shortened rollout steps with the learning rate scaled by the
   * same fraction, so each sample weighs the same whatever the tab's size. Off by default
   * (docs/STALENESS.md says why).
   */
  workSizing: flag(),
  /** Socket.IO heartbeat: the coordinator pings every heartbeatMs and drops a socket that misses heartbeatTimeoutMs. */
  heartbeatMs: positiveInt(),
  heartbeatTimeoutMs: positiveInt(),
  /** A joined worker that sends no push or rollout report for this long is dropped (it may resume). */
  workerTimeoutMs: positiveInt(),
  /** A worker disconnected for longer than this is forgotten: it can no longer resume, and leaves the dashboard's list. */
  workerRecordTtlMs: positiveInt(),
  /** Updates whose L2 norm exceeds this are rejected as `normTooLarge` (not clipped: they are garbage). */
  maxUpdateNorm: nonNegNumber(),
  /** Most pushes a worker may make per second; beyond it updates are rejected as `rateLimited`. */
  maxPushesPerSecond: positiveInt(),
  /**
   * Robust acceptance of updates (server/updates/robustAcceptance.ts): async and local modes refuse
   * as `outlier` an update whose norm is far above the median of recent accepted ones, or a
   * worker's updates that point against the other workers', and hold each worker to a fair share
   * of accepted updates (`overShare`); sync mode steps with a coordinate-wise trimmed mean of the
   * round instead of the plain mean. docs/TRUST.md measures it.
   */
  robustUpdates: flag(),
  /**
   * Quarantine workers that lose the coordinator's trust (server/workers/trust.ts): their updates
   * are refused as `quarantined` and their reports no longer count.
   */
  quarantine: flag(),
  /**
   * Share of counted rollout reports (those with finished episodes) whose tab is asked for the
   * trace of one episode, picked at random after the report counted, which the coordinator replays
   * on its own env and compares (server/workers/spotCheck.ts; docs/TRUST.md gives the cost). 0
   * turns spot checks off, as a run of an env that is not deterministic given its reset seed needs.
   */
  spotCheckRate: unitInterval(),
  /** A spot check not answered within this many ms fails as unanswered. */
  spotCheckTimeoutMs: positiveInt(),
  /**
   * Half-life in ms of the marks a quarantine leaves on its worker's address (server/workers/addressMarks.ts):
   * fresh joins from a marked address start on probation, and after three quick quarantines are refused for a while.
   */
  quarantineHalfLifeMs: positiveInt(),
  /** A new worker's k-th accepted update is stepped with k / newcomerUpdates of the step size until that reaches 1 (server/workers/trust.ts); 1 gives full weight at once. */
  newcomerUpdates: positiveInt(),
  /** Most Socket.IO connections the coordinator holds at once (workers and dashboards); more are refused at the handshake. */
  maxConnections: positiveInt(),
  /** Most connections from one IP address at once. */
  maxConnectionsPerIp: positiveInt(),
  /** How gradients cross the wire: fp32, fp16, or int8 with error feedback (see updateCodec.ts). */
  updateCodec: oneOf(UPDATE_CODECS),
  /** Backend the workers must use; 'auto' lets each tab measure and pick the fastest. */
  backend: oneOf([...BACKENDS, 'auto']),
  /**
   * Seconds between the checkpoints `tabswarm start` saves into the run folder while training
   * (atomically, over checkpoint.ckpt), so a killed run can be resumed from its latest one; 0 saves
   * only at the end of the run.
   */
  checkpointEverySec: nonNegInt(),
});

/**
 * A complete config: every field (trainConfigFields) plus the rules that tie fields together.
 * validateConfig parses with it; TrainConfig is its type, so the two cannot drift apart.
 */
export const trainConfigSchema = trainConfigFields.superRefine((c, ctx) => {
  // An env registered later (--env-module) is not known here yet; configFor is what refuses unknown IDs.
  if (c.gsde && envIds().includes(c.envId) && envSpec(c.envId).actionSpace.type === 'discrete') {
    ctx.addIssue({ code: 'custom', path: ['gsde'], message: `needs continuous actions, and ${c.envId}'s are discrete` });
  }
  // Every minibatch of the shortest rollout a tab may be assigned must hold at least one sample.
  const shortest = minNumSteps(c);
  if (c.numEnvs * shortest < c.numMinibatches) {
    ctx.addIssue({
      code: 'custom', path: ['numMinibatches'],
      message: `must be at most numEnvs * the shortest rollout (${c.numEnvs} * ${shortest}${c.workSizing ? ', numSteps / 8 with workSizing' : ''}), got ${c.numMinibatches}`,
    });
  }
});

/** One typed config for a training run; every field is documented on trainConfigFields. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;

/**
 * What a config file may hold: any subset of the fields, each checked on its own (the whole config
 * is checked once the file is layered over the env's defaults). `$schema` lets an editor find
 * config.schema.json; parseConfigFile drops it.
 */
export const configFileSchema = trainConfigFields.partial().extend({ $schema: z.string({ error: 'must be a string' }).optional() })
  .describe('A tabswarm config file (tabswarm start --config FILE): any TrainConfig fields, see shared/config.ts.');

/** Generic defaults (SB3's PPO defaults where they apply); per-env values in envDefaults.ts override them. */
export const baseConfig: TrainConfig = {
  envId: 'CartPole-v1',
  seed: 1,
  totalTimesteps: 500_000,
  solveThreshold: 475,
  solveWindow: 100,
  solveCheckEpisodes: 20,
  solveCheckEverySteps: 10_000,
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
  outerLr: 1,
  outerMomentum: 0,
  maxPushesInFlight: 2,
  rebaseInFlight: true,
  maxRolloutScale: 4,
  stretchedMinibatches: 'count',
  syncGradients: null,
  syncTimeoutMs: 2000,
  workSizing: false,
  heartbeatMs: 5000,
  heartbeatTimeoutMs: 10_000,
  workerTimeoutMs: 60_000,
  workerRecordTtlMs: 600_000,
  maxUpdateNorm: 1e6,
  maxPushesPerSecond: 1000,
  robustUpdates: true,
  quarantine: true,
  spotCheckRate: 0.1,
  spotCheckTimeoutMs: 15_000,
  quarantineHalfLifeMs: 300_000,
  newcomerUpdates: 8,
  maxConnections: 10_000,
  maxConnectionsPerIp: 256,
  updateCodec: 'fp32',
  backend: 'auto',
  checkpointEverySec: 30,
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

/**
 * Batch sizes for a rollout of `numSteps` steps (a worker's assigned length; the config's by
 * default): numMinibatches of them, or in local mode with stretchedMinibatches 'size' the
 * minibatches of a numSteps rollout, as many more as the rollout is longer.
 */
export function derive(c: TrainConfig, numSteps = c.numSteps): Derived {
  const batchSize = c.numEnvs * numSteps;
  const split = c.updateMode === 'local' && c.stretchedMinibatches === 'size' ? c.numEnvs * c.numSteps : batchSize;
  return { batchSize, minibatchSize: Math.floor(split / c.numMinibatches) };
}

/** The shortest rollout work sizing may assign. */
export function minNumSteps(c: TrainConfig): number {
  return c.workSizing ? Math.max(1, Math.ceil(c.numSteps / 8)) : c.numSteps;
}

/**
 * Checks a complete config (unknown fields included) and returns it typed; throws a ConfigError
 * naming the first bad field, the rule and the value, e.g. `numEnvs: must be a positive integer, got 0`.
 */
export function validateConfig(c: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(c);
  if (!r.success) throw new ConfigError(describeIssues(r.error.issues, c));
  return r.data;
}

/**
 * Reads a config file's text (the CLI reads the file; this stays free of fs): a JSON object of
 * TrainConfig fields, unknown ones refused and each given one checked against its rule. Errors
 * start with `source`, e.g. `run.json: numEnvs: must be a positive integer, got "8"`.
 */
export function parseConfigFile(text: string, source: string): Partial<TrainConfig> {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${source}: not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new ConfigError(`${source}: must hold a JSON object, got ${show(file)}`);
  const r = configFileSchema.safeParse(file);
  if (!r.success) throw new ConfigError(`${source}: ${describeIssues(r.error.issues, file)}`);
  const { $schema: _schema, ...config } = r.data;
  return config;
}

/**
 * One message for a failed parse: unknown fields first (a misspelt field also shows up as the real
 * one missing, and the spelling is the thing to fix), else the first issue, as `field: rule, got value`.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string {
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (issue.code === 'unrecognized_keys') return `unknown config field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  if (issue.path.length === 0) return `config must be an object, got ${show(input)}`;
  const field = String(issue.path[0]);
  // Cross-field messages say what is wrong themselves.
  if (issue.code === 'custom') return `${field}: ${issue.message}`;
  const fields = input as Record<string, unknown>;
  if (!Object.hasOwn(fields, field)) return `${field}: missing (${issue.message})`;
  return `${field}: ${issue.message}, got ${show(fields[field])}`;
}

/** A value as a config file would spell it: strings quoted (so "8" differs from 8), NaN and Infinity as such. */
function show(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || v === undefined) return String(v);
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
