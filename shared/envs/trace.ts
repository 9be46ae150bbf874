/**
 * Episode traces: what a tab keeps of a finished episode so that anyone with the env can replay
 * it. Every env is deterministic given its reset seed, so an episode is its seed and its actions
 * ([length, actionDim], as float32: Box spaces are float32, discrete actions are small integers):
 * `replayEpisode` steps a fresh env (with its time limit, as `makeEnv` makes it) from
 * `reset(seed)` through the actions and returns the episode's return and length, bit for bit
 * what the tab's VecEnv summed. The coordinator spot-checks reported episodes with it
 * (server/workers/spotCheck.ts).
 *
 * On the wire the actions are binary: one byte each for a discrete space of at most 256 actions,
 * else float32 (4 bytes a value, little-endian as every browser and Node target).
 */
import { decodeF32 } from '../codec.ts';
import { makeEnv } from './registry.ts';
import { runToEnd } from '../steps.ts';
import type { EnvSpec } from './types.ts';

export interface EpisodeTrace {
  /** The seed of the reset that started the episode. */
  seed: number;
  /** [length, actionDim] row-major: the actions as the env received them. */
  actions: Float32Array;
}

/** What a replay gives: the episode's undiscounted return and length. */
export interface ReplayResult {
  return: number;
  length: number;
}

/** Values per action: 1 for a discrete space, the Box length otherwise. */
export function actionDim(spec: EnvSpec): number {
  return spec.actionSpace.type === 'discrete' ? 1 : spec.actionSpace.low.length;
}

/** Bytes per action value on the wire: 1 for a discrete space of at most 256 actions, else 4 (float32). */
export function bytesPerValue(spec: EnvSpec): 1 | 4 {
  return spec.actionSpace.type === 'discrete' && spec.actionSpace.n <= 256 ? 1 : 4;
}

/** The bytes of a trace's actions (see `bytesPerValue`). */
export function encodeActions(spec: EnvSpec, actions: Float32Array): Uint8Array {
  if (bytesPerValue(spec) === 1) return Uint8Array.from(actions);
  return new Uint8Array(actions.slice().buffer);
}

/**
 * The actions of a `length`-step episode from their bytes; throws a clear error when the bytes
 * do not hold exactly that many (see `bytesPerValue`). Validity of each action is the env's check.
 */
export function decodeActions(spec: EnvSpec, bin: unknown, length: number): Float32Array {
  const n = length * actionDim(spec);
  if (bytesPerValue(spec) === 4) return decodeF32(bin, n);
  if (!(bin instanceof ArrayBuffer) && !ArrayBuffer.isView(bin)) throw new Error('actions must be binary');
  const bytes = bin instanceof ArrayBuffer ? new Uint8Array(bin) : new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  if (bytes.length !== n) throw new Error(`a ${length}-step episode has ${n} action bytes, got ${bytes.length}`);
  return Float32Array.from(bytes);
}

/** Steps replayed between two yields of `replaySteps`. */
export const REPLAY_CHUNK = 64;

/**
 * Replays an episode of `envId` from `reset(seed)` through `actions` ([length, actionDim]),
 * yielding every REPLAY_CHUNK steps so that a caller can spread it over the event loop. Throws a
 * clear error if an action is invalid, if the episode ends before its last action, or if it has
 * not ended after it: such a trace is not an episode of this env.
 */
export function* replaySteps(envId: string, seed: number, actions: Float32Array): Generator<void, ReplayResult> {
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be a safe integer, got ${String(seed)}`);
  const env = makeEnv(envId, seed);
  const dim = actionDim(env.spec);
  const discrete = env.spec.actionSpace.type === 'discrete';
  if (actions.length === 0 || actions.length % dim !== 0) throw new Error(`actions hold ${actions.length} values, not a whole number (>= 1) of ${dim}-value actions`);
  const length = actions.length / dim;
  if (length > env.spec.maxEpisodeSteps) throw new Error(`${envId} episodes last at most ${env.spec.maxEpisodeSteps} steps, got ${length} actions`);
  env.reset(seed);
  let ret = 0;
  for (let t = 0; t < length; t++) {
    const r = env.step(discrete ? actions[t] : actions.subarray(t * dim, (t + 1) * dim));
    ret += r.reward;
    const ended = r.terminated || r.truncated;
    if (ended && t < length - 1) throw new Error(`the episode ended at step ${t + 1}, before its ${length} actions`);
    if (!ended && t === length - 1) throw new Error(`the episode had not ended after its ${length} actions`);
    if ((t + 1) % REPLAY_CHUNK === 0) yield;
  }
  return { return: ret, length };
}

/** `replaySteps` run to the end at once. */
export function replayEpisode(envId: string, seed: number, actions: Float32Array): ReplayResult {
  return runToEnd(replaySteps(envId, seed, actions));
}
