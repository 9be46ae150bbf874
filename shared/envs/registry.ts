/**
 * Env registry by Gymnasium ID, the `gymnasium.make` of tabswarm: `makeEnv` wraps every env,
 * built-in or registered by the user, in `TimeLimit` (the registered `spec.maxEpisodeSteps`), so
 * an env only has to implement its dynamics. CartPole-v1, Acrobot-v1, MountainCar-v0,
 * MountainCarContinuous-v0, Pendulum-v1, LunarLander-v3 and LunarLanderContinuous-v3 are built in.
 */

import { ACROBOT_V1, Acrobot } from './acrobot.ts';
import { CARTPOLE_V1, CartPole } from './cartpole.ts';
import { MOUNTAIN_CAR_CONTINUOUS_V0, MOUNTAIN_CAR_V0, MountainCar, MountainCarContinuous } from './mountainCar.ts';
import { PENDULUM_V1, Pendulum } from './pendulum.ts';
import { LUNAR_LANDER_CONTINUOUS_V3, LUNAR_LANDER_V3, LunarLander } from './lunarLander.ts';
import { TimeLimit } from './timeLimit.ts';
import type { Env, EnvSpec } from './types.ts';

interface Entry {
  spec: EnvSpec;
  make: (seed: number) => Env;
}

const entries = new Map<string, Entry>();

/**
 * Registers an env; registering an ID twice throws. `make` returns the bare env (its `spec` the
 * registered one); `makeEnv` adds the time limit.
 */
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

/**
 * A new env instance whose RNG starts from `seed`, wrapped in `TimeLimit` as `gymnasium.make`
 * wraps it: `truncated` is set on step `spec.maxEpisodeSteps` of every episode.
 */
export function makeEnv(id: string, seed: number): Env {
  const { spec, make } = entry(id);
  const env = make(seed);
  if (env.spec.id !== spec.id || env.spec.maxEpisodeSteps !== spec.maxEpisodeSteps) {
    throw new Error(
      `env ${id}: make returned an env whose spec (${env.spec.id}, maxEpisodeSteps ${env.spec.maxEpisodeSteps}) ` +
        `is not the registered one (maxEpisodeSteps ${spec.maxEpisodeSteps})`,
    );
  }
  return new TimeLimit(env);
}

/** Registered IDs, in registration order. */
export function envIds(): string[] {
  return [...entries.keys()];
}

registerEnv(CARTPOLE_V1, (seed) => new CartPole(seed));
registerEnv(ACROBOT_V1, (seed) => new Acrobot(seed));
registerEnv(MOUNTAIN_CAR_V0, (seed) => new MountainCar(seed));
registerEnv(MOUNTAIN_CAR_CONTINUOUS_V0, (seed) => new MountainCarContinuous(seed));
registerEnv(PENDULUM_V1, (seed) => new Pendulum(seed));
registerEnv(LUNAR_LANDER_V3, (seed) => new LunarLander(seed));
registerEnv(LUNAR_LANDER_CONTINUOUS_V3, (seed) => new LunarLander(seed, { continuous: true }));
