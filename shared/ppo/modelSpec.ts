/** The actor-critic a run trains, built from its config and env spec: the one place that lays it out. */
import type { TrainConfig } from '../config.ts';
import type { EnvSpec } from '../envs/types.ts';
import { envSpec } from '../envs/registry.ts';
import { policyHead, type PolicyHead } from './policyHead.ts';
import { actorCriticLayout, paramCount, type ParamSpec } from './params.ts';

export interface ModelSpec {
  spec: EnvSpec;
  head: PolicyHead;
  layout: ParamSpec[];
  /** Length of the flat parameter vector. */
  numParams: number;
}

export function modelFor(config: Pick<TrainConfig, 'envId' | 'hiddenSizes' | 'gsde'>): ModelSpec {
  const spec = envSpec(config.envId);
  const head = policyHead(spec);
  const layout = actorCriticLayout(spec.obsDim, head, config.hiddenSizes, config.gsde);
  return { spec, head, layout, numParams: paramCount(layout) };
}
