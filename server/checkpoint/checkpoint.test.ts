import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configFor, defaultConfig } from '../../shared/config.ts';
import { type Checkpoint, CheckpointError, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint.ts';
import { checkpointRunState } from './runState.ts';

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
  it('ends the file with the standard CRC-32 (IEEE) of every byte before it', () => {
    // A bit-at-a-time reference, independent of zlib, pins the on-disk checksum to CRC-32/IEEE.
    const reference = (bytes: Uint8Array): number => {
      let c = 0xffffffff;
      for (const byte of bytes) {
        c ^= byte;
        for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      }
      return (c ^ 0xffffffff) >>> 0;
    };
    expect(reference(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const b = encodeCheckpoint(sample());
    expect(new DataView(b.buffer, b.byteOffset).getUint32(b.length - 4, true)).toBe(reference(b.subarray(0, b.length - 4)));
  });

  it('round-trips every field through a real file, floats bit for bit', async () => {
    // Random finite f32 bit patterns (negative zero, subnormals, extremes included), plus the edge values by hand.
    let seed = 0x9e3779b9;
    const next = () => (seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0);
    const randomFloats = (n: number, nonNegative: boolean): Float32Array => {
      const bits = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        let x: number;
        do x = next(); while (((x >>> 23) & 0xff) === 0xff); // an all-ones exponent is Infinity or NaN
        bits[i] = nonNegative ? x & 0x7fffffff : x;
      }
      return new Float32Array(bits.buffer);
    };
    const edges = [0, -0, 1.4e-45, -1.4e-45, 1.1754943508222875e-38, 3.4028234663852886e38, -3.4028234663852886e38, 0.1, -123.456];
    const n = 1000 + edges.length;
    const params = randomFloats(n, false);
    params.set(edges);
    const m = randomFloats(n, false);
    m.set(edges.slice().reverse());
    const v = randomFloats(n, true);
    v.set(edges.map(Math.abs));
    v[1] = -0; // not negative, so adam v may hold it
    const config = configFor('MountainCarContinuous-v0', {
      seed: 123, hiddenSizes: [16, 8], gsde: true, sdeSampleFreq: 4, targetKl: 0.015, maxPolicyLag: 3, learningRate: 2.5e-4,
    });
    const extra = {
      note: 'hé ✓ "quoted" \\ \n\u0000',
      episodes: 3, flag: false, nothing: null, big: Number.MAX_SAFE_INTEGER, tiny: 1e-300,
      list: [1, -2.5, 'x', [true, null], { deep: { deeper: [0.1, { deepest: 'yes' }] } }],
      norm: { obs: [0.5, 1.5, -2], ret: [2, 0.25] },
      empty: {}, emptyList: [],
    };
    const ck: Checkpoint = {
      envId: config.envId, config, version: 9_007_199_254_740_991, envSteps: 123_456_789, params, adam: { m, v, t: 77 }, extra,
    };
    const path = join(dir, 'nested', 'deeper', 'run.ckpt');
    const before = Date.now();
    await saveCheckpoint(path, ck);
    const after = Date.now();
    expect((await readFile(path)).subarray(0, 8).toString()).toBe('TSWCKPT1');

    const back = await loadCheckpoint(path);
    expect(Object.keys(back).sort()).toEqual(['adam', 'config', 'envId', 'envSteps', 'extra', 'params', 'savedAt', 'version']);
    expect(back.envId).toBe('MountainCarContinuous-v0');
    expect(back.config).toStrictEqual(config);
    expect(back.version).toBe(9_007_199_254_740_991);
    expect(back.envSteps).toBe(123_456_789);
    expect(back.adam.t).toBe(77);
    expect(back.extra).toStrictEqual(extra);
    const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
    for (const [got, want] of [[back.params, params], [back.adam.m, m], [back.adam.v, v]]) {
      expect(got).toBeInstanceOf(Float32Array);
      expect(got.length).toBe(n);
      expect(bits(got)).toEqual(bits(want));
    }
    expect(Object.is(back.params[1], -0)).toBe(true);
    expect(back.savedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const savedAt = Date.parse(back.savedAt ?? '');
    expect(savedAt).toBeGreaterThanOrEqual(before);
    expect(savedAt).toBeLessThanOrEqual(after);

    // The save time given to the encoder is the one read back.
    await writeFile(path, encodeCheckpoint(ck, '2001-02-03T04:05:06.789Z'));
    expect((await loadCheckpoint(path)).savedAt).toBe('2001-02-03T04:05:06.789Z');
  });

  it('round-trips a checkpoint without extra', async () => {
    const { extra: _extra, ...ck } = sample();
    await saveCheckpoint(join(dir, 'a.ckpt'), ck);
    const back = await loadCheckpoint(join(dir, 'a.ckpt'));
    expect('extra' in back).toBe(false);
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
    // The header goes through the load's schema first: nothing is written that the load would refuse.
    await expect(saveCheckpoint(path, { ...ck, extra: [1, 2] as unknown as Record<string, unknown> }))
      .rejects.toThrow(/^cannot save: header\.extra: must be a JSON object when present, got \[1,2\]$/);
    await expect(saveCheckpoint(path, { ...ck, version: 1.5 })).rejects.toThrow(/^cannot save: header\.version: must be an integer >= 0, got 1\.5$/);
    await expect(saveCheckpoint(path, { ...ck, adam: { ...ck.adam, t: -1 } })).rejects.toThrow(/^cannot save: header\.adamT: .* got -1$/);
    await expect(saveCheckpoint(path, { ...ck, envId: '' })).rejects.toThrow(/^cannot save: header\.envId: must be a non-empty string/);
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
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, paramCount: -1 })), /header\.paramCount: must be an integer >= 0, got -1/);
  });

  it('rejects garbage or invalid JSON headers', async () => {
    const b = encodeCheckpoint(sample());
    await expectError(withHeader(b, () => '{"format": 1, oops'), /not valid UTF-8 JSON/);
    await expectError(withHeader(b, () => '[1,2]'), /: header: must be a JSON object, got \[1,2\]$/);
    await expectError(withHeader(b, () => 'null'), /: header: must be a JSON object, got null$/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, format: 2 })), /unsupported checkpoint format 2/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, config: { ...defaultConfig, numEnvs: 0 } })), /config is invalid: numEnvs/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, envId: 'Acrobot-v1' })), /differs from config.envId/);
    await expectError(withHeader(b, (h) => JSON.stringify({ ...h, config: [] })), /header\.config: must be an object, got \[\]/);
  });

  it('names the field when a header value has the wrong type, behind a valid CRC', async () => {
    const b = encodeCheckpoint(sample());
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ version: '42' }, /header\.version: must be an integer >= 0, got "42"$/],
      [{ version: 1.5 }, /header\.version: must be an integer >= 0, got 1\.5$/],
      [{ version: 2 ** 53 }, /header\.version: must be an integer >= 0, got 9007199254740992$/],
      [{ envSteps: -3 }, /header\.envSteps: must be an integer >= 0, got -3$/],
      [{ envSteps: null }, /header\.envSteps: must be an integer >= 0, got null$/],
      [{ adamT: '7' }, /header\.adamT: must be an integer >= 0, got "7"$/],
      [{ adamT: undefined }, /header\.adamT: must be an integer >= 0, got nothing \(missing\)$/],
      [{ envId: 7 }, /header\.envId: must be a non-empty string, got 7$/],
      [{ envId: '' }, /header\.envId: must be a non-empty string, got ""$/],
      [{ extra: [1, 2] }, /header\.extra: must be a JSON object when present, got \[1,2\]$/],
      [{ extra: 'run state' }, /header\.extra: must be a JSON object when present, got "run state"$/],
      [{ extra: null }, /header\.extra: must be a JSON object when present, got null$/],
      [{ extra: 5 }, /header\.extra: must be a JSON object when present, got 5$/],
      [{ savedAt: 'yesterday' }, /header\.savedAt: must be an ISO date-time string, got "yesterday"$/],
      [{ savedAt: 1_700_000_000_000 }, /header\.savedAt: must be an ISO date-time string, got 1700000000000$/],
      [{ surprise: 1 }, /header: unknown field "surprise"$/],
      // A header of another format differs in other ways too; the format is what to report.
      [{ format: 2, version: 'x', surprise: 1 }, /header\.format: unsupported checkpoint format 2, expected 1$/],
      [{ format: undefined }, /header\.format: unsupported checkpoint format nothing \(missing\), expected 1$/],
    ];
    for (const [change, message] of cases) {
      await expectError(withHeader(b, (h) => JSON.stringify({ ...h, ...change })), message);
    }
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

  it('names the field of a malformed worker record in the run state', () => {
    const worker = { workerId: 'a1', workerIndex: 0, resumeToken: 't', backend: 'wasm', adapter: '', joinedAt: 0, accepted: 3, rejected: 1, envSteps: 512, offences: 1, quarantined: false };
    expect(checkpointRunState({ ...sample(), extra: { workers: [worker] } }).workers).toEqual([{ ...worker, clean: 0, probation: false, address: 'unknown' }]);
    expect(() => checkpointRunState({ ...sample(), extra: { workers: [{ ...worker, offences: -1 }] } })).toThrow(/extra\.workers\.0\.offences/);
    expect(() => checkpointRunState({ ...sample(), extra: { workers: [{ ...worker, backend: 'gpu' }] } })).toThrow(CheckpointError);
  });
});
