/**
 * The actor-critic in TensorFlow.js: per-tensor views of the flat parameter vector and the
 * batched forward pass. The layout and init are in params.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { layersPerHead, logStdIndex, type ParamSpec } from './params.ts';

/** The log-std tensor ([actionDim], or [lastHidden, actionDim] with gSDE) among per-ParamSpec tensors; null for a categorical head. */
export function logStdParam(params: tf.Tensor[], layout: ParamSpec[]): tf.Tensor | null {
  const i = logStdIndex(layout);
  return i < 0 ? null : params[i];
}

/** Views of the flat vector as per-ParamSpec tensors, in layout order. */
export function splitParams(flat: tf.Tensor1D, layout: ParamSpec[]): tf.Tensor[] {
  return tf.tidy(() => layout.map((s) => flat.slice(s.offset, s.size).reshape(s.shape)));
}

/**
 * `x @ w` whose backward pass multiplies only untransposed matrices: dx = dy @ transpose(w),
 * dw = transpose(x) @ dy. tfjs's own gradient asks for transposed products, which the wasm backend
 * computes with a plain loop; untransposed ones go to XNNPACK (gradients 2-7x faster at batch >= 256; docs/PERFORMANCE.md).
 */
export const matMulUntransposed = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor2D, [xs, ws]: tf.Tensor2D[]) => [tf.matMul(dy, ws.transpose()), tf.matMul(xs.transpose(), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * tanh(x) = 2 sigmoid(2x) - 1, with the gradient dy (1 - y^2). The wasm backend's tanh is a scalar
 * loop, its sigmoid an XNNPACK kernel: this is about 7x faster there (and within 3e-7 of tanh).
 */
export const tanhViaSigmoid = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const y = tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
  save([y]);
  return { value: y, gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) => tf.mul(dy, tf.sub(1, tf.square(ys))) };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;

/** Identity whose gradient is zero (tfjs has no stop_gradient op). */
export const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as <T extends tf.Tensor>(x: T) => T;

/**
 * Batched forward pass. `params` are the per-ParamSpec tensors in layout order. `actorOut` is
 * [B, numActions] logits or the [B, actionDim] Gaussian mean, `actorHidden` the actor's last
 * hidden layer [B, lastHidden] (gSDE's features); the log-std is `logStdParam`.
 */
export function forward(
  params: tf.Tensor[],
  layout: ParamSpec[],
  obs: tf.Tensor2D, // [B, obsDim]
): { actorOut: tf.Tensor2D; value: tf.Tensor1D; actorHidden: tf.Tensor2D } {
  const nLayers = layersPerHead(layout);
  // On wasm, the two ops above keep the forward and backward passes on XNNPACK; other backends
  // do transposed products and tanh natively, so they keep tfjs's own ops.
  const wasm = tf.getBackend() === 'wasm';
  const matMul = wasm ? matMulUntransposed : (a: tf.Tensor2D, b: tf.Tensor2D) => tf.matMul(a, b);
  const tanh = wasm ? tanhViaSigmoid : tf.tanh;
  const mlp = (first: number): [tf.Tensor2D, tf.Tensor2D] => {
    let h = obs;
    for (let i = 0; i + 1 < nLayers; i++) h = tanh(tf.add(matMul(h, params[first + 2 * i] as tf.Tensor2D), params[first + 2 * i + 1]) as tf.Tensor2D);
    const last = first + 2 * (nLayers - 1);
    return [tf.add(matMul(h, params[last] as tf.Tensor2D), params[last + 1]) as tf.Tensor2D, h];
  };
  return tf.tidy(() => {
    const [actorOut, actorHidden] = mlp(0); // [B, actorWidth], [B, lastHidden]
    return { actorOut, actorHidden, value: mlp(2 * nLayers)[0].reshape([-1]) as tf.Tensor1D }; // value [B]
  });
}
