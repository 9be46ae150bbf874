/**
 * The outer optimizer of local mode: SGD along each accepted delta (a tab's params after its
 * local epochs minus before, so already a descent direction), with optional Nesterov momentum as
 * in DiLoCo's outer step. With the delta as the negated gradient, PyTorch's SGD(nesterov=True) is
 *   velocity = momentum * velocity + delta
 *   params  += lr * (delta + momentum * velocity)
 * and with momentum 0 it is params += lr * delta.
 */
export class OuterSgd {
  /** Momentum buffer; all zeros while momentum is 0. */
  readonly velocity: Float32Array;

  constructor(size: number, readonly momentum: number) {
    this.velocity = new Float32Array(size);
  }

  step(params: Float32Array, delta: Float32Array, lr: number): void {
    const mu = this.momentum;
    const vel = this.velocity;
    if (mu === 0) {
      for (let i = 0; i < params.length; i++) params[i] += lr * delta[i];
      return;
    }
    for (let i = 0; i < params.length; i++) {
      const v = mu * vel[i] + delta[i];
      vel[i] = v;
      params[i] += lr * (delta[i] + mu * v);
    }
  }
}
