/**
 * Binary codec for flat float32 vectors (params and gradients on the wire).
 * Bytes are the platform's float32 layout (little-endian on every browser and Node target).
 * Pure TS: no Node or DOM APIs, so it runs unchanged in the browser and in Node.
 */

/** Why a payload could not be decoded. */
export type CodecErrorCode = 'notBinary' | 'badByteLength' | 'wrongLength';

export class CodecError extends Error {
  override name = 'CodecError';
  constructor(
    readonly code: CodecErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The exact bytes of `x`; copies only when `x` is a view of part of a bigger (or shared) buffer. */
export function encodeF32(x: Float32Array): ArrayBuffer {
  const buf = x.buffer;
  if (buf instanceof ArrayBuffer && x.byteOffset === 0 && x.byteLength === buf.byteLength) return buf;
  return x.slice().buffer as ArrayBuffer;
}

/**
 * Reads a float32 vector of `expectedLength` elements from an ArrayBuffer or any typed-array view
 * (Node's socket.io delivers Buffers). Views at a 4-byte-aligned offset are viewed without a copy;
 * unaligned ones are copied. Throws CodecError on anything else.
 */
export function decodeF32(bin: unknown, expectedLength: number): Float32Array {
  let buffer: ArrayBufferLike;
  let byteOffset: number;
  let byteLength: number;
  if (bin instanceof ArrayBuffer) {
    buffer = bin;
    byteOffset = 0;
    byteLength = bin.byteLength;
  } else if (ArrayBuffer.isView(bin)) {
    buffer = bin.buffer;
    byteOffset = bin.byteOffset;
    byteLength = bin.byteLength;
  } else {
    throw new CodecError('notBinary', `expected binary data (ArrayBuffer or Uint8Array), got ${describe(bin)}`);
  }
  if (byteLength % 4 !== 0) {
    throw new CodecError('badByteLength', `byte length ${byteLength} is not a multiple of 4 (float32)`);
  }
  const n = byteLength / 4;
  if (n !== expectedLength) {
    throw new CodecError('wrongLength', `wrong element count: expected ${expectedLength} float32 values, got ${n}`);
  }
  if (byteOffset % 4 === 0) return new Float32Array(buffer, byteOffset, n);
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return new Float32Array(copy.buffer);
}

/** Index of the first NaN or ±Infinity in `x`, or -1 when all values are finite. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) return i;
  }
  return -1;
}

/** Euclidean norm of `x`, accumulated in float64. */
export function l2Norm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return typeof v;
}
