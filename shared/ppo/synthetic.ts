/** Random but well-formed PPO minibatches, for timing backends and comparing their gradients. */
import { Rng } from '../rng.ts';
import type { TrainConfig } from '../config.ts';
import { envSpec } from '../envs/registry.ts';
import { discreteActions } from '../envs/types.ts';
import { actorCriticLayout } from './model.ts';
import { Learner, type MinibatchArrays } from './learner.ts';

export function syntheticMinibatch(size: number, obsDim: number, numActions: number, seed: number): MinibatchArrays {
  const rng = new Rng(seed);
  const mb: MinibatchArrays = {
    size,
    obs: new Float32Array(size * obsDim).map(() => rng.normal()),
    actions: new Int32Array(size).map(() => rng.int(numActions)),
    logpOld: new Float32Array(size).map(() => Math.log(1 / numActions) + 0.1 * rng.normal()),
    advantages: new Float32Array(size).map(() => rng.normal()),
    returns: new Float32Array(size).map(() => rng.normal()),
  };
  return mb;
}


/** The PPO gradient at `params` for the synthetic minibatch of `seed`, on tfjs's current backend. */
export async function syntheticGradient(config: TrainConfig, params: Float32Array, seed: number, size = 64): Promise<Float32Array> {
  const spec = envSpec(config.envId);
  const layout = actorCriticLayout(spec.obsDim, discreteActions(spec), config.hiddenSizes);
  const learner = new Learner(layout, params, spec.obsDim, discreteActions(spec));
  try {
    const mb = syntheticMinibatch(size, spec.obsDim, discreteActions(spec), seed);
    const { grad } = await learner.gradient(mb, { clipCoef: config.clipCoef, entCoef: config.entCoef, vfCoef: config.vfCoef, normAdv: config.normAdv });
    return grad.slice();
  } finally {
    learner.dispose();
  }
}
