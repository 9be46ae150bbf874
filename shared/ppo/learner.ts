/**
 * The tfjs side of a worker: the policy and value parameters as tf.Variables in layout order,
 * batched inference for rollouts and one PPO gradient per minibatch. Each call reads back from
 * the device once, asynchronously (`await data()`), never with dataSync.
 */
import * as tf from '@tensorflow/tfjs';
import { isGsde, paramCount, type ParamSpec } from './params.ts';
import { forward, logStdParam } from './model.ts';
import { ppoGradient, type LossCoefs } from './loss.ts';
import { actionWidth, actorWidth, type PolicyHead } from './policyHead.ts';

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
    const h = this.hiddenOut;
    const out = tf.tidy(() => {
      const { actorOut, value, actorHidden } = forward(this.vars, this.layout, tf.tensor2d(obs, [batch, this.obsDim]));
      const rows = tf.concat([actorOut, value.expandDims(1), ...(h ? [actorHidden] : [])], 1).reshape([-1]); // [B * (W + 1 + h)]
      const logStd = logStdParam(this.vars, this.layout);
      return logStd ? tf.concat([rows, logStd.reshape([-1])]) : rows; // one readback for all
    });
    const data = (await out.data()) as Float32Array;
    out.dispose();
    const w = actorWidth(this.head);
    const stride = w + 1 + h;
    const actorOut = new Float32Array(batch * w);
    const values = new Float32Array(batch);
    const actorHidden = new Float32Array(batch * h);
    for (let i = 0; i < batch; i++) {
      actorOut.set(data.subarray(i * stride, i * stride + w), i * w);
      values[i] = data[i * stride + w];
      actorHidden.set(data.subarray(i * stride + w + 1, (i + 1) * stride), i * h);
    }
    return { actorOut, values, logStd: data.slice(batch * stride), actorHidden };
  }

  /** Flat gradient of the PPO loss at the current params, and its statistics (ppoStatNames order). */
  async gradient(mb: MinibatchArrays, coefs: LossCoefs): Promise<{ grad: Float32Array; stats: Float32Array }> {
    const batch = tf.tidy(() => ({
      obs: tf.tensor2d(mb.obs, [mb.size, this.obsDim]),
      actions: this.head.type === 'categorical'
        ? tf.tensor1d(mb.actions, 'int32') // [B]
        : tf.tensor2d(mb.actions, [mb.size, actionWidth(this.head)]), // [B, actionDim]
      logpOld: tf.tensor1d(mb.logpOld),
      advantages: tf.tensor1d(mb.advantages),
      returns: tf.tensor1d(mb.returns),
      valuesOld: tf.tensor1d(mb.valuesOld),
    }));
    const { grad, stats } = ppoGradient(this.vars, this.layout, batch, coefs);
    const out = tf.concat([grad, stats]); // one readback for both
    tf.dispose([grad, stats, ...Object.values(batch)]);
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return { grad: data.subarray(0, this.numParams), stats: data.subarray(this.numParams) };
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}
