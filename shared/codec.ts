/**
 * Binary codec for flat float vectors: float32 params and gradients, float64 statistics.
 * Bytes are the platform's float layout (little-endian on every browser and Node target).
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
  return exactBytes(x);
}

/** encodeF32's float64 twin, for small statistics vectors. */
export function encodeF64(x: Float64Array): ArrayBuffer {
  return exactBytes(x);
}

function exactBytes(x: Float32Array | Float64Array): ArrayBuffer {
  const buf = x.buffer;
  if (buf instanceof ArrayBuffer && x.byteOffset === 0 && x.byteLength === buf.byteLength) return buf;
  return x.slice().buffer as ArrayBuffer;
}

/**
 * Reads a float32 vector of `expectedLength` elements from an ArrayBuffer or any typed-array view
 * (Node's socket.io delivers Buffers). Views at an aligned offset are viewed without a copy;
 * unaligned ones are copied. Throws CodecError on anything else.
 */
export function decodeF32(bin: unknown, expectedLength: number): Float32Array {
  return decodeFloats(bin, expectedLength, Float32Array);
}

/** decodeF32's float64 twin, for small statistics vectors. */
export function decodeF64(bin: unknown, expectedLength: number): Float64Array {
  return decodeFloats(bin, expectedLength, Float64Array);
}

function decodeFloats<T extends Float32Array | Float64Array>(
  bin: unknown, expectedLength: number, Kind: { new (b: ArrayBufferLike, off: number, n: number): T; new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number },
): T {
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
  const size = Kind.BYTES_PER_ELEMENT;
  const kind = `float${size * 8}`;
  if (byteLength % size !== 0) {
    throw new CodecError('badByteLength', `byte length ${byteLength} is not a multiple of ${size} (${kind})`);
  }
  const n = byteLength / size;
  if (n !== expectedLength) {
    throw new CodecError('wrongLength', `wrong element count: expected ${expectedLength} ${kind} values, got ${n}`);
  }
  if (byteOffset % size === 0) return new Kind(buffer, byteOffset, n);
  const copy = new Uint8Array(byteLength);
  copy.set(new Uint8Array(buffer, byteOffset, byteLength));
  return new Kind(copy.buffer);
}

/** Index of the first NaN or ±Infinity in `x`, or -1 when all values are finite. */
export function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) return i;
  }
  return -1;
}

/**
 * Euclidean norm of `x`, accumulated in float64. Four running sums instead of one let the
 * additions overlap: about 3x faster in V8 (the coordinator takes one norm per push).
 */
export function l2Norm(x: Float32Array): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = x.length;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += x[i] * x[i];
    s1 += x[i + 1] * x[i + 1];
    s2 += x[i + 2] * x[i + 2];
    s3 += x[i + 3] * x[i + 3];
  }
  for (; i < n; i++) s0 += x[i] * x[i];
  return Math.sqrt(s0 + s1 + (s2 + s3));
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `an object (${Object.prototype.toString.call(v)})`;
  return typeof v;
}
