import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { configFor } from '../config.ts';
import { envSpec } from '../envs/registry.ts';
import { Rng } from '../rng.ts';
import { actorCriticLayout, forwardPlain, initParams, isGsde, logStdPlain, orthogonal, paramCount, type ParamSpec } from './params.ts';
import { forward, logStdParam, mlpBackward, mlpTrace, splitParams, tanh } from './model.ts';
import { policyHead, type PolicyHead } from './policyHead.ts';
import { syntheticGradient } from './synthetic.ts';

const cat = (numActions: number): PolicyHead => ({ type: 'categorical', numActions });
const gauss = (actionDim: number): PolicyHead => ({ type: 'gaussian', actionDim, low: new Array(actionDim).fill(-1), high: new Array(actionDim).fill(1) });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function spec(layout: ParamSpec[], name: string): ParamSpec {
  const s = layout.find((p) => p.name === name);
  if (!s) throw new Error(`no ${name}`);
  return s;
}

/** G = M^T M for a row-major [rows, cols] matrix M (float64). */
function gram(m: ArrayLike<number>, rows: number, cols: number): number[][] {
  const g = Array.from({ length: cols }, () => new Array<number>(cols).fill(0));
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) for (let r = 0; r < rows; r++) g[i][j] += m[r * cols + i] * m[r * cols + j];
  return g;
}

function transpose(m: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

function expectScaledIdentity(g: number[][], scale: number, tol: number): void {
  for (let i = 0; i < g.length; i++) {
    for (let j = 0; j < g.length; j++) expect(Math.abs(g[i][j] - (i === j ? scale : 0))).toBeLessThan(tol);
  }
}

describe('actorCriticLayout', () => {
  it('lays out actor then critic tensors contiguously with [in, out] weights', () => {
    const layout = actorCriticLayout(4, cat(2), [64, 64]);
    expect(layout.map((p) => p.name)).toEqual([
      'actor.0.w', 'actor.0.b', 'actor.1.w', 'actor.1.b', 'actor.2.w', 'actor.2.b',
      'critic.0.w', 'critic.0.b', 'critic.1.w', 'critic.1.b', 'critic.2.w', 'critic.2.b',
    ]);
    expect(layout.map((p) => p.shape)).toEqual([[4, 64], [64], [64, 64], [64], [64, 2], [2], [4, 64], [64], [64, 64], [64], [64, 1], [1]]);
    let offset = 0;
    for (const p of layout) {
      expect(p.offset).toBe(offset);
      expect(p.size).toBe(p.shape.reduce((a, b) => a * b, 1));
      offset += p.size;
    }
    // actor 4*64+64 + 64*64+64 + 64*2+2 = 4610, critic 4*64+64 + 64*64+64 + 64+1 = 4545
    expect(paramCount(layout)).toBe(9155);
  });

  it('handles one hidden layer', () => {
    const layout = actorCriticLayout(3, cat(5), [7]);
    expect(layout.map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      'actor.0.w:3x7', 'actor.0.b:7', 'actor.1.w:7x5', 'actor.1.b:5', 'critic.0.w:3x7', 'critic.0.b:7', 'critic.1.w:7x1', 'critic.1.b:1',
    ]);
    expect(paramCount(layout)).toBe(3 * 7 + 7 + 7 * 5 + 5 + 3 * 7 + 7 + 7 + 1);
  });

  it('a Gaussian head outputs the mean [actionDim] and appends actor.logStd [actionDim], initialised to 0', () => {
    const layout = actorCriticLayout(3, gauss(2), [7]);
    expect(layout.map((p) => `${p.name}:${p.shape.join('x')}`)).toEqual([
      'actor.0.w:3x7', 'actor.0.b:7', 'actor.1.w:7x2', 'actor.1.b:2', 'critic.0.w:3x7', 'critic.0.b:7', 'critic.1.w:7x1', 'critic.1.b:1', 'actor.logStd:2',
    ]);
    expect(paramCount(layout)).toBe(3 * 7 + 7 + 7 * 2 + 2 + 3 * 7 + 7 + 7 + 1 + 2);
    const flat = initParams(layout, 3);
    const logStd = logStdPlain(flat, layout)!;
    expect(Array.from(logStd)).toEqual([0, 0]);
    expect(logStd.byteOffset / 4).toBe(spec(layout, 'actor.logStd').offset);
    // init is as for a categorical head: orthogonal output weights with gain 0.01, nonzero
    const w = spec(layout, 'actor.1.w');
    expect(flat.subarray(w.offset, w.offset + w.size).some((v) => v !== 0)).toBe(true);
    expect(logStdPlain(flat, actorCriticLayout(3, cat(2), [7]))).toBeNull();
    expect(isGsde(layout)).toBe(false);
  });

  it('with gSDE, actor.logStd is [lastHidden, actionDim], filled with logStdInit', () => {
    const layout = actorCriticLayout(3, gauss(2), [7, 5], true);
    expect(`${layout.at(-1)!.name}:${layout.at(-1)!.shape.join('x')}`).toBe('actor.logStd:5x2');
    expect(isGsde(layout)).toBe(true);
    expect(paramCount(layout)).toBe(paramCount(actorCriticLayout(3, gauss(2), [7, 5])) - 2 + 10);
    expect(Array.from(logStdPlain(initParams(layout, 1, { logStdInit: -2 }), layout)!)).toEqual(new Array(10).fill(-2));
    expect(() => actorCriticLayout(3, cat(2), [7], true)).toThrow(/gSDE needs continuous actions/);
  });
});

describe('initParams', () => {
  it('is orthogonal with the right gains (wide, square, tall) and zero biases', () => {
    // obs 4 -> 64 is wide, 64 -> 64 square, 64 -> 2 and 64 -> 1 tall; 100 -> 8 tall hidden.
    for (const [obsDim, hidden] of [[4, [64, 64]], [100, [8]]] as const) {
      const layout = actorCriticLayout(obsDim, cat(2), [...hidden]);
      const flat = initParams(layout, 7);
      const last = hidden.length;
      for (const p of layout) {
        const values = flat.subarray(p.offset, p.offset + p.size);
        if (p.shape.length === 1) {
          expect(values.every((v) => v === 0)).toBe(true);
          continue;
        }
        const [head, index] = p.name.split('.');
        const gain = Number(index) < last ? Math.SQRT2 : head === 'actor' ? 0.01 : 1;
        const [rows, cols] = p.shape;
        const g = rows >= cols ? gram(values, rows, cols) : gram(transpose(values, rows, cols), cols, rows);
        expectScaledIdentity(g, gain * gain, 1e-5 * gain * gain);
      }
    }
  });

  it('without orthoInit, weights and biases are uniform in +-1/sqrt(fan_in) (PyTorch nn.Linear)', () => {
    const layout = actorCriticLayout(4, gauss(1), [64, 64]);
    const flat = initParams(layout, 7, { orthoInit: false, logStdInit: -3 });
    for (const p of layout) {
      const values = Array.from(flat.subarray(p.offset, p.offset + p.size));
      if (p.name === 'actor.logStd') {
        expect(values).toEqual([-3]);
        continue;
      }
      const fanIn = p.name.startsWith('critic.0') || p.name.startsWith('actor.0') ? 4 : 64;
      const bound = 1 / Math.sqrt(fanIn);
      expect(Math.max(...values.map(Math.abs)), p.name).toBeLessThanOrEqual(bound);
      if (p.size >= 64) {
        expect(Math.max(...values), p.name).toBeGreaterThan(0.8 * bound); // spread over the whole range
        expect(Math.min(...values), p.name).toBeLessThan(-0.8 * bound);
        expect(Math.abs(values.reduce((a, b) => a + b, 0) / p.size), p.name).toBeLessThan(bound / 4);
      }
    }
  });

  it('is deterministic in the seed and differs across seeds', () => {
    const layout = actorCriticLayout(4, cat(2), [16, 16]);
    expect(initParams(layout, 3)).toEqual(initParams(layout, 3));
    expect(initParams(layout, 3)).not.toEqual(initParams(layout, 4));
  });

  it('orthogonal() has both signs on the diagonal (sign correction keeps it Haar, not biased)', () => {
    const rng = new Rng(11);
    let positive = 0;
    let total = 0;
    for (let k = 0; k < 20; k++) {
      const q = orthogonal(8, 8, () => rng.normal());
      for (let i = 0; i < 8; i++) {
        total++;
        if (q[i * 8 + i] > 0) positive++;
      }
    }
    expect(positive / total).toBeGreaterThan(0.3);
    expect(positive / total).toBeLessThan(0.7);
  });
});

describe('forward', () => {
  it('tf forward equals forwardPlain and splitParams slices in layout order', () => {
    const layout = actorCriticLayout(5, cat(3), [16, 8]);
    const rng = new Rng(5);
    const flat = Float32Array.from({ length: paramCount(layout) }, () => 0.5 * rng.normal());
    const batch = 6;
    const obs = Float32Array.from({ length: batch * 5 }, () => rng.normal());

    const flatT = tf.tensor1d(flat);
    const params = splitParams(flatT, layout);
    const s = spec(layout, 'critic.1.w');
    expect(params[layout.indexOf(s)].shape).toEqual([16, 8]);
    expect(params[layout.indexOf(s)].dataSync()[3]).toBe(flat[s.offset + 3]);

    const obsT = tf.tensor2d(obs, [batch, 5]);
    const out = forward(params, layout, obsT);
    expect(out.actorOut.shape).toEqual([batch, 3]);
    expect(out.value.shape).toEqual([batch]);
    const ref = forwardPlain(flat, layout, obs, batch);
    expect(ref.actorOut.length).toBe(batch * 3);
    expect(ref.value.length).toBe(batch);
    const actorOut = out.actorOut.dataSync();
    const value = out.value.dataSync();
    for (let i = 0; i < ref.actorOut.length; i++) expect(actorOut[i]).toBeCloseTo(ref.actorOut[i], 4);
    for (let i = 0; i < ref.value.length; i++) expect(value[i]).toBeCloseTo(ref.value[i], 4);
    // the heads really differ (catches actor/critic offsets mixed up)
    expect(Math.abs(ref.value[0] - ref.actorOut[0])).toBeGreaterThan(1e-3);
    expect(out.actorHidden.shape).toEqual([batch, 8]); // the actor's last hidden layer
    const hidden = out.actorHidden.dataSync();
    for (let i = 0; i < ref.actorHidden.length; i++) expect(hidden[i]).toBeCloseTo(ref.actorHidden[i], 4);
    tf.dispose([flatT, obsT, out.actorOut, out.value, out.actorHidden, ...params]);
  });

  it('Gaussian head: tf forward equals forwardPlain and logStdParam is the logStd slice', () => {
    const layout = actorCriticLayout(5, gauss(3), [16, 8]);
    const rng = new Rng(6);
    const flat = Float32Array.from({ length: paramCount(layout) }, () => 0.5 * rng.normal());
    const batch = 4;
    const obs = Float32Array.from({ length: batch * 5 }, () => rng.normal());
    const flatT = tf.tensor1d(flat);
    const params = splitParams(flatT, layout);
    const obsT = tf.tensor2d(obs, [batch, 5]);
    const out = forward(params, layout, obsT);
    expect(out.actorOut.shape).toEqual([batch, 3]);
    const ref = forwardPlain(flat, layout, obs, batch);
    const mean = out.actorOut.dataSync();
    const value = out.value.dataSync();
    for (let i = 0; i < ref.actorOut.length; i++) expect(mean[i]).toBeCloseTo(ref.actorOut[i], 4);
    for (let i = 0; i < batch; i++) expect(value[i]).toBeCloseTo(ref.value[i], 4);
    const logStd = logStdParam(params, layout)!;
    expect(logStd.shape).toEqual([3]);
    const s = spec(layout, 'actor.logStd');
    expect(Array.from(logStd.dataSync())).toEqual(Array.from(flat.subarray(s.offset, s.offset + 3)));
    expect(Array.from(logStdPlain(flat, layout)!)).toEqual(Array.from(flat.subarray(s.offset, s.offset + 3)));
    expect(logStdParam(params.slice(0, -1), actorCriticLayout(5, cat(3), [16, 8]))).toBeNull();
    tf.dispose([flatT, obsT, out.actorOut, out.value, out.actorHidden, ...params]);
  });

  it('forward leaves no tensors behind (both heads)', () => {
    for (const head of [cat(2), gauss(2)]) {
      const layout = actorCriticLayout(4, head, [8, 8]);
      const flatT = tf.tensor1d(initParams(layout, 1));
      const params = splitParams(flatT, layout);
      const obsT = tf.zeros([3, 4]) as tf.Tensor2D;
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) {
        const out = forward(params, layout, obsT);
        tf.dispose([out.actorOut, out.value, out.actorHidden]);
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([flatT, obsT, ...params]);
    }
  });
});

describe('the hand-written backward pass and the wasm ops', () => {
  const rng = new Rng(3);
  const close = (a: tf.Tensor, b: tf.Tensor, tol: number) => {
    const [x, y] = [a.dataSync(), b.dataSync()];
    expect(x.length).toBe(y.length);
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(tol * (1 + Math.abs(y[i])));
  };

  const onWasm = async (fn: () => void | Promise<void>) => {
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    await tf.setBackend('wasm');
    try {
      await fn();
    } finally {
      await tf.setBackend('cpu');
    }
  };

  it('mlpBackward equals autodiff of the MLP (both backends)', async () => {
    const layout = actorCriticLayout(3, cat(4), [6, 5]);
    const flat = Array.from({ length: paramCount(layout) }, () => rng.normal());
    const obsValues = Array.from({ length: 7 * 3 }, () => rng.normal());
    const dOutValues = Array.from({ length: 7 * 4 }, () => rng.normal());
    const check = () => {
      const params = splitParams(tf.tensor1d(flat), layout).slice(0, 6); // the actor's 3 layers
      const obs = tf.tensor2d(obsValues, [7, 3]);
      const dOut = tf.tensor2d(dOutValues, [7, 4]);
      const ours = mlpBackward(params, 0, mlpTrace(params, 0, 3, obs).inputs, dOut);
      const autodiff = tf.grads((...p: tf.Tensor[]) => tf.sum(tf.mul(mlpTrace(p, 0, 3, obs).out, dOut)))(params, tf.scalar(1));
      expect(ours.map((g) => g.shape)).toEqual(params.map((p) => p.shape));
      ours.forEach((g, i) => close(g, autodiff[i], 1e-5));
    };
    check();
    await onWasm(check);
  });

  it('tanh on wasm (2 sigmoid(2x) - 1) is tanh within 3e-7', async () => {
    const values = [...Array.from({ length: 50 }, () => 3 * rng.normal()), 0, 1e-4, -1e-4, 20, -20];
    const reference = tf.tanh(tf.tensor1d(values)).dataSync();
    await onWasm(() => {
      const ours = tanh(tf.tensor1d(values)).dataSync();
      for (let i = 0; i < values.length; i++) expect(Math.abs(ours[i] - reference[i])).toBeLessThan(3e-7);
    });
  });

  it('the PPO gradient on the wasm backend (which uses them) equals the cpu backend\'s', async () => {
    for (const envId of ['CartPole-v1', 'Pendulum-v1']) { // categorical, and Gaussian with gSDE
      const config = { ...configFor(envId), hiddenSizes: [16, 16] };
      const env = envSpec(envId);
      const params = initParams(actorCriticLayout(env.obsDim, policyHead(env), config.hiddenSizes, config.gsde), 5);
      const onCpu = await syntheticGradient(config, params, 9, 128);
      await onWasm(async () => {
        const ours = await syntheticGradient(config, params, 9, 128);
        let largest = 0;
        for (const g of onCpu) largest = Math.max(largest, Math.abs(g));
        expect(largest).toBeGreaterThan(1e-3);
        for (let i = 0; i < onCpu.length; i++) expect(Math.abs(ours[i] - onCpu[i])).toBeLessThan(1e-4 * largest);
      });
    }
  });
});
