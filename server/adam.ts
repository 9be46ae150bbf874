/**
 * Adam, in place over flat Float32Arrays, as torch.optim.Adam (no weight decay, no amsgrad):
 *   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
 *   p -= lr * m_hat / (sqrt(v_hat) + eps),  m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
 * Arithmetic per element is float64; state is stored as float32. No allocation per step.
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

export class Adam {
  /** First moment estimate. */
  readonly m: Float32Array;
  /** Second moment estimate. */
  readonly v: Float32Array;
  /** Steps taken so far. */
  t = 0;

  constructor(
    readonly size: number,
    readonly opts: AdamOptions,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** One step on `params` in place; `grad` is multiplied by `gradScale` first (global-norm clipping) and not modified. */
  step(params: Float32Array, grad: Float32Array, lr: number, gradScale = 1): void {
    if (params.length !== this.size || grad.length !== this.size) {
      throw new Error(`Adam.step: expected ${this.size} params and grads, got ${params.length} and ${grad.length}`);
    }
    const { beta1, beta2, eps } = this.opts;
    const { m, v } = this;
    this.t += 1;
    // PyTorch's form: p -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps), constants hoisted out of the loop.
    const stepSize = lr / (1 - beta1 ** this.t);
    const invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** this.t);
    const a1 = 1 - beta1;
    const a2 = 1 - beta2;
    const n = params.length;
    for (let i = 0; i < n; i++) {
      const g = grad[i] * gradScale;
      const mi = beta1 * m[i] + a1 * g;
      const vi = beta2 * v[i] + a2 * g * g;
      m[i] = mi;
      v[i] = vi;
      params[i] -= (stepSize * mi) / (Math.sqrt(vi) * invSqrtBc2 + eps);
    }
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
