/** Random but well-formed PPO minibatches, for timing backends and comparing their gradients. */
import { Rng } from '../rng.ts';
import type { TrainConfig } from '../config.ts';
import { modelFor } from './modelSpec.ts';
import { Learner, type MinibatchArrays } from './learner.ts';
import { lossCoefs } from './loss.ts';
import { HALF_LOG_2PI } from './gaussian.ts';
import { actionWidth, type PolicyHead } from './policyHead.ts';

/**
 * Categorical: uniform action indices, logpOld near log(1 / numActions). Gaussian: standard normal
 * actions, logpOld near the log-density of N(0, I) at a typical sample.
 */
export function syntheticMinibatch(size: number, obsDim: number, head: PolicyHead, seed: number): MinibatchArrays {
  const rng = new Rng(seed);
  const action = head.type === 'categorical' ? () => rng.int(head.numActions) : () => rng.normal();
  const logpTypical = head.type === 'categorical' ? Math.log(1 / head.numActions) : -head.actionDim * (0.5 + HALF_LOG_2PI);
  const mb: MinibatchArrays = {
    size,
    obs: new Float32Array(size * obsDim).map(() => rng.normal()),
    actions: new Float32Array(size * actionWidth(head)).map(action),
    logpOld: new Float32Array(size).map(() => logpTypical + 0.1 * rng.normal()),
    advantages: new Float32Array(size).map(() => rng.normal()),
    returns: new Float32Array(size).map(() => rng.normal()),
    valuesOld: new Float32Array(size).map(() => rng.normal()),
  };
  return mb;
}


/** The PPO gradient at `params` for the synthetic minibatch of `seed`, on tfjs's current backend. */
export async function syntheticGradient(config: TrainConfig, params: Float32Array, seed: number, size = 64): Promise<Float32Array> {
  const { spec, head, layout } = modelFor(config);
  const learner = new Learner(layout, params, spec.obsDim, head);
  try {
    const mb = syntheticMinibatch(size, spec.obsDim, head, seed);
    const { grad } = await learner.gradient(mb, lossCoefs(config));
    return grad.slice();
  } finally {
    learner.dispose();
  }
}
