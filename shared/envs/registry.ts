/** Env registry by Gymnasium ID, the `gymnasium.make` of tabswarm. CartPole-v1 is built in. */

import { CARTPOLE_V1, CartPole } from './cartpole.ts';
import type { Env, EnvSpec } from './types.ts';

interface Entry {
  spec: EnvSpec;
  make: (seed: number) => Env;
}

const entries = new Map<string, Entry>();

/** Registers an env; registering an ID twice throws. */
export function registerEnv(spec: EnvSpec, make: (seed: number) => Env): void {
  if (entries.has(spec.id)) throw new Error(`env ${spec.id} is already registered`);
  entries.set(spec.id, { spec, make });
}

function entry(id: string): Entry {
  const found = entries.get(id);
  if (!found) throw new Error(`unknown env ID "${id}"; known IDs: ${envIds().join(', ')}`);
  return found;
}

/** The spec registered under `id`. */
export function envSpec(id: string): EnvSpec {
  return entry(id).spec;
}

/** A new env instance whose RNG starts from `seed`. */
export function makeEnv(id: string, seed: number): Env {
  return entry(id).make(seed);
}

/** Registered IDs, in registration order. */
export function envIds(): string[] {
  return [...entries.keys()];
}

registerEnv(CARTPOLE_V1, (seed) => new CartPole(seed));
