import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../shared/config.ts';
import { type Checkpoint, CheckpointError, crc32, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabswarm-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sample(n = 7): Checkpoint {
  const f = (k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + k) * 0.1);
  return {
    envId: 'CartPole-v1',
    config: { ...defaultConfig, hiddenSizes: [8, 8] },
    version: 42,
    envSteps: 12_345,
    params: f(0),
    adam: { m: f(1), v: f(2).map(Math.abs), t: 42 },
    extra: { note: 'hé', episodes: 3 },
  };
}

/** Rewrites the trailing CRC so that a test can reach the checks behind it. */
function fixCrc(b: Uint8Array): Uint8Array {
  new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
  return b;
}

/** Replaces the JSON header (keeping the binary tail) and fixes the CRC. */
function withHeader(b: Uint8Array, edit: (h: Record<string, unknown>) => string): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset);
  const len = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(b.subarray(12, 12 + len)));
  const oldStart = (12 + len + 3) & ~3;
  const json = new TextEncoder().encode(edit(header));
  const newStart = (12 + json.length + 3) & ~3;
  const out = new Uint8Array(newStart + (b.length - oldStart));
  out.set(b.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(b.subarray(oldStart), newStart);
  return fixCrc(out);
}

async function expectError(bytes: Uint8Array, message: RegExp): Promise<void> {
  const path = join(dir, 'bad.ckpt');
  await writeFile(path, bytes);
  const err = await loadCheckpoint(path).then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).name).toBe('CheckpointError');
  expect((err as Error).message).toMatch(message);
}

describe('checkpoint', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('round-trips through a real file, creating the directory', async () => {
    const ck = sample();
    const path = join(dir, 'nested', 'deeper', 'run.ckpt');
    await saveCheckpoint(path, ck);
    const back = await loadCheckpoint(path);
    expect(back.envId).toBe(ck.envId);
    expect(back.config).toEqual(ck.config);
    expect(back.version).toBe(42);
    expect(back.envSteps).toBe(12_345);
    expect(back.params).toEqual(ck.params);
    expect(back.adam.m).toEqual(ck.adam.m);
    expect(back.adam.v).toEqual(ck.adam.v);
    expect(back.adam.t).toBe(42);
    expect(back.extra).toEqual(ck.extra);
    expect(Date.parse(back.savedAt ?? '')).not.toBeNaN();
    const bytes = await readFile(path);
    expect(bytes.subarray(0, 8).toString()).toBe('TSWCKPT1');
  });

  it('saves views of bigger buffers and zero-length params', async () => {
    const big = new Float32Array([9, 1, 2, 9]);
    const ck = { ...sample(2), params: big.subarray(1, 3) };
    await saveCheckpoint(join(dir, 'a.ckpt'), ck);
    expect(Array.from((await loadCheckpoint(join(dir, 'a.ckpt'))).params)).toEqual([1, 2]);
    await saveCheckpoint(join(dir, 'b.ckpt'), sample(0));
    expect((await loadCheckpoint(join(dir, 'b.ckpt'))).params.length).toBe(0);
  });

  it('writes atomically: no tmp file left, old file replaced whole', async () => {
    const path = join(dir, 'run.ckpt');
    await saveCheckpoint(path, sample());
    await saveCheckpoint(path, { ...sample(), version: 43 });
    expect(await readdir(dir)).toEqual(['run.ckpt']);
    expect((await loadCheckpoint(path)).version).toBe(43);
  });

  it('refuses to save inconsistent or non-finite data', async () => {
    const path = join(dir, 'x.ckpt');
    const ck = sample();
    await expect(saveCheckpoint(path, { ...ck, adam: { ...ck.adam, m: new Float32Array(3) } })).rejects.toThrow(CheckpointError);
    const p = ck.params.slice();
    p[2] = NaN;
    await expect(saveCheckpoint(path, { ...ck, params: p })).rejects.toThrow(/non-finite .* index 2/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('rejects a truncated file', async () => {
    const b = encodeCheckpoint(sample());
    await expectError(b.subarray(0, b.length - 10), /truncated/);
    await expectError(b.subarray(0, 10), /too short/);
    await expectError(b.subarray(0, 20), /header length .* runs past the end/);
  });

  it('rejects a flipped byte anywhere via the CRC', async () => {
    const b = encodeCheckpoint(sample());
    for (const at of [b.length - 20, b.length - 2]) {
      const c = b.slice();
      c[at] ^= 0x10;
      await expectError(c, /CRC mismatch/);
    }
    const h = b.slice();
    const i = Buffer.from(h).indexOf('"version":42');
    h[i + 11] = '3'.charCodeAt(0); // header still valid JSON, but says version 43
    await expectError(h, /CRC mismatch/);
  });

  it('rejects bad magic', async () => {
    const b = encodeCheckpoint(sample());
    b.set(new TextEncoder().encode('NOTACKPT'), 0);
    await expectError(b, /bad magic "NOTACKPT"/);
  });

  it('rejects a paramCount that disagrees with the data', async () => {
    const b = encodeCheckpoint(sample(7));
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, paramCount: 6 })), /paramCount 6\).* trailing data/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, paramCount: 8 })), /paramCount 8\).* truncated/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, paramCount: -1 })), /paramCount must be an integer/);
  });

  it('rejects garbage or invalid JSON headers', async () => {
    const b = encodeCheckpoint(sample());
    await expectError(withHeader(b, () => '{"format": 1, oops'), /not valid UTF-8 JSON/);
    await expectError(withHeader(b, () => '[1,2]'), /not a JSON object/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, format: 2 })), /unsupported checkpoint format 2/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, config: { ...defaultConfig, numEnvs: 0 } })), /config is invalid: numEnvs/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, envId: 'Acrobot-v1' })), /differs from config.envId/);
  });

  it('reads a checkpoint written before a config field existed, with that field at its default', async () => {
    const path = join(dir, 'old.ckpt');
    const { gsde: _gsde, orthoInit: _orthoInit, ...older } = sample().config;
    await writeFile(path, withHeader(encodeCheckpoint(sample()), (h) => JSON.stringify({ ...h, config: older })));
    const ck = await loadCheckpoint(path);
    expect(ck.config.gsde).toBe(false);
    expect(ck.config.orthoInit).toBe(true);
    expect(ck.config.hiddenSizes).toEqual([8, 8]);
  });

  it('rejects non-finite values even with a valid CRC', async () => {
    const ck = sample();
    const b = encodeCheckpoint(ck);
    const dataStart = b.length - 4 - 3 * ck.params.length * 4;
    new DataView(b.buffer).setFloat32(dataStart + (ck.params.length + 1) * 4, Infinity, true);
    await expectError(fixCrc(b), /adam m has a non-finite value \(Infinity\) at index 1/);
  });

  it('wraps an unreadable file in a CheckpointError', async () => {
    const err = await loadCheckpoint(join(dir, 'missing.ckpt')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toMatch(/missing\.ckpt: cannot read checkpoint/);
  });
});
