/**
 * The actor-critic in TensorFlow.js: per-tensor views of the flat parameter vector, the batched
 * forward pass and its backward pass, written out (no autodiff tape: a quarter of the kernel
 * calls, 3x faster gradients on wasm at batch 256). The layout and init are in params.ts.
 */
// tf.reshape(x), not x.reshape(): the client bundles tfjs-core alone, which leaves the chained
// tensor methods unregistered (only the full @tensorflow/tfjs registers them).
import * as tf from '@tensorflow/tfjs-core';
import { layersPerHead, logStdIndex, type ParamSpec } from './params.ts';

/** The log-std tensor ([actionDim], or [lastHidden, actionDim] with gSDE) among per-ParamSpec tensors; null for a categorical head. */
export function logStdParam(params: tf.Tensor[], layout: ParamSpec[]): tf.Tensor | null {
  const i = logStdIndex(layout);
  return i < 0 ? null : params[i];
}

/** Views of the flat vector as per-ParamSpec tensors, in layout order. */
export function splitParams(flat: tf.Tensor1D, layout: ParamSpec[]): tf.Tensor[] {
  return tf.tidy(() => layout.map((s) => tf.reshape(tf.slice(flat, s.offset, s.size), s.shape)));
}

/**
 * `a @ b`, either side optionally transposed. The wasm backend computes transposed products with a
 * plain loop and untransposed ones with XNNPACK, so there the transpose is done first (gradients
 * 2-7x faster at batch >= 256; docs/PERFORMANCE.md); other backends transpose inside the product.
 */
function matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/**
 * tanh. The wasm backend's tanh is a scalar loop and its sigmoid an XNNPACK kernel, so there it is
 * 2 sigmoid(2x) - 1: about 7x faster (and within 3e-7 of tanh).
 */
export function tanh<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() !== 'wasm') return tf.tanh(x);
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1);
}

/**
 * One tanh MLP (actor or critic) whose layers start at `params[first]`: its output [B, out] and
 * each layer's input (`inputs[0]` is obs, `inputs[i]` the i-th hidden layer), which `mlpBackward` needs.
 */
export function mlpTrace(params: tf.Tensor[], first: number, nLayers: number, obs: tf.Tensor2D): { inputs: tf.Tensor2D[]; out: tf.Tensor2D } {
  const inputs = [obs];
  for (let i = 0; i + 1 < nLayers; i++) inputs.push(tanh(tf.add(matMul(inputs[i], params[first + 2 * i] as tf.Tensor2D), params[first + 2 * i + 1])));
  const last = first + 2 * (nLayers - 1);
  return { inputs, out: tf.add(matMul(inputs[nLayers - 1], params[last] as tf.Tensor2D), params[last + 1]) };
}

/**
 * Backpropagation through the MLP of `mlpTrace`: given dOut = dLoss/dOut [B, out], the gradients
 * [dW_0, db_0, ..., dW_L, db_L] of its parameters, in layout order. Per layer, from the last:
 *   dW_i = inputs_i^T d,  db_i = sum over rows of d,  d <- (d W_i^T) * (1 - inputs_i^2)
 * (the last factor is tanh's derivative at the hidden layer inputs_i). The row sums are a product
 * with a row of ones: on wasm, a sum over axis 0 of [256, 64] takes about 45 us, the product 11.
 */
export function mlpBackward(params: tf.Tensor[], first: number, inputs: tf.Tensor2D[], dOut: tf.Tensor2D): tf.Tensor[] {
  const grads: tf.Tensor[] = [];
  const ones = tf.ones([1, dOut.shape[0]]) as tf.Tensor2D;
  let d = dOut;
  for (let i = inputs.length - 1; i >= 0; i--) {
    grads[2 * i] = matMul(inputs[i], d, true, false);
    grads[2 * i + 1] = tf.reshape(matMul(ones, d), [-1]);
    if (i > 0) d = tf.mul(matMul(d, params[first + 2 * i] as tf.Tensor2D, false, true), tf.sub(1, tf.square(inputs[i])));
  }
  return grads;
}

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
  return tf.tidy(() => {
    const actor = mlpTrace(params, 0, nLayers, obs);
    const critic = mlpTrace(params, 2 * nLayers, nLayers, obs);
    return { actorOut: actor.out, actorHidden: actor.inputs[nLayers - 1], value: tf.reshape(critic.out, [-1]) as tf.Tensor1D };
  });
}
