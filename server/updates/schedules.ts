/**
 * Everything that sizes a step or a rollout, in one place: learning-rate and clip annealing over
 * the env-step budget, work sizing, and staleness scaling.
 */
import { minNumSteps, type TrainConfig } from '../../shared/config.ts';
import type { StageSeconds } from '../../shared/protocol.ts';

/** The fraction of the env-step budget left, which annealed values are scaled by. */
export function budgetLeft(c: TrainConfig, envSteps: number): number {
  return Math.max(0, 1 - envSteps / c.totalTimesteps);
}

/** Learning rate for the next step: linearly annealed to 0 over the step budget when enabled. */
export function learningRate(c: TrainConfig, envSteps: number): number {
  return c.learningRate * (c.annealLr ? budgetLeft(c, envSteps) : 1);
}

/** PPO clip coefficient for a rollout's epochs: linearly annealed to 0 when enabled. */
export function clipCoef(c: TrainConfig, envSteps: number): number {
  return c.clipCoef * (c.annealClip ? budgetLeft(c, envSteps) : 1);
}

/**
 * The step size of one accepted update: for a gradient, the (annealed) learning rate times the
 * fraction of a full rollout its samples came from (a shortened rollout's minibatches hold fewer
 * samples, so every sample weighs the same); for a local-mode delta, outerLr divided by the number
 * of connected workers, whatever the rollout's length (each tab's delta is one full PPO update from
 * nearly the same params, so a round of them is averaged, as DiLoCo averages its workers' deltas);
 * divided by 1 + staleness when stalenessScaling is on.
 */
export function stepSize(c: TrainConfig, envSteps: number, rolloutSteps: number, staleness: number, workers = 1): number {
  const lr = c.updateMode === 'local' ? c.outerLr / Math.max(1, workers) : (learningRate(c, envSteps) * rolloutSteps) / c.numSteps;
  return c.stalenessScaling ? lr / (1 + staleness) : lr;
}

/**
 * The share of the time between two of a tab's reports (cumulative stage seconds) it spent waiting
 * on replies, in [0, 1]; null when `before` is its join (nothing staged yet: that interval holds the
 * tab's start, not its link) or no time passed.
 */
export function idleShare(before: StageSeconds, after: StageSeconds): number | null {
  const d = (k: keyof StageSeconds) => Math.max(0, after[k] - before[k]);
  const total = d('collect') + d('gradient') + d('push') + d('setParams');
  const started = before.collect + before.gradient + before.push + before.setParams > 0;
  return started && total > 0 ? d('push') / total : null;
}

/**
 * Link sizing: the share of its time a stretched tab should still wait (so that a link that
 * varies does not leave it bound by its compute: fewer, larger deltas learn less per env step),
 * and a smoothed idle share under LINK_SHRINK shortens a stretched tab's rollouts a step.
 */
export const LINK_KEEP_IDLE = 0.1;
export const LINK_SHRINK = 0.05;
/** Weight of the newest interval in a tab's smoothed idle share. */
const IDLE_EWMA = 0.3;

/** A tab's link sizing: its next rollout length, and its idle share smoothed since that length was set (null: no interval yet). */
export interface LinkSizing {
  numSteps: number;
  idle: number | null;
}

/**
 * Link sizing (local mode): folds the interval between two of a tab's reports into its smoothed
 * idle share and sizes its next rollout. A tab bound by its link sends a delta every reply time /
 * maxPushesInFlight whatever its rollout length, so a rollout stretched from scale s to k
 * (multiples of numSteps) fills its waiting while k / s <= (1 - LINK_KEEP_IDLE) / (1 - idle): the
 * largest such whole k, at most maxRolloutScale (from scale 1 that takes an idle share of 0.55 or
 * more; a tab waiting 15-20% of its time, 100 ms away, keeps its length). A tab that hardly waits
 * any more steps back one multiple (its link may have got faster); in between the length holds.
 * A new length starts a new average. The stage seconds are the tab's word: a lie gets it longer
 * or shorter rollouts, whose deltas are bounded like any.
 */
export function sizeForLink(c: TrainConfig, s: LinkSizing, before: StageSeconds, after: StageSeconds): LinkSizing {
  const interval = idleShare(before, after);
  if (c.updateMode !== 'local' || interval === null) return s;
  const idle = s.idle === null ? interval : s.idle + IDLE_EWMA * (interval - s.idle);
  const scale = s.numSteps / c.numSteps;
  const fill = Math.floor((scale * (1 - LINK_KEEP_IDLE)) / (1 - Math.min(idle, 0.9)) + 1e-9);
  let next = s.numSteps;
  if (fill > scale) next = Math.min(c.maxRolloutScale, fill) * c.numSteps;
  else if (idle < LINK_SHRINK && scale > 1) next = s.numSteps - c.numSteps;
  return next === s.numSteps ? { numSteps: next, idle } : { numSteps: next, idle: null };
}

/**
 * Work sizing (async, maxStaleness >= 1): the next rollout length of a worker whose updates arrive
 * `meanStaleness` versions old on average. Above maxStaleness (most of its updates rejected) it
 * shrinks proportionally, so smaller minibatches and quicker gradients, down to minNumSteps; under
 * half of it, it grows back by a quarter, up to numSteps. (At S = 0 no size makes a gradient
 * fresher than the others'.)
 */
export function sizeWork(c: TrainConfig, numSteps: number, meanStaleness: number): number {
  if (!c.workSizing || c.updateMode !== 'async' || c.maxStaleness < 1) return numSteps;
  const target = c.maxStaleness;
  if (meanStaleness > target) return Math.max(minNumSteps(c), Math.floor((numSteps * target) / meanStaleness));
  if (meanStaleness < target / 2) return Math.min(c.numSteps, Math.ceil(numSteps * 1.25));
  return numSteps;
}
