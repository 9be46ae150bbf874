/**
 * A tab's backend choice, remembered in localStorage so that a returning tab on the same browser
 * and device, for a model of the same shape, starts without timing anything. The key holds all
 * the choice depends on: the user agent (browser and version), the devices the backends would run
 * on, cross-origin isolation (wasm threads), and the shape of the work (model, batch sizes).
 * `?retime=1` measures again and replaces it; a remembered backend that no longer starts is forgotten.
 */
import { z } from 'zod';
import type { TrainConfig } from '../../shared/config.ts';
import { derive } from '../../shared/config.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { BACKENDS, backendTimingSchema, type Backend, type BackendTiming } from '../../shared/protocol.ts';

/** Every remembered choice's key starts with this (fleet/choiceCache.ts carries them across browser launches). */
export const CHOICE_KEY_PREFIX = 'tabswarm.backend.v1 ';
/** The console line a page writes when it remembers a choice: this text, the key, the value. */
export const CHOICE_LOG = 'tabswarm: backend choice remembered';

const rememberedSchema = z.object({
  backend: z.enum(BACKENDS as [Backend, ...Backend[]]),
  timings: z.array(backendTimingSchema).min(1).max(BACKENDS.length),
});
export type Remembered = z.infer<typeof rememberedSchema>;

/** The storage key of a choice: everything the measured cycle depends on. */
export function choiceKey(config: TrainConfig, userAgent: string, devices: string): string {
  const { spec, head, numParams } = modelFor(config);
  const shape = {
    obsDim: spec.obsDim, head, hiddenSizes: config.hiddenSizes, numParams, numEnvs: config.numEnvs, numSteps: config.numSteps,
    minibatchSize: derive(config).minibatchSize, updateEpochs: config.updateEpochs, numMinibatches: config.numMinibatches,
  };
  return CHOICE_KEY_PREFIX + JSON.stringify({ userAgent, devices, shape });
}

/** A stored choice, or null when there is none or it is not one (an older format, an edit by hand). */
export function parseRemembered(text: string | null): Remembered | null {
  if (text === null) return null;
  try {
    const parsed = rememberedSchema.safeParse(JSON.parse(text));
    return parsed.success && parsed.data.timings.some((t: BackendTiming) => t.backend === parsed.data.backend) ? parsed.data : null;
  } catch {
    return null;
  }
}

/** localStorage can be missing or refuse (storage disabled, quota): then nothing is remembered. */
function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

export function deviceKey(config: TrainConfig, devices: string): string {
  return choiceKey(config, navigator.userAgent, devices);
}

export function recall(key: string): Remembered | null {
  try {
    return parseRemembered(storage()?.getItem(key) ?? null);
  } catch {
    return null;
  }
}

export function remember(key: string, choice: Remembered): void {
  const value = JSON.stringify(choice);
  console.info(CHOICE_LOG, key, value);
  try {
    storage()?.setItem(key, value);
  } catch {
    // Not remembered: the next visit measures again.
  }
}

export function forget(key: string): void {
  try {
    storage()?.removeItem(key);
  } catch {
    // Nothing to forget.
  }
}
