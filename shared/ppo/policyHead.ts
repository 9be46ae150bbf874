/**
 * The policy's action distribution, derived from the env's action space in this one place:
 * Discrete(n) -> categorical over n logits; Box(low, high) -> diagonal Gaussian with a
 * state-independent learned log-std (CleanRL ppo_continuous_action).
 */
import type { EnvSpec } from '../envs/types.ts';

export type PolicyHead =
  | { type: 'categorical'; numActions: number }
  | { type: 'gaussian'; actionDim: number; low: number[]; high: number[] };

export function policyHead(spec: EnvSpec): PolicyHead {
  const space = spec.actionSpace;
  if (space.type === 'discrete') return { type: 'categorical', numActions: space.n };
  if (space.low.length !== space.high.length || space.low.length === 0) {
    throw new Error(`${spec.id}: Box bounds must be non-empty and of equal length, got ${space.low.length} and ${space.high.length}`);
  }
  return { type: 'gaussian', actionDim: space.low.length, low: [...space.low], high: [...space.high] };
}

/** Width of the actor's output: logits [numActions] or the Gaussian mean [actionDim]. */
export function actorWidth(head: PolicyHead): number {
  return head.type === 'categorical' ? head.numActions : head.actionDim;
}

/** Numbers per stored action: 1 (the index) for categorical, actionDim for Gaussian. */
export function actionWidth(head: PolicyHead): number {
  return head.type === 'categorical' ? 1 : head.actionDim;
}
