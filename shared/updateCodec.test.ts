import { describe, expect, it } from 'vitest';
import { CodecError, encodeF32 } from './codec.ts';
import { Rng } from './rng.ts';
import {
  ErrorFeedback,
  INT8_BLOCK,
  UPDATE_CODECS,
  decodeUpdateInto,
  encodeUpdate,
  f16BitsToF32,
  f32ToF16Bits,
  updateBytes,
} from './updateCodec.ts';

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    return (e as CodecError).code;
  }
  throw new Error('did not throw');
}

function randomVector(rng: Rng, n: number, scale = 1): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal() * scale;
  return x;
}

function roundTrip(codec: (typeof UPDATE_CODECS)[number], x: Float32Array): Float32Array {
  return decodeUpdateInto(codec, encodeUpdate(codec, x), new Float32Array(x.length));
}

/** The float32 scales section of an int8 payload for n values. */
function int8Scales(bytes: ArrayBuffer, n: number): Float32Array {
  return new Float32Array(bytes, 0, Math.ceil(n / INT8_BLOCK));
}

describe('fp16 bit conversion', () => {
  it('produces the known bit patterns', () => {
    expect(f32ToF16Bits(1)).toBe(0x3c00);
    expect(f32ToF16Bits(-2)).toBe(0xc000);
    expect(f32ToF16Bits(0.5)).toBe(0x3800);
    expect(f32ToF16Bits(65504)).toBe(0x7bff); // largest finite half
    expect(f32ToF16Bits(65519.99)).toBe(0x7bff); // just below the tie with 65536
    expect(f32ToF16Bits(65520)).toBe(0x7c00); // tie rounds to even -> overflow -> Infinity
    expect(f32ToF16Bits(-1e6)).toBe(0xfc00);
    expect(f32ToF16Bits(Infinity)).toBe(0x7c00);
    expect(f32ToF16Bits(-Infinity)).toBe(0xfc00);
    expect(f32ToF16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(f32ToF16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 -> even (0)
    expect(f32ToF16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(f32ToF16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 ulps -> even (2)
    expect(f32ToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // tie at the top subnormal carries to normal
    expect(f32ToF16Bits(1e-10)).toBe(0x0000);
    expect(f32ToF16Bits(0)).toBe(0x0000);
    expect(f32ToF16Bits(-0)).toBe(0x8000);
    const nan = f32ToF16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest even on a tie', () => {
    // halves next to 1 are 2^-10 apart: 1 + 2^-11 is a tie between 0x3c00 (even) and 0x3c01
    expect(f32ToF16Bits(1 + 2 ** -11)).toBe(0x3c00);
    // 1 + 3*2^-11 is a tie between 0x3c01 (odd) and 0x3c02 (even)
    expect(f32ToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    // off the tie it rounds to the nearer one
    expect(f32ToF16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(f32ToF16Bits(-(1 + 2 ** -11))).toBe(0xbc00);
  });

  it('decodes the known bit patterns exactly', () => {
    expect(f16BitsToF32(0x3c00)).toBe(1);
    expect(f16BitsToF32(0xc000)).toBe(-2);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(f16BitsToF32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToF32(0x0400)).toBe(2 ** -14);
    expect(f16BitsToF32(0x7c00)).toBe(Infinity);
    expect(f16BitsToF32(0xfc00)).toBe(-Infinity);
    expect(Object.is(f16BitsToF32(0x0000), 0)).toBe(true);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
    expect(f16BitsToF32(0x7e00)).toBeNaN();
    expect(f16BitsToF32(0xfc01)).toBeNaN();
  });

  it('round-trips every finite half bit pattern', () => {
    const mismatches: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00) continue; // Inf and NaN checked above
      if (f32ToF16Bits(f16BitsToF32(h)) !== h) mismatches.push(h);
    }
    expect(mismatches).toEqual([]);
  });

  it('has relative error <= 2^-11 over the normal range', () => {
    const rng = new Rng(1);
    const x = new Float32Array(20000);
    for (let i = 0; i < x.length; i++) {
      x[i] = (rng.next() < 0.5 ? -1 : 1) * 2 ** rng.uniform(-14, 15.99); // [2^-14, ~65000]
    }
    const y = roundTrip('fp16', x);
    let worst = 0;
    for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(y[i] - x[i]) / Math.abs(x[i]));
    expect(worst).toBeLessThanOrEqual(2 ** -11);
    expect(worst).toBeGreaterThan(2 ** -13); // the bound is actually approached
  });

  it('encodes through encodeUpdate as 2-byte little-endian patterns, NaN staying NaN', () => {
    const bytes = encodeUpdate('fp16', new Float32Array([1, -2, NaN, 65520]));
    expect(bytes.byteLength).toBe(8);
    expect(Array.from(new Uint8Array(bytes))).toEqual([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x7e, 0x00, 0x7c]);
    const y = decodeUpdateInto('fp16', bytes, new Float32Array(4));
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(-2);
    expect(y[2]).toBeNaN();
    expect(y[3]).toBe(Infinity);
  });
});

describe('int8 blockwise quantization', () => {
  it('keeps every value within scale/2 of its block, scale = absmax/127', () => {
    const rng = new Rng(2);
    const n = 1000; // 3 full blocks and one of 232
    const x = randomVector(rng, n);
    for (let i = 256; i < 512; i++) x[i] *= 1e-3; // blocks with very different magnitudes
    for (let i = 512; i < 768; i++) x[i] *= 1e4;
    const bytes = encodeUpdate('int8', x);
    const scales = int8Scales(bytes, n);
    const y = decodeUpdateInto('int8', bytes, new Float32Array(n));
    for (let b = 0; b < scales.length; b++) {
      const block = x.subarray(b * 256, Math.min((b + 1) * 256, n));
      const absmax = Math.max(...Array.from(block, Math.abs));
      expect(scales[b]).toBe(Math.fround(absmax / 127));
      for (let i = b * 256; i < b * 256 + block.length; i++) {
        expect(Math.abs(y[i] - x[i])).toBeLessThanOrEqual(scales[b] / 2 + Math.abs(x[i]) * 2 ** -22);
      }
    }
  });

  it('maps the block absmax to ±127 and stores the int8 section after the scales', () => {
    const x = new Float32Array([0.5, -1.27, 1.27, 0]);
    const bytes = encodeUpdate('int8', x);
    expect(bytes.byteLength).toBe(4 + 4);
    expect(new Float32Array(bytes, 0, 1)[0]).toBe(Math.fround(1.27 / 127));
    expect(Array.from(new Int8Array(bytes, 4, 4))).toEqual([50, -127, 127, 0]);
  });

  it('encodes a block of zeros with scale 0 and decodes zeros', () => {
    const x = new Float32Array(300);
    x[299] = 3; // second block non-zero
    const bytes = encodeUpdate('int8', x);
    const scales = int8Scales(bytes, 300);
    expect(scales[0]).toBe(0);
    expect(scales[1]).toBeCloseTo(3 / 127, 7);
    const y = decodeUpdateInto('int8', bytes, new Float32Array(300).fill(7));
    expect(y.subarray(0, 299).every((v) => v === 0)).toBe(true);
    expect(y[299]).toBeCloseTo(3, 6);
  });

  it('gives a block with NaN or Infinity a NaN scale: that block decodes to NaN, the others stay finite', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = randomVector(new Rng(3), 700);
      x[300] = bad; // block 1 of 3
      const bytes = encodeUpdate('int8', x);
      const scales = int8Scales(bytes, 700);
      expect(Number.isFinite(scales[0])).toBe(true);
      expect(scales[1]).toBeNaN();
      expect(Number.isFinite(scales[2])).toBe(true);
      const y = decodeUpdateInto('int8', bytes, new Float32Array(700));
      for (let i = 0; i < 700; i++) {
        if (i >= 256 && i < 512) expect(y[i]).toBeNaN();
        else expect(Number.isFinite(y[i])).toBe(true);
      }
    }
  });

  it('has encoded sizes equal to updateBytes for every codec', () => {
    const rng = new Rng(4);
    for (const n of [0, 1, 255, 256, 257, 10000]) {
      const x = randomVector(rng, n);
      for (const codec of UPDATE_CODECS) {
        expect(encodeUpdate(codec, x).byteLength).toBe(updateBytes(codec, n));
      }
    }
    expect(updateBytes('int8', 1)).toBe(5);
    expect(updateBytes('int8', 255)).toBe(259);
    expect(updateBytes('int8', 256)).toBe(260);
    expect(updateBytes('int8', 257)).toBe(265);
    expect(updateBytes('int8', 10000)).toBe(10000 + 4 * 40);
  });
});

describe('compression ratio', () => {
  it('is 1/2 for fp16 and about 1/4 plus scales for int8 at n = 10000', () => {
    const fp32 = updateBytes('fp32', 10000);
    expect(fp32).toBe(40000);
    expect(updateBytes('fp16', 10000) / fp32).toBe(0.5);
    const int8 = updateBytes('int8', 10000) / fp32;
    expect(int8).toBeCloseTo(0.25 + (4 * 40) / 40000, 10); // 0.254
    expect(int8).toBeLessThan(0.26);
  });
});

describe('decodeUpdateInto', () => {
  it('fp32 matches encodeF32 and fills out (never a view of the payload)', () => {
    const x = randomVector(new Rng(5), 33);
    const bytes = encodeUpdate('fp32', x);
    expect(bytes).toBe(encodeF32(x));
    const out = new Float32Array(33);
    const y = decodeUpdateInto('fp32', Buffer.from(bytes), out);
    expect(y).toBe(out);
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  it('returns the caller-owned out for every codec', () => {
    const x = randomVector(new Rng(6), 10);
    for (const codec of UPDATE_CODECS) {
      const out = new Float32Array(10);
      expect(decodeUpdateInto(codec, encodeUpdate(codec, x), out)).toBe(out);
    }
  });

  it('decodes unaligned Node Buffer views the same as the ArrayBuffer', () => {
    const x = randomVector(new Rng(7), 600);
    x[5] = 0;
    for (const codec of UPDATE_CODECS) {
      const bytes = encodeUpdate(codec, x);
      const expected = roundTrip(codec, x);
      for (const offset of [1, 2, 3, 5, 8]) {
        const backing = Buffer.alloc(offset + bytes.byteLength + 3, 0xff);
        Buffer.from(bytes).copy(backing, offset);
        const view = backing.subarray(offset, offset + bytes.byteLength);
        const y = decodeUpdateInto(codec, view, new Float32Array(600));
        expect(Array.from(y)).toEqual(Array.from(expected));
      }
    }
  });

  it('rejects non-binary input', () => {
    for (const codec of UPDATE_CODECS) {
      for (const bad of ['abc', 12, null, undefined, [1, 2, 3], { 0: 1 }]) {
        expect(codeOf(() => decodeUpdateInto(codec, bad, new Float32Array(3)))).toBe('notBinary');
      }
    }
  });

  it('rejects byte lengths that no element count produces', () => {
    expect(codeOf(() => decodeUpdateInto('fp32', new Uint8Array(7), new Float32Array(2)))).toBe('badByteLength');
    expect(() => decodeUpdateInto('fp32', new Uint8Array(7), new Float32Array(2))).toThrow(/7 is not a multiple of 4/);
    expect(codeOf(() => decodeUpdateInto('fp16', new Uint8Array(5), new Float32Array(2)))).toBe('badByteLength');
    // int8 sizes are n + 4*ceil(n/256): 1..4 and 261..264 are impossible, 5 and 265 are fine
    for (const len of [1, 2, 3, 4, 261, 264]) {
      expect(codeOf(() => decodeUpdateInto('int8', new Uint8Array(len), new Float32Array(1)))).toBe('badByteLength');
    }
    expect(() => decodeUpdateInto('int8', new Uint8Array(4), new Float32Array(1))).toThrow(/4 is not a valid int8/);
  });

  it('rejects a valid size for the wrong element count, saying expected and got', () => {
    expect(codeOf(() => decodeUpdateInto('fp32', new ArrayBuffer(8), new Float32Array(3)))).toBe('wrongLength');
    expect(() => decodeUpdateInto('fp16', new ArrayBuffer(8), new Float32Array(3))).toThrow(/expected 3 fp16 .*got 4/);
    const x = new Float32Array(257);
    expect(codeOf(() => decodeUpdateInto('int8', encodeUpdate('int8', x), new Float32Array(256)))).toBe('wrongLength');
    expect(() => decodeUpdateInto('int8', encodeUpdate('int8', x), new Float32Array(256))).toThrow(/expected 256 int8 .*got 257/);
    // every n decodes to exactly itself
    for (let n = 0; n <= 1100; n++) {
      expect(decodeUpdateInto('int8', new ArrayBuffer(updateBytes('int8', n)), new Float32Array(n)).length).toBe(n);
    }
  });
});

describe('ErrorFeedback', () => {
  for (const codec of ['fp16', 'int8'] as const) {
    it(`${codec}: decoded sums track input sums up to the residual, which stays within one step`, () => {
      const n = 1000;
      const rng = new Rng(8);
      const ef = new ErrorFeedback(codec, n);
      const sumIn = new Float64Array(n);
      const sumOut = new Float64Array(n);
      const out = new Float32Array(n);
      const c = new Float32Array(n);
      let anyResidual = false;
      let worstRatio = 0; // max |residual| / quantization step over all steps and elements
      for (let step = 0; step < 200; step++) {
        const g = randomVector(rng, n, 10 ** rng.uniform(-3, 1));
        for (let i = 0; i < n; i++) c[i] = g[i] + ef.residual[i]; // what the codec is about to see
        const bytes = ef.encode(g);
        decodeUpdateInto(codec, bytes, out);
        const scales = codec === 'int8' ? int8Scales(bytes, n) : null;
        for (let i = 0; i < n; i++) {
          sumIn[i] += g[i];
          sumOut[i] += out[i];
          // one quantization step: the int8 block scale, or the fp16 spacing at c (2^-10 relative, 2^-24 subnormal)
          const step = scales !== null ? scales[Math.floor(i / 256)] : Math.max(Math.abs(c[i]) * 2 ** -10, 2 ** -24);
          worstRatio = Math.max(worstRatio, Math.abs(ef.residual[i]) / step);
          if (ef.residual[i] !== 0) anyResidual = true;
        }
      }
      expect(anyResidual).toBe(true);
      expect(worstRatio).toBeLessThanOrEqual(0.5 + 1e-4); // round to nearest: half a step, plus float32 rounding of q*scale and c-d
      expect(worstRatio).toBeGreaterThan(0.4);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(sumIn[i] - sumOut[i] - ef.residual[i]));
      expect(worst).toBeLessThan(1e-4);
      // without feedback the accumulated error would be far larger than the residual bound
      let worstPlain = 0;
      const plainRng = new Rng(8);
      const plainIn = new Float64Array(n);
      const plainOut = new Float64Array(n);
      for (let step = 0; step < 200; step++) {
        const g = randomVector(plainRng, n, 10 ** plainRng.uniform(-3, 1));
        const y = roundTrip(codec, g);
        for (let i = 0; i < n; i++) {
          plainIn[i] += g[i];
          plainOut[i] += y[i];
        }
      }
      for (let i = 0; i < n; i++) worstPlain = Math.max(worstPlain, Math.abs(plainIn[i] - plainOut[i]));
      let worstEf = 0;
      for (let i = 0; i < n; i++) worstEf = Math.max(worstEf, Math.abs(sumIn[i] - sumOut[i]));
      expect(worstEf).toBeLessThan(worstPlain);
    });
  }

  it('fp32: decoded equals the input exactly and the residual stays zero', () => {
    const rng = new Rng(9);
    const ef = new ErrorFeedback('fp32', 100);
    const out = new Float32Array(100);
    for (let step = 0; step < 20; step++) {
      const g = randomVector(rng, 100);
      decodeUpdateInto('fp32', ef.encode(g), out);
      expect(Array.from(out)).toEqual(Array.from(g));
      expect(ef.residual.every((v) => v === 0)).toBe(true);
    }
  });

  it('encodes non-finite input as-is (rejected downstream) and leaves the residual unchanged', () => {
    for (const codec of ['fp16', 'int8'] as const) {
      const ef = new ErrorFeedback(codec, 300);
      ef.encode(randomVector(new Rng(10), 300));
      const before = Array.from(ef.residual);
      expect(before.some((v) => v !== 0)).toBe(true);
      const g = randomVector(new Rng(11), 300);
      g[7] = NaN;
      const y = decodeUpdateInto(codec, ef.encode(g), new Float32Array(300));
      expect(y[7]).toBeNaN();
      expect(Array.from(ef.residual)).toEqual(before);
      // the next finite update goes through normally
      const y2 = decodeUpdateInto(codec, ef.encode(randomVector(new Rng(12), 300)), new Float32Array(300));
      expect(y2.every(Number.isFinite)).toBe(true);
      expect(ef.residual.every(Number.isFinite)).toBe(true);
    }
  });

  it('does not poison the residual when fp16 overflows to Infinity', () => {
    const ef = new ErrorFeedback('fp16', 2);
    ef.encode(new Float32Array([0.1, 0.3]));
    const before = Array.from(ef.residual);
    const y = decodeUpdateInto('fp16', ef.encode(new Float32Array([1e6, 0.5])), new Float32Array(2));
    expect(y[0]).toBe(Infinity);
    expect(Array.from(ef.residual)).toEqual(before);
  });

  it('reset() clears the residual, and encode rejects a wrong length', () => {
    const ef = new ErrorFeedback('int8', 10);
    ef.encode(randomVector(new Rng(13), 10));
    expect(ef.residual.some((v) => v !== 0)).toBe(true);
    ef.reset();
    expect(ef.residual.every((v) => v === 0)).toBe(true);
    expect(codeOf(() => ef.encode(new Float32Array(9)))).toBe('wrongLength');
  });
});
