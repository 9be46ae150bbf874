/**
 * The actor-critic in TensorFlow.js: per-tensor views of the flat parameter vector and the
 * batched forward pass. The layout and init are in params.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { layersPerHead, logStdIndex, type ParamSpec } from './params.ts';

/** The log-std tensor [actionDim] among per-ParamSpec tensors; null for a categorical head. */
export function logStdParam(params: tf.Tensor[], layout: ParamSpec[]): tf.Tensor1D | null {
  const i = logStdIndex(layout);
  return i < 0 ? null : (params[i] as tf.Tensor1D);
}

/** Views of the flat vector as per-ParamSpec tensors, in layout order. */
export function splitParams(flat: tf.Tensor1D, layout: ParamSpec[]): tf.Tensor[] {
  return tf.tidy(() => layout.map((s) => flat.slice(s.offset, s.size).reshape(s.shape)));
}

/**
 * Batched forward pass. `params` are the per-ParamSpec tensors in layout order. `actorOut` is
 * [B, numActions] logits or the [B, actionDim] Gaussian mean; the log-std is `logStdParam`.
 */
export function forward(
  params: tf.Tensor[],
  layout: ParamSpec[],
  obs: tf.Tensor2D, // [B, obsDim]
): { actorOut: tf.Tensor2D; value: tf.Tensor1D } {
  const nLayers = layersPerHead(layout);
  const mlp = (first: number): tf.Tensor2D => {
    let h = obs;
    for (let i = 0; i < nLayers; i++) {
      const w = params[first + 2 * i] as tf.Tensor2D;
      const b = params[first + 2 * i + 1];
      const z = tf.add(tf.matMul(h, w), b) as tf.Tensor2D;
      h = i + 1 < nLayers ? tf.tanh(z) : z;
    }
    return h;
  };
  return tf.tidy(() => ({
    actorOut: mlp(0), // [B, actorWidth]
    value: mlp(2 * nLayers).reshape([-1]) as tf.Tensor1D, // [B]
  }));
}
