/**
 * Adam, in place over flat float32 arrays, as torch.optim.Adam (no weight decay, no amsgrad):
 *   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
 *   p -= lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
 * The params, the gradient and both moments live in one WebAssembly memory, and the step is a
 * WebAssembly SIMD loop over four float32 lanes (float32 arithmetic, as torch's): it takes a
 * seventh to a tenth of the time of the same loop in JavaScript, whose scalar division and square
 * root dominate (docs/PERFORMANCE.md). No allocation per step.
 */
export interface AdamOptions {
  beta1: number;
  beta2: number;
  eps: number;
}

export interface AdamState {
  m: Float32Array;
  v: Float32Array;
  t: number;
}

/**
 * The part of the WebAssembly JS API used here. Browsers and Node both provide it, but TypeScript
 * declares it only with the DOM types, which shared/ compiles without.
 */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (bytes: Uint8Array<ArrayBuffer>) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

type StepFn = (bytes: number, p: number, g: number, m: number, v: number, ...f32: number[]) => void;
type SumSquaresFn = (at: number, bytes: number) => number;

export class Adam {
  /** The parameters the steps update, in place. */
  readonly params: Float32Array;
  /** Where `step` reads the gradient; a caller may decode straight into it. */
  readonly grad: Float32Array;
  /** First moment estimate. */
  readonly m: Float32Array;
  /** Second moment estimate. */
  readonly v: Float32Array;
  /** Steps taken so far. */
  t = 0;
  private readonly run: StepFn;
  private readonly sumSquares: SumSquaresFn;
  /** Bytes per array, a multiple of 16 (one SIMD vector); the padding stays zero and never moves. */
  private readonly stride: number;

  constructor(
    readonly size: number,
    readonly opts: AdamOptions,
  ) {
    if (!Number.isInteger(size) || size < 0 || size > 2 ** 28) throw new RangeError(`Adam: size must be an integer in [0, 2^28], got ${size}`);
    this.stride = Math.ceil(size / 4) * 16;
    const memory = new wasm.Memory({ initial: Math.max(1, Math.ceil((4 * this.stride) / 65536)) });
    const exports = new wasm.Instance(adamModule(), { env: { memory } }).exports;
    this.run = exports.step as StepFn;
    this.sumSquares = exports.sumSquares as SumSquaresFn;
    const view = (k: number) => new Float32Array(memory.buffer, k * this.stride, size);
    [this.params, this.grad, this.m, this.v] = [view(0), view(1), view(2), view(3)];
  }

  /**
   * One step on `params` in place with `grad` (copied into `this.grad` unless it is that array)
   * multiplied by `gradScale` first (global-norm clipping); `grad` is not modified.
   */
  step(grad: Float32Array, lr: number, gradScale = 1): void {
    if (grad.length !== this.size) throw new Error(`Adam.step: expected ${this.size} grads, got ${grad.length}`);
    if (grad !== this.grad) this.grad.set(grad);
    const { beta1, beta2, eps } = this.opts;
    this.t += 1;
    // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), constants hoisted out of the loop.
    const stepSize = lr / (1 - beta1 ** this.t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** this.t);
    const s = this.stride;
    this.run(s, 0, s, 2 * s, 3 * s, beta1, beta2, 1 - beta1, 1 - beta2, stepSize, invSqrtBc2, eps, gradScale);
  }

  /**
   * The L2 norm of `this.grad`, summed in float64 (NaN or Infinity when an element is), in a
   * fraction of the time a JavaScript loop takes (`l2Norm` in ../codec.ts).
   */
  gradNorm(): number {
    return Math.sqrt(this.sumSquares(this.stride, this.stride));
  }

  /** Copies of the optimizer state, for checkpoints. */
  state(): AdamState {
    return { m: this.m.slice(), v: this.v.slice(), t: this.t };
  }

  /** Restores state saved by `state()`; throws if lengths or the step count do not fit. */
  loadState(s: AdamState): void {
    if (s.m.length !== this.size || s.v.length !== this.size) {
      throw new Error(`Adam.loadState: expected m and v of length ${this.size}, got ${s.m.length} and ${s.v.length}`);
    }
    if (!Number.isInteger(s.t) || s.t < 0) throw new Error(`Adam.loadState: t must be an integer >= 0, got ${s.t}`);
    this.m.set(s.m);
    this.v.set(s.v);
    this.t = s.t;
  }
}

// ---------------------------------------------------------------------------------------------
// The step and the gradient's sum of squares as a WebAssembly module, assembled here from its
// instructions (about 300 bytes):
//   step(bytes, p, g, m, v: i32; beta1, beta2, a1, a2, stepSize, invSqrtBc2, eps, gradScale: f32)
// for (i = 0; i < bytes; i += 16), four float32 lanes at a time:
//   g' = g[i] * gradScale;  m[i] = beta1 m[i] + a1 g';  v[i] = beta2 v[i] + a2 g' g'
//   p[i] -= stepSize m[i] / (sqrt(v[i]) invSqrtBc2 + eps)
//   sumSquares(at, bytes: i32) -> f64
// for (i = 0; i < bytes; i += 16): both halves of four float32 lanes widened to float64 pairs,
// squared and added to two float64x2 sums; returns the four lanes' total.

let compiled: object | null = null;

function adamModule(): object {
  compiled ??= new wasm.Module(assembleAdam());
  return compiled;
}

function assembleAdam(): Uint8Array<ArrayBuffer> {
  const leb = (n: number): number[] => {
    const out: number[] = [];
    do {
      const b = n & 0x7f;
      n >>>= 7;
      out.push(n ? b | 0x80 : b);
    } while (n);
    return out;
  };
  // The names are ASCII: one byte per character.
  const name = (s: string) => [...leb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
  const vec = (items: number[][]) => [...leb(items.length), ...items.flat()];
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const [I32, F64, F32, V128] = [0x7f, 0x7c, 0x7d, 0x7b];
  // Locals: the 13 arguments, then i (i32) and three v128 temporaries.
  const [BYTES, P, G, M, V, BETA1, BETA2, A1, A2, STEP, INV_SQRT_BC2, EPS, SCALE, I, GS, MI, VI] = Array.from({ length: 17 }, (_, k) => k);
  const get = (l: number) => [0x20, l];
  const set = (l: number) => [0x21, l];
  const simd = (op: number) => [0xfd, ...leb(op)];
  const ALIGN16 = [4, 0]; // memarg: 2^4-byte alignment, offset 0
  const at = (base: number) => [...get(base), ...get(I), 0x6a]; // base + i (i32.add)
  const load = (base: number) => [...at(base), ...simd(0x00), ...ALIGN16]; // v128.load
  const store = (base: number, value: number[]) => [...at(base), ...value, ...simd(0x0b), ...ALIGN16]; // v128.store
  const splat = (l: number) => [...get(l), ...simd(0x13)]; // f32x4.splat
  const [SQRT, ADD, SUB, MUL, DIV] = [simd(0xe3), simd(0xe4), simd(0xe5), simd(0xe6), simd(0xe7)]; // f32x4.*
  const body = [
    ...vec([[1, I32], [3, V128]]),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(I), ...get(BYTES), 0x4f, 0x0d, 1, // if i >= bytes (i32.ge_u): leave the block (br_if 1)
    ...load(G), ...splat(SCALE), ...MUL, ...set(GS),
    ...splat(BETA1), ...load(M), ...MUL, ...splat(A1), ...get(GS), ...MUL, ...ADD, ...set(MI),
    ...splat(BETA2), ...load(V), ...MUL, ...splat(A2), ...get(GS), ...get(GS), ...MUL, ...MUL, ...ADD, ...set(VI),
    ...store(M, get(MI)),
    ...store(V, get(VI)),
    ...store(P, [...load(P), ...splat(STEP), ...get(MI), ...MUL, ...get(VI), ...SQRT, ...splat(INV_SQRT_BC2), ...MUL, ...splat(EPS), ...ADD, ...DIV, ...SUB]),
    ...get(I), 0x41, 16, 0x6a, ...set(I), // i += 16 (i32.const, i32.add)
    0x0c, 0, // br to the loop
    0x0b, 0x0b, 0x0b, // end loop, end block, end function
  ];
  // sumSquares's locals: its 2 arguments, then i (i32) and four v128 (two sums, the loaded lanes, a widened pair).
  const [AT, SQ_BYTES, J, SUM0, SUM1, X, W] = Array.from({ length: 7 }, (_, k) => k);
  const [PROMOTE_LOW, F64X2_ADD, F64X2_MUL] = [simd(0x5f), simd(0xf0), simd(0xf2)];
  const HIGH_TO_LOW = [...simd(0x0d), 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]; // i8x16.shuffle: lanes 2-3 to 0-1
  const addSquares = (sum: number, widen: number[]) => [...get(sum), ...widen, 0x22, W, ...get(W), ...F64X2_MUL, ...F64X2_ADD, ...set(sum)]; // local.tee W
  const sumSquaresBody = [
    ...vec([[1, I32], [4, V128]]),
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(J), ...get(SQ_BYTES), 0x4f, 0x0d, 1, // if j >= bytes: leave the block
    ...get(AT), ...get(J), 0x6a, ...simd(0x00), ...ALIGN16, ...set(X), // x = v128.load(at + j)
    ...addSquares(SUM0, [...get(X), ...PROMOTE_LOW]),
    ...addSquares(SUM1, [...get(X), ...get(X), ...HIGH_TO_LOW, ...PROMOTE_LOW]),
    ...get(J), 0x41, 16, 0x6a, ...set(J), // j += 16
    0x0c, 0, // br to the loop
    0x0b, 0x0b, // end loop, end block
    ...get(SUM0), ...get(SUM1), ...F64X2_ADD, 0x22, W, ...simd(0x21), 0, ...get(W), ...simd(0x21), 1, 0xa0, // lane 0 + lane 1 (f64x2.extract_lane, f64.add)
    0x0b, // end function
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([
      [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], ...Array.from({ length: 8 }, () => [F32])]), 0], // type 0: step
      [0x60, ...vec([[I32], [I32]]), ...vec([[F64]])], // type 1: sumSquares
    ])),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]])), // import env.memory, at least 1 page
    ...section(3, vec([[0], [1]])), // function k has type k
    ...section(7, vec([[...name('step'), 0x00, 0], [...name('sumSquares'), 0x00, 1]])), // exports
    ...section(10, vec([[...leb(body.length), ...body], [...leb(sumSquaresBody.length), ...sumSquaresBody]])), // code
  ]);
}
