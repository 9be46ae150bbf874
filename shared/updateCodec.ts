/**
 * Wire codecs for gradient updates (worker -> coordinator), with error feedback for the lossy ones.
 * Pure TS: no Node or DOM APIs. All multi-byte values are little-endian (the platform layout on
 * every browser and Node target, as in codec.ts). For a vector of n floats:
 *
 * - 'fp32': n float32 values, 4n bytes (exactly encodeF32's bytes).
 * - 'fp16': n IEEE 754 binary16 values as uint16 bit patterns, 2n bytes. Rounding is to nearest,
 *   ties to even; magnitudes that round past 65504 become ±Infinity; NaN stays NaN; values below
 *   2^-14 become subnormals (smallest 2^-24), below 2^-25 they flush to ±0.
 * - 'int8': blockwise absmax quantization with B = 256 values per block (the last block may be
 *   shorter), nb = ceil(n / 256) blocks, 4*nb + n bytes:
 *     bytes [0, 4*nb)          float32 scale[b] = absmax(block b) / 127 (4-byte aligned)
 *     bytes [4*nb, 4*nb + n)   int8 q[i] = clamp(round(x[i] / scale[b]), -127, 127), b = floor(i / 256)
 *   Decoding gives q[i] * scale[b]. An all-zero block has scale 0. A block holding NaN or ±Infinity
 *   gets scale NaN (its q are 0), so every value of that block decodes to NaN and the server's
 *   non-finite check rejects the update: non-finite input never turns into a number.
 */
import { CodecError, encodeF32, firstNonFinite } from './codec.ts';

export type UpdateCodec = 'fp32' | 'fp16' | 'int8';
export const UPDATE_CODECS: readonly UpdateCodec[] = ['fp32', 'fp16', 'int8'];

/** Values per int8 quantization block. */
export const INT8_BLOCK = 256;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to `v` (ties to even). */
export function f32ToF16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // Inf / quiet NaN
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below 2^-25: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rem = m & ((half << 1) - 1);
    let h = m >>> shift;
    if (rem > half || (rem === half && (h & 1) !== 0)) h++; // may carry into the smallest normal
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) !== 0)) h++; // may carry up to 0x7c00 = Infinity
  return sign | h;
}

/** The float value of a binary16 bit pattern (exact). */
export function f16BitsToF32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    const v = mant * 5.960464477539063e-8; // subnormal or zero: mant * 2^-24, exact
    return sign !== 0 ? -v : v;
  }
  u32[0] = sign | (exp === 31 ? 0x7f800000 : (exp + 112) << 23) | (mant << 13);
  return f32[0];
}

/** The exact wire size in bytes of an n-float update under `codec`. */
export function updateBytes(codec: UpdateCodec, n: number): number {
  if (codec === 'fp32') return 4 * n;
  if (codec === 'fp16') return 2 * n;
  return n + 4 * Math.ceil(n / INT8_BLOCK);
}

/** The wire bytes of `x`. fp32 may return `x.buffer` itself (see encodeF32); the others are fresh. */
export function encodeUpdate(codec: UpdateCodec, x: Float32Array): ArrayBuffer {
  if (codec === 'fp32') return encodeF32(x);
  const out = new ArrayBuffer(updateBytes(codec, x.length));
  if (codec === 'fp16') {
    const h = new Uint16Array(out);
    for (let i = 0; i < x.length; i++) h[i] = f32ToF16Bits(x[i]);
  } else {
    const nb = Math.ceil(x.length / INT8_BLOCK);
    encodeInt8(x, new Float32Array(out, 0, nb), new Int8Array(out, 4 * nb, x.length));
  }
  return out;
}

function encodeInt8(x: Float32Array, scales: Float32Array, q: Int8Array): void {
  for (let b = 0; b < scales.length; b++) {
    const start = b * INT8_BLOCK;
    const end = Math.min(start + INT8_BLOCK, x.length);
    let absmax = 0;
    let finite = true;
    for (let i = start; i < end; i++) {
      const a = Math.abs(x[i]);
      if (a > absmax) absmax = a;
      else if (a !== a) finite = false;
    }
    const scale = finite && absmax !== Infinity ? Math.fround(absmax / 127) : NaN;
    scales[b] = scale;
    // scale NaN (non-finite block) or 0 (zeros, or absmax < 127 * 2^-149): leave q = 0
    if (!(scale > 0)) continue;
    for (let i = start; i < end; i++) {
      const r = Math.round(x[i] / scale);
      q[i] = r > 127 ? 127 : r < -127 ? -127 : r;
    }
  }
}

/**
 * Decodes `bin` (an ArrayBuffer or any ArrayBufferView, e.g. a Node Buffer at any byteOffset) into
 * the caller-owned `out`, whose length is the expected element count, and returns `out`. Every codec
 * copies into `out` (fp32 too, so the result never aliases the socket's buffer); nothing else of
 * size n is allocated. Throws CodecError: 'notBinary', 'badByteLength' (no n gives that size under
 * `codec`), or 'wrongLength' (a valid size, but for another n).
 */
export function decodeUpdateInto(codec: UpdateCodec, bin: unknown, out: Float32Array): Float32Array {
  const bytes = asBytes(bin);
  const n = out.length;
  const got = elementCount(codec, bytes.byteLength);
  if (got !== n) {
    throw new CodecError('wrongLength', `wrong element count: expected ${n} ${codec} values, got ${got}`);
  }
  if (codec === 'fp32') {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  } else if (codec === 'fp16') {
    if (bytes.byteOffset % 2 === 0) {
      const h = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(h[i]);
    } else {
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
    }
  } else {
    decodeInt8(bytes, out);
  }
  return out;
}

function decodeInt8(bytes: Uint8Array, out: Float32Array): void {
  const n = out.length;
  const nb = Math.ceil(n / INT8_BLOCK);
  const q = new Int8Array(bytes.buffer, bytes.byteOffset + 4 * nb, n);
  const aligned = bytes.byteOffset % 4 === 0;
  const scales = aligned ? new Float32Array(bytes.buffer, bytes.byteOffset, nb) : null;
  const dv = aligned ? null : new DataView(bytes.buffer, bytes.byteOffset, 4 * nb);
  for (let b = 0; b < nb; b++) {
    const scale = scales !== null ? scales[b] : dv!.getFloat32(4 * b, true);
    const end = Math.min((b + 1) * INT8_BLOCK, n);
    for (let i = b * INT8_BLOCK; i < end; i++) out[i] = q[i] * scale;
  }
}

/** The n whose wire size under `codec` is `byteLength`; throws 'badByteLength' when there is none. */
function elementCount(codec: UpdateCodec, byteLength: number): number {
  if (codec === 'int8') {
    // size(n) = n + 4*ceil(n/256) is strictly increasing; nb = ceil(L/260) is the only candidate.
    const nb = Math.ceil(byteLength / (INT8_BLOCK + 4));
    const n = byteLength - 4 * nb;
    if (n >= 0 && Math.ceil(n / INT8_BLOCK) === nb) return n;
    throw new CodecError('badByteLength', `byte length ${byteLength} is not a valid int8 update size (n + 4*ceil(n/${INT8_BLOCK}))`);
  }
  const size = codec === 'fp32' ? 4 : 2;
  if (byteLength % size !== 0) {
    throw new CodecError('badByteLength', `byte length ${byteLength} is not a multiple of ${size} (${codec})`);
  }
  return byteLength / size;
}

function asBytes(bin: unknown): Uint8Array {
  if (bin instanceof ArrayBuffer) return new Uint8Array(bin);
  if (ArrayBuffer.isView(bin)) return new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength);
  const what = bin === null ? 'null' : Array.isArray(bin) ? 'an array' : typeof bin;
  throw new CodecError('notBinary', `expected binary data (ArrayBuffer or typed array view), got ${what}`);
}

/**
 * Error feedback for lossy codecs (error-feedback SGD / 1-bit SGD): each update sends
 * c = g + residual and keeps residual = c - decode(encode(c)), so quantization error is carried
 * into the next update instead of being lost. Summed over steps, decoded = inputs - final residual.
 * fp32 is lossless: the residual stays zero. If g has a non-finite value it is encoded as-is (the
 * server rejects it) and the residual is left unchanged; likewise when c encodes to a non-finite
 * value (fp16 overflow past 65504), so one bad update never poisons later ones.
 */
export class ErrorFeedback {
  /** The error carried into the next update; read-only for callers. */
  readonly residual: Float32Array;
  private readonly corrected: Float32Array;
  private readonly decoded: Float32Array;

  constructor(
    readonly codec: UpdateCodec,
    readonly n: number,
  ) {
    this.residual = new Float32Array(n);
    this.corrected = new Float32Array(codec === 'fp32' ? 0 : n);
    this.decoded = new Float32Array(codec === 'fp32' ? 0 : n);
  }

  /** The wire bytes for gradient `g` (length n) plus the carried residual. */
  encode(g: Float32Array): ArrayBuffer {
    if (g.length !== this.n) {
      throw new CodecError('wrongLength', `wrong element count: expected ${this.n} values, got ${g.length}`);
    }
    if (this.codec === 'fp32' || firstNonFinite(g) >= 0) return encodeUpdate(this.codec, g);
    const c = this.corrected;
    const r = this.residual;
    for (let i = 0; i < c.length; i++) c[i] = g[i] + r[i];
    const bytes = encodeUpdate(this.codec, c);
    const d = decodeUpdateInto(this.codec, bytes, this.decoded);
    if (firstNonFinite(d) >= 0) return bytes;
    for (let i = 0; i < r.length; i++) r[i] = c[i] - d[i];
    return bytes;
  }

  /** Forgets the carried error (e.g. after the worker reloads parameters). */
  reset(): void {
    this.residual.fill(0);
  }
}
