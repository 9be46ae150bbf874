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

/** The share of the time between two of a tab's reports (cumulative stage seconds) it spent waiting on replies, in [0, 1]. */
export function idleShare(before: StageSeconds, after: StageSeconds): number {
  const d = (k: keyof StageSeconds) => Math.max(0, after[k] - before[k]);
  const total = d('collect') + d('gradient') + d('push') + d('setParams');
  return total > 0 ? d('push') / total : 0;
}

/** Link sizing: the share of a tab's time spent waiting on replies above which its rollouts grow. */
export const LINK_IDLE = 0.2;

/**
 * Link sizing (local mode): the next rollout length of a tab that spent `idle` of its time since
 * its last report waiting on replies. A tab bound by its link sends a delta every reply time /
 * maxPushesInFlight whatever its rollout length, so stretching the rollout by 1 / (1 - idle) fills
 * the waiting with work: whole multiples of numSteps, at most maxRolloutScale of them, never
 * shorter than the last. `idle` is the tab's word, clamped: a lie gets it longer rollouts, whose deltas are bounded like any.
 */
export function sizeForLink(c: TrainConfig, numSteps: number, idle: number): number {
  if (c.updateMode !== 'local' || !(idle > LINK_IDLE)) return numSteps;
  const scale = Math.ceil(numSteps / c.numSteps / (1 - Math.min(idle, 0.9)));
  return Math.max(numSteps, Math.min(c.maxRolloutScale, scale) * c.numSteps);
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
