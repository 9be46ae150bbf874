/**
 * Binary checkpoint files. Layout (integers little-endian):
 *   "TSWCKPT1"                     8-byte magic
 *   u32 headerLength               bytes of the JSON header
 *   header                         UTF-8 JSON { format: 1, envId, config, version, envSteps, paramCount, adamT, savedAt, extra }
 *   zero padding                   to a 4-byte boundary
 *   f32[paramCount] params, f32[paramCount] adam m, f32[paramCount] adam v
 *   u32 crc32                      CRC-32 (IEEE) of every byte before it
 * Writes are atomic (tmp file + rename); loads validate everything and never return partial data.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
// zlib.crc32 (CRC-32/IEEE, as the format needs) exists from Node 20.15 / 22.2 on; older Node 20 releases lack it.
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { baseConfig, ConfigError, validateConfig, type TrainConfig } from '../../shared/config.ts';
import { firstNonFinite } from '../../shared/codec.ts';

export interface Checkpoint {
  envId: string;
  config: TrainConfig;
  /** Parameter version (applied updates). */
  version: number;
  envSteps: number;
  params: Float32Array;
  adam: { m: Float32Array; v: Float32Array; t: number };
  extra?: Record<string, unknown>;
  /** ISO time of the save; set by loadCheckpoint, ignored by saveCheckpoint. */
  savedAt?: string;
}

/** A short rendering of a bad header value for error messages. */
function show(x: unknown): string {
  if (x === undefined) return 'nothing (missing)';
  let s: string;
  try {
    // A save can be handed what JSON cannot hold (a bigint, a function); the message must still come out.
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

const count = (): z.ZodInt => {
  const error = (iss: { input?: unknown }) => `must be an integer >= 0, got ${show(iss.input)}`;
  return z.int({ error }).min(0, { error });
};
/** A JSON object: zod's record refuses arrays, null and primitives, which JSON objects are not. */
const jsonObject = (what: string) => z.record(z.string(), z.unknown(), { error: (iss) => `must be ${what}, got ${show(iss.input)}` });

/**
 * The JSON header. Strict, so that a header with fields this version does not know (a newer writer's)
 * is refused rather than half-read. `config` is checked only as an object here: it is completed from
 * baseConfig and checked by validateConfig after this schema, the one place config rules live.
 */
const headerSchema = z.object({
  format: z.literal(1, { error: (iss) => `unsupported checkpoint format ${show(iss.input)}, expected 1` }),
  envId: z.string({ error: (iss) => `must be a non-empty string, got ${show(iss.input)}` })
    .min(1, { error: 'must be a non-empty string, got ""' }),
  config: jsonObject('an object'),
  version: count(),
  envSteps: count(),
  paramCount: count(),
  adamT: count(),
  savedAt: z.iso.datetime({ error: (iss) => `must be an ISO date-time string, got ${show(iss.input)}` }),
  // The coordinator's run state (normalization statistics and the like): any JSON object, or absent.
  extra: jsonObject('a JSON object when present').optional(),
}, {
  error: (iss) => iss.code === 'unrecognized_keys'
    ? `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => JSON.stringify(k)).join(', ')}`
    : `must be a JSON object, got ${show(iss.input)}`,
}).strict();

type Header = z.infer<typeof headerSchema>;

/** Checks a header against the schema; throws a CheckpointError naming the first bad field (`prefix` leads the message). */
function parseHeader(x: unknown, prefix = ''): Header {
  const r = headerSchema.safeParse(x);
  if (r.success) return r.data;
  // An unsupported format explains every other difference, so it is reported first.
  const issue = r.error.issues.find((i) => i.path[0] === 'format') ?? r.error.issues[0];
  const where = ['header', ...issue.path.map(String)].join('.');
  throw new CheckpointError(`${prefix}${where}: ${issue.message}`);
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const MAGIC = 'TSWCKPT1';
const PREFIX = MAGIC.length + 4;

const align4 = (n: number): number => (n + 3) & ~3;

/** Serializes a checkpoint to bytes; throws CheckpointError on inconsistent or non-finite data. */
export function encodeCheckpoint(ck: Checkpoint, savedAt = new Date().toISOString()): Uint8Array {
  const n = ck.params.length;
  if (ck.adam.m.length !== n || ck.adam.v.length !== n) {
    throw new CheckpointError(`cannot save: params (${n}), adam m (${ck.adam.m.length}) and v (${ck.adam.v.length}) differ in length`);
  }
  for (const [name, a] of [['params', ck.params], ['adam m', ck.adam.m], ['adam v', ck.adam.v]] as const) {
    const i = firstNonFinite(a);
    if (i >= 0) throw new CheckpointError(`cannot save: ${name} has a non-finite value at index ${i}`);
  }
  const header = {
    format: 1, envId: ck.envId, config: ck.config, version: ck.version, envSteps: ck.envSteps,
    paramCount: n, adamT: ck.adam.t, savedAt, extra: ck.extra,
  };
  // The same schema as the load: a file this writes is one the load accepts (e.g. no array as extra, no fractional version).
  parseHeader(header, 'cannot save: ');
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align4(PREFIX + json.length);
  const out = new Uint8Array(dataStart + 3 * n * 4 + 4);
  const dv = new DataView(out.buffer);
  out.set(new TextEncoder().encode(MAGIC), 0);
  dv.setUint32(MAGIC.length, json.length, true);
  out.set(json, PREFIX);
  [ck.params, ck.adam.m, ck.adam.v].forEach((a, k) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + k * n * 4);
  });
  dv.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Parses and validates checkpoint bytes; throws CheckpointError saying what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < PREFIX + 4) throw new CheckpointError(`file too short (${bytes.length} bytes) to be a checkpoint`);
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) throw new CheckpointError(`bad magic ${JSON.stringify(magic)}, expected "${MAGIC}": not a tabswarm checkpoint`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = dv.getUint32(MAGIC.length, true);
  if (PREFIX + headerLength + 4 > bytes.length) {
    throw new CheckpointError(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  }

  // Parse the header before the CRC check only to report truncation precisely; it is trusted only after the CRC.
  let header: unknown;
  let jsonError: string | null = null;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength)));
  } catch (e) {
    jsonError = (e as Error).message;
  }
  const dataStart = align4(PREFIX + headerLength);
  const paramCount = (header as { paramCount?: unknown } | null | undefined)?.paramCount;
  if (Number.isInteger(paramCount) && (paramCount as number) >= 0) {
    const expected = dataStart + 3 * (paramCount as number) * 4 + 4;
    if (bytes.length !== expected) {
      throw new CheckpointError(`file is ${bytes.length} bytes but its header (paramCount ${paramCount}) implies ${expected}: ${bytes.length < expected ? 'truncated' : 'trailing data'}`);
    }
  }

  const stored = dv.getUint32(bytes.length - 4, true);
  const actual = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== actual) {
    throw new CheckpointError(`CRC mismatch: stored ${hex(stored)}, computed ${hex(actual)} (file corrupted)`);
  }
  if (jsonError !== null) throw new CheckpointError(`header is not valid UTF-8 JSON: ${jsonError}`);
  const h = checkHeader(header);
  const n = h.paramCount;
  if (bytes.length !== dataStart + 3 * n * 4 + 4) throw new CheckpointError(`paramCount ${n} does not match the file length ${bytes.length}`);

  const arrays = [0, 1, 2].map((k) => {
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(bytes.subarray(dataStart + k * n * 4, dataStart + (k + 1) * n * 4));
    return a;
  });
  const [params, m, v] = arrays;
  for (const [name, a] of [['params', params], ['adam m', m], ['adam v', v]] as const) {
    const i = firstNonFinite(a);
    if (i >= 0) throw new CheckpointError(`${name} has a non-finite value (${a[i]}) at index ${i}`);
  }
  const negV = v.findIndex((x) => x < 0);
  if (negV >= 0) throw new CheckpointError(`adam v is negative (${v[negV]}) at index ${negV}`);

  return {
    envId: h.envId, config: h.config, version: h.version, envSteps: h.envSteps,
    params, adam: { m, v, t: h.adamT }, ...(h.extra !== undefined ? { extra: h.extra } : {}), savedAt: h.savedAt,
  };
}

/** The header, schema-checked, with its config completed and validated; throws CheckpointError. */
function checkHeader(x: unknown): Omit<Header, 'config'> & { config: TrainConfig } {
  const h = parseHeader(x);
  // A field added to TrainConfig after the checkpoint was written takes its default, which keeps the older behaviour.
  const config = { ...baseConfig, ...h.config } as TrainConfig;
  try {
    validateConfig(config);
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(`header.config is invalid: ${e.message}`);
    throw e;
  }
  if (config.envId !== h.envId) throw new CheckpointError(`header.envId ${h.envId} differs from config.envId ${config.envId}`);
  return { ...h, config };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

/** Writes `ck` to `path` atomically (tmp file, fsync, rename), creating the directory. */
export async function saveCheckpoint(path: string, ck: Checkpoint): Promise<void> {
  const bytes = encodeCheckpoint(ck);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Reads and validates a checkpoint; throws CheckpointError (an unreadable file's fs error is its `cause`). */
export async function loadCheckpoint(path: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new CheckpointError(`${path}: cannot read checkpoint: ${(e as Error).message}`, { cause: e });
  }
  try {
    return decodeCheckpoint(bytes);
  } catch (e) {
    if (e instanceof CheckpointError) e.message = `${path}: ${e.message}`;
    throw e;
  }
}
