/**
 * The actor-critic's flat Float32 parameter vector, without TensorFlow.js (the coordinator holds
 * params flat and never loads tfjs): the layout of its tensors, orthogonal init, and a plain-JS
 * forward pass. Two separate tanh MLPs, as in CleanRL / SB3: the actor maps obs to `actorOut`
 * (action logits for a categorical head, the action mean for a Gaussian one), the critic maps obs
 * to a scalar value. A Gaussian head adds `actor.logStd`: [actionDim], a state-independent log-std
 * (CleanRL ppo_continuous_action), or with gSDE [lastHidden, actionDim], the log-std of the
 * exploration matrices (see gaussian.ts). Weights are [in, out], so a layer is `h @ w + b`.
 */
import { Rng } from '../rng.ts';
import { actorWidth, type PolicyHead } from './policyHead.ts';

/** Where one tensor of the model lives inside the flat parameter vector. */
export interface ParamSpec {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** Name of the Gaussian head's log-std parameter, last in the layout when present. */
export const LOG_STD = 'actor.logStd';

/**
 * Layout in order actor.0.w, actor.0.b, ..., actor.L.b, critic.0.w, ..., critic.L.b, then for a
 * Gaussian head actor.logStd ([actionDim], or [hiddenSizes[L - 1], actionDim] with gSDE), where
 * L = hiddenSizes.length is the (linear) output layer.
 */
export function actorCriticLayout(obsDim: number, head: PolicyHead, hiddenSizes: number[], gsde = false): ParamSpec[] {
  if (gsde && head.type !== 'gaussian') throw new Error('gSDE needs continuous actions (a Gaussian head)');
  const layout: ParamSpec[] = [];
  let offset = 0;
  const push = (name: string, shape: number[]): void => {
    const size = shape.reduce((a, b) => a * b, 1);
    layout.push({ name, shape, offset, size });
    offset += size;
  };
  for (const [net, outDim] of [['actor', actorWidth(head)], ['critic', 1]] as const) {
    const dims = [obsDim, ...hiddenSizes, outDim];
    for (let i = 0; i + 1 < dims.length; i++) {
      push(`${net}.${i}.w`, [dims[i], dims[i + 1]]);
      push(`${net}.${i}.b`, [dims[i + 1]]);
    }
  }
  if (head.type === 'gaussian') push(LOG_STD, gsde ? [hiddenSizes[hiddenSizes.length - 1], head.actionDim] : [head.actionDim]);
  return layout;
}

export function paramCount(layout: ParamSpec[]): number {
  const last = layout[layout.length - 1];
  return last ? last.offset + last.size : 0;
}

/** Number of linear layers per network (hidden layers + output layer). */
export function layersPerHead(layout: ParamSpec[]): number {
  return Math.floor(layout.length / 4); // 4 tensors per layer pair; a trailing logStd adds 1
}

/** Index of actor.logStd in the layout, or -1 for a categorical head. */
export function logStdIndex(layout: ParamSpec[]): number {
  const i = layout.length - 1;
  return i >= 0 && layout[i].name === LOG_STD ? i : -1;
}

/** Whether the layout's policy explores with gSDE (its log-std is a matrix). */
export function isGsde(layout: ParamSpec[]): boolean {
  const i = logStdIndex(layout);
  return i >= 0 && layout[i].shape.length === 2;
}

/** The log-std values ([actionDim], or [lastHidden * actionDim] with gSDE) inside the flat vector; null for a categorical head. */
export function logStdPlain(flat: Float32Array, layout: ParamSpec[]): Float32Array | null {
  const i = logStdIndex(layout);
  return i < 0 ? null : flat.subarray(layout[i].offset, layout[i].offset + layout[i].size);
}

/**
 * Orthogonal init (`orthoInit`, the default): gain sqrt(2) for hidden layers, 0.01 for the actor
 * output, 1 for the critic output; biases 0. Otherwise PyTorch's nn.Linear default, as SB3 with
 * ortho_init=False: weights and biases uniform in +-1/sqrt(fan_in). The log-std is logStdInit.
 * Deterministic in `seed` (draws in layout order).
 */
export function initParams(
  layout: ParamSpec[],
  seed: number,
  { logStdInit = 0, orthoInit = true }: { logStdInit?: number; orthoInit?: boolean } = {},
): Float32Array<ArrayBuffer> {
  const rng = new Rng(seed);
  const flat = new Float32Array(paramCount(layout));
  const ls = logStdIndex(layout);
  if (ls >= 0) flat.fill(logStdInit, layout[ls].offset, layout[ls].offset + layout[ls].size);
  const lastLayer = layersPerHead(layout) - 1;
  for (const spec of layout) {
    if (spec.name === LOG_STD) continue;
    const [head, index, kind] = spec.name.split('.');
    if (!orthoInit) {
      const bound = 1 / Math.sqrt(layout.find((p) => p.name === `${head}.${index}.w`)!.shape[0]);
      for (let i = 0; i < spec.size; i++) flat[spec.offset + i] = bound * (2 * rng.next() - 1);
      continue;
    }
    if (kind !== 'w') continue; // biases stay 0
    const isOutput = Number(index) === lastLayer;
    const gain = !isOutput ? Math.SQRT2 : head === 'actor' ? 0.01 : 1.0;
    const w = orthogonal(spec.shape[0], spec.shape[1], () => rng.normal());
    for (let i = 0; i < spec.size; i++) flat[spec.offset + i] = gain * w[i];
  }
  return flat;
}

/**
 * Row-major [rows, cols] matrix with orthonormal columns (rows >= cols) or orthonormal rows
 * (rows < cols): Gram–Schmidt (two passes) on a Gaussian matrix. Gram–Schmidt is QR with a
 * positive diagonal of R, i.e. the sign-corrected Q, so the result is Haar-distributed.
 */
export function orthogonal(rows: number, cols: number, normal: () => number): Float64Array {
  const n = Math.max(rows, cols); // vector length
  const k = Math.min(rows, cols); // number of orthonormal vectors
  const q: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = normal();
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = rows >= cols ? q[c][r] : q[r][c];
    }
  }
  return out;
}

/**
 * Plain-JS forward pass (float64 accumulation), for tests and cheap CPU inference; as `forward`,
 * with `actorHidden` the actor's last hidden layer [B, lastHidden].
 */
export function forwardPlain(
  flat: Float32Array,
  layout: ParamSpec[],
  obs: Float32Array, // [B, obsDim]
  batch: number,
): { actorOut: Float32Array<ArrayBuffer>; value: Float32Array<ArrayBuffer>; actorHidden: Float32Array<ArrayBuffer> } {
  const [actorOut, actorHidden] = mlpPlain(flat, layout, 0, obs, batch);
  return { actorOut, value: mlpPlain(flat, layout, 2 * layersPerHead(layout), obs, batch)[0], actorHidden };
}

/** `forwardPlain`'s actor alone (acting needs no value): its output and last hidden layer. */
export function actorPlain(
  flat: Float32Array, layout: ParamSpec[], obs: Float32Array, batch: number,
): { actorOut: Float32Array<ArrayBuffer>; actorHidden: Float32Array<ArrayBuffer> } {
  const [actorOut, actorHidden] = mlpPlain(flat, layout, 0, obs, batch);
  return { actorOut, actorHidden };
}

/** The tanh MLP of one head, its tensors from layout index `first`: its output and last hidden layer. */
function mlpPlain(flat: Float32Array, layout: ParamSpec[], first: number, obs: Float32Array, batch: number): [Float32Array<ArrayBuffer>, Float32Array<ArrayBuffer>] {
  const nLayers = layersPerHead(layout);
  let h: ArrayLike<number> = obs;
  let hidden: ArrayLike<number> = obs;
  let inDim = layout[first].shape[0];
  for (let i = 0; i < nLayers; i++) {
    const w = layout[first + 2 * i];
    const b = layout[first + 2 * i + 1];
    const outDim = w.shape[1];
    const z = new Float64Array(batch * outDim);
    for (let r = 0; r < batch; r++) {
      for (let o = 0; o < outDim; o++) {
        let acc = flat[b.offset + o];
        for (let k = 0; k < inDim; k++) acc += h[r * inDim + k] * flat[w.offset + k * outDim + o];
        z[r * outDim + o] = i + 1 < nLayers ? Math.tanh(acc) : acc;
      }
    }
    hidden = h;
    h = z;
    inDim = outDim;
  }
  return [Float32Array.from(h), Float32Array.from(hidden)];
}
