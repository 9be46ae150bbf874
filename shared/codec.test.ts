import { describe, expect, it } from 'vitest';
import { CodecError, decodeF32, encodeF32, firstNonFinite, l2Norm } from './codec.ts';

const sample = new Float32Array([1.5, -2.25, 3e-8, 1e30, 0]);

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodecError);
    expect((e as CodecError).name).toBe('CodecError');
    return (e as CodecError).code;
  }
  throw new Error('did not throw');
}

describe('encodeF32', () => {
  it('returns the exact bytes without copying a whole-buffer array', () => {
    const buf = encodeF32(sample);
    expect(buf).toBe(sample.buffer);
    expect(buf.byteLength).toBe(20);
  });

  it('copies only the viewed part of a bigger buffer', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const buf = encodeF32(big.subarray(1, 4));
    expect(buf).not.toBe(big.buffer);
    expect(Array.from(new Float32Array(buf))).toEqual([1, 2, 3]);
  });
});

describe('decodeF32', () => {
  it('round-trips an ArrayBuffer bit-exactly', () => {
    const out = decodeF32(encodeF32(sample), sample.length);
    expect(Array.from(out)).toEqual(Array.from(sample));
  });

  it('views an aligned Node Buffer without copying', () => {
    const b = Buffer.from(encodeF32(sample));
    const out = decodeF32(b, sample.length);
    expect(out.buffer).toBe(b.buffer);
    expect(out.byteOffset).toBe(b.byteOffset);
    expect(Array.from(out)).toEqual(Array.from(sample));
  });

  it('copies unaligned Buffer views and reads the right values', () => {
    for (const offset of [1, 2, 3, 5]) {
      const backing = Buffer.alloc(offset + sample.byteLength + 3, 0xff);
      Buffer.from(sample.buffer).copy(backing, offset);
      const view = backing.subarray(offset, offset + sample.byteLength);
      const out = decodeF32(view, sample.length);
      expect(out.buffer).not.toBe(backing.buffer);
      expect(Array.from(out)).toEqual(Array.from(sample));
    }
  });

  it('reads a Uint8Array view at an aligned offset of a larger buffer', () => {
    const backing = new Uint8Array(8 + sample.byteLength);
    backing.set(new Uint8Array(sample.buffer), 8);
    const out = decodeF32(backing.subarray(8), sample.length);
    expect(out.byteOffset).toBe(8);
    expect(Array.from(out)).toEqual(Array.from(sample));
  });

  it('rejects non-binary input', () => {
    for (const bad of ['abc', 12, null, undefined, [1, 2, 3], { 0: 1 }]) {
      expect(codeOf(() => decodeF32(bad, 3))).toBe('notBinary');
    }
  });

  it('rejects a byte length that is not a multiple of 4', () => {
    expect(codeOf(() => decodeF32(new Uint8Array(7), 2))).toBe('badByteLength');
    expect(() => decodeF32(new Uint8Array(7), 2)).toThrow(/7 is not a multiple of 4/);
  });

  it('rejects a wrong element count, saying expected and got', () => {
    expect(codeOf(() => decodeF32(new ArrayBuffer(8), 3))).toBe('wrongLength');
    expect(() => decodeF32(new ArrayBuffer(8), 3)).toThrow(/expected 3 .*got 2/);
  });
});

describe('firstNonFinite and l2Norm', () => {
  it('finds the first NaN or Infinity', () => {
    expect(firstNonFinite(sample)).toBe(-1);
    expect(firstNonFinite(new Float32Array([0, 1, NaN, Infinity]))).toBe(2);
    expect(firstNonFinite(new Float32Array([0, -Infinity]))).toBe(1);
  });

  it('computes the L2 norm in float64', () => {
    expect(l2Norm(new Float32Array([3, 4]))).toBe(5);
    expect(l2Norm(new Float32Array(0))).toBe(0);
    // float32 accumulation would overflow to Infinity here
    expect(l2Norm(new Float32Array([3e30, 4e30]))).toBeCloseTo(5e30, -24);
  });

  it('counts every element whatever the length modulo 4, and is NaN when one is NaN', () => {
    for (let n = 1; n <= 9; n++) {
      const x = Float32Array.from({ length: n }, (_, i) => i + 1);
      expect(l2Norm(x)).toBeCloseTo(Math.sqrt((n * (n + 1) * (2 * n + 1)) / 6), 12);
      x[n - 1] = NaN;
      expect(l2Norm(x)).toBeNaN();
    }
  });
});
