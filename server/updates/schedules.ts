/**
 * Everything that sizes a step or a rollout, in one place: learning-rate and clip annealing over
 * the env-step budget, work sizing, and staleness scaling.
 */
import { minNumSteps, type TrainConfig } from '../../shared/config.ts';

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
 * The step size of one accepted update: the (annealed) learning rate for a gradient; for a
 * local-mode delta, outerLr divided by the number of connected workers (each tab's delta is one
 * full PPO update from nearly the same params, so a round of them is averaged, as DiLoCo averages
 * its workers' deltas); times the fraction of a full rollout its samples came from (a shortened
 * rollout's minibatches hold fewer samples, so every sample weighs the same); divided by
 * 1 + staleness when stalenessScaling is on.
 */
export function stepSize(c: TrainConfig, envSteps: number, rolloutSteps: number, staleness: number, workers = 1): number {
  const base = c.updateMode === 'local' ? c.outerLr / Math.max(1, workers) : learningRate(c, envSteps);
  const lr = (base * rolloutSteps) / c.numSteps;
  return c.stalenessScaling ? lr / (1 + staleness) : lr;
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
