/**
 * The arithmetic of the backend choice (backends.ts), apart from the browser: what one
 * rollout-and-update cycle costs from a backend's timings, and when a backend is clearly slower
 * than the best so far.
 */
import type { TrainConfig } from '../../shared/config.ts';
import type { BackendTiming } from '../../shared/protocol.ts';

/** A backend whose cycle is more than this many times the best so far is not timed further. */
export const GIVE_UP_RATIO = 2;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Estimated ms of one rollout (numSteps batched inferences) and its update (updateEpochs x numMinibatches gradients). */
export function cycleMs(config: Pick<TrainConfig, 'updateEpochs' | 'numMinibatches' | 'numSteps'>, gradMs: number, actMs: number): number {
  return config.updateEpochs * config.numMinibatches * gradMs + config.numSteps * actMs;
}

/** Whether a cycle of `ms` (or a lower bound of one) is clearly slower than the best so far. */
export function slowerThan(ms: number, bestMs: number): boolean {
  return ms > GIVE_UP_RATIO * bestMs;
}

/** The timing with the cheapest cycle, or undefined when no backend could be timed. */
export function fastest(timings: BackendTiming[]): BackendTiming | undefined {
  let best: BackendTiming | undefined;
  for (const t of timings) if (t.cycleMs !== null && (best === undefined || t.cycleMs < best.cycleMs!)) best = t;
  return best;
}
