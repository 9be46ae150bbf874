/**
 * The tfjs side of a worker: the policy and value parameters as tf.Variables in layout order,
 * batched inference for rollouts and one PPO gradient per minibatch. Reads from the device are
 * asynchronous (`await data()`), never dataSync: one per inference, two per gradient.
 */
// tf.reshape(x), not x.reshape(): the client bundles tfjs-core alone, which leaves the chained
// tensor methods unregistered (only the full @tensorflow/tfjs registers them).
import * as tf from '@tensorflow/tfjs-core';
import { isGsde, layersPerHead, paramCount, type ParamSpec } from './params.ts';
import { forward, logStdParam, mlpBackward, mlpTrace } from './model.ts';
import { ppoLossGrads, type LossCoefs, type PpoLossGrads } from './loss.ts';
import { actorWidth, type PolicyHead } from './policyHead.ts';
import type { PpoStats } from '../metrics.ts';

/**
 * A minibatch as plain arrays: obs [B, obsDim], actions [B, actionWidth] (the action index as a
 * float for a categorical head, the unclipped action for a Gaussian one), the rest [B].
 */
export interface MinibatchArrays {
  size: number;
  obs: Float32Array;
  actions: Float32Array;
  logpOld: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
  valuesOld: Float32Array;
}

/** One batched inference: see `Learner.act`. */
export interface PolicyOutput {
  actorOut: Float32Array; // [B, actorWidth]
  values: Float32Array; // [B]
  logStd: Float32Array; // [actionDim], with gSDE [lastHidden * actionDim]; empty for a categorical head
  /** The actor's last hidden layer [B, lastHidden] with gSDE (its noise features); empty otherwise. */
  actorHidden: Float32Array;
}


export class Learner {
  readonly vars: tf.Variable[];
  readonly numParams: number;
  /** Width of `act`'s actorHidden: the actor's last hidden layer with gSDE, else 0. */
  private readonly hiddenOut: number;

  constructor(readonly layout: ParamSpec[], params: Float32Array, readonly obsDim: number, readonly head: PolicyHead) {
    this.numParams = paramCount(layout);
    this.hiddenOut = isGsde(layout) ? layout[layout.length - 1].shape[0] : 0;
    // tidy releases the initial-value tensors; variables survive it.
    this.vars = tf.tidy(() => layout.map((p) => tf.variable(tf.tensor(params.subarray(p.offset, p.offset + p.size), p.shape), true, undefined, 'float32')));
  }

  /** Replaces every parameter with the flat vector's values (one upload per tensor). */
  setParams(flat: Float32Array): void {
    if (flat.length !== this.numParams) throw new Error(`expected ${this.numParams} params, got ${flat.length}`);
    tf.tidy(() => {
      this.layout.forEach((p, i) => this.vars[i].assign(tf.tensor(flat.subarray(p.offset, p.offset + p.size), p.shape)));
    });
  }

  /**
   * Actor outputs [B, actorWidth] (logits or Gaussian mean), values [B], the log-std and, with
   * gSDE, the actor's last hidden layer, for a batch of observations [B, obsDim] (`PolicyOutput`).
   */
  async act(obs: Float32Array, batch: number): Promise<PolicyOutput> {
    const out = tf.tidy(() => forward(this.vars, this.layout, tf.tensor2d(obs, [batch, this.obsDim])));
    try {
      return await this.read(out.actorOut, out.value, out.actorHidden, batch);
    } finally {
      tf.dispose([out.actorOut, out.value, out.actorHidden]);
    }
  }

  /** Reads the network outputs back as a `PolicyOutput`, all in one readback. */
  private async read(actorOut: tf.Tensor2D, value: tf.Tensor, actorHidden: tf.Tensor2D, batch: number): Promise<PolicyOutput> {
    const h = this.hiddenOut;
    const flat = tf.tidy(() => {
      const rows = tf.reshape(tf.concat([actorOut, tf.reshape(value, [-1, 1]), ...(h ? [actorHidden] : [])], 1), [-1]); // [B * (W + 1 + h)]
      const logStd = logStdParam(this.vars, this.layout);
      return logStd ? tf.concat([rows, tf.reshape(logStd, [-1])]) : rows;
    });
    const data = (await flat.data()) as Float32Array;
    flat.dispose();
    const w = actorWidth(this.head);
    const stride = w + 1 + h;
    const out: PolicyOutput = {
      actorOut: new Float32Array(batch * w),
      values: new Float32Array(batch),
      logStd: data.slice(batch * stride),
      actorHidden: new Float32Array(batch * h),
    };
    for (let i = 0; i < batch; i++) {
      out.actorOut.set(data.subarray(i * stride, i * stride + w), i * w);
      out.values[i] = data[i * stride + w];
      out.actorHidden.set(data.subarray(i * stride + w + 1, (i + 1) * stride), i * h);
    }
    return out;
  }

  /**
   * Flat gradient of the PPO loss at the current params, in layout order, and its statistics. The forward pass runs on the device and its outputs come back (one
   * readback); the loss and its gradient with respect to those outputs are computed in JS
   * (`ppoLossGrads`); backpropagation through both networks runs on the device (a second readback).
   * The log-std's gradient needs no device work: it comes from the JS side whole.
   */
  async gradient(mb: MinibatchArrays, coefs: LossCoefs): Promise<{ grad: Float32Array; stats: PpoStats }> {
    const n = mb.size;
    const nLayers = layersPerHead(this.layout);
    const { actor, critic } = tf.tidy(() => {
      const obs = tf.tensor2d(mb.obs, [n, this.obsDim]);
      return { actor: mlpTrace(this.vars, 0, nLayers, obs), critic: mlpTrace(this.vars, 2 * nLayers, nLayers, obs) };
    });
    let flat: tf.Tensor;
    let lossGrads: PpoLossGrads;
    try {
      lossGrads = ppoLossGrads(this.head, await this.read(actor.out, critic.out, actor.inputs[nLayers - 1], n), mb, coefs);
      flat = tf.tidy(() => {
        const dActor = mlpBackward(this.vars, 0, actor.inputs, tf.tensor2d(lossGrads.dActorOut, [n, actorWidth(this.head)]));
        const dCritic = mlpBackward(this.vars, 2 * nLayers, critic.inputs, tf.tensor2d(lossGrads.dValues, [n, 1]));
        return tf.concat([...dActor, ...dCritic].map((g) => tf.reshape(g, [-1])));
      });
    } finally {
      tf.dispose([actor, critic]);
    }
    const grad = new Float32Array(this.numParams);
    grad.set((await flat.data()) as Float32Array);
    flat.dispose();
    grad.set(lossGrads.dLogStd, this.numParams - lossGrads.dLogStd.length); // the log-std is last in the layout
    return { grad, stats: lossGrads.stats };
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
