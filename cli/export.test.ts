import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFor, type TrainConfig } from '../shared/config.ts';
import { makeEnv } from '../shared/envs/registry.ts';
import { evaluatePolicy } from '../shared/ppo/evaluate.ts';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import { forwardPlain, initParams } from '../shared/ppo/params.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';
import { Rng } from '../shared/rng.ts';
import { saveCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { runStateExtra } from '../server/checkpoint/runState.ts';
import { exportPolicy, type PolicySidecar } from './export.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
let tmp: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  tmp = await mkdtemp(join(tmpdir(), 'tabswarm-export-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** `n` raw observations of a real rollout with uniformly random actions (new episodes as they end). */
function recordObs(envId: string, n: number, seed: number): Float32Array {
  const env = makeEnv(envId, seed);
  const space = env.spec.actionSpace;
  const rng = new Rng(seed);
  const d = env.spec.obsDim;
  const out = new Float32Array(n * d);
  let obs = env.reset(seed);
  for (let i = 0; i < n; i++) {
    out.set(obs, i * d);
    const s = env.step(space.type === 'discrete' ? Math.floor(rng.next() * space.n) : space.low.map((lo, j) => rng.uniform(lo, space.high[j])));
    obs = s.terminated || s.truncated ? env.reset() : s.obs;
  }
  return out;
}

/** Writes run/checkpoint.ckpt for `config`, with observation statistics when the run normalizes. */
async function makeRun(name: string, config: TrainConfig, params: Float32Array, obsStats: Float64Array | null): Promise<string> {
  const runDir = join(tmp, name);
  const n = params.length;
  await saveCheckpoint(join(runDir, 'checkpoint.ckpt'), {
    envId: config.envId, config, version: 7, envSteps: 1234, params,
    adam: { m: new Float32Array(n), v: new Float32Array(n), t: 7 },
    extra: runStateExtra({ norm: { obs: obsStats ?? undefined } }),
  });
  return runDir;
}

/** Loads an exported model as tf.loadLayersModel loads a URL: model.json, then the weight files its manifest names. */
async function loadExported(dir: string): Promise<tf.LayersModel> {
  const modelJSON = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const buffers = await Promise.all(manifest.flatMap((g) => g.paths).map(async (p) => new Uint8Array(await readFile(join(dir, p))).buffer));
    return [manifest.flatMap((g) => g.weights), tf.io.CompositeArrayBuffer.join(buffers)];
  });
  return tf.loadLayersModel({ load: async () => artifacts });
}

/** What a consumer does with the sidecar: normalize raw observations [n, size] as it says. */
function normalizeBySidecar(s: PolicySidecar, raw: Float32Array): Float32Array {
  const nz = s.observation.normalization;
  if (!nz) return raw.slice();
  const d = s.observation.size;
  return raw.map((x, i) => Math.min(nz.clipObs, Math.max(-nz.clipObs, (x - nz.mean[i % d]) / Math.sqrt(nz.var[i % d] + nz.epsilon))));
}

/** ... and turn one row of the model's output into an action. */
function actionBySidecar(s: PolicySidecar, out: ArrayLike<number>): number | number[] {
  const a = s.action;
  if (a.choose === 'argmax') return Array.from(out).indexOf(Math.max(...Array.from(out)));
  return Array.from(out, (m, j) => Math.min(a.high[j], Math.max(a.low[j], m)));
}

/** evaluate.ts's deterministic choice from tabswarm's own actor output (forwardPlain). */
function referenceAction(config: TrainConfig, actorOut: Float32Array): number | number[] {
  const { head } = modelFor(config);
  return head.type === 'categorical'
    ? actorOut.indexOf(Math.max(...actorOut))
    : Array.from(actorOut, (m, j) => Math.min(Math.max(m, head.low[j]), head.high[j]));
}

/** Episode returns of the exported policy, played as evaluatePolicy plays (episode k from reset(seed + k)). */
function playExported(s: PolicySidecar, model: tf.LayersModel, episodes: number, seed: number): number[] {
  const env = makeEnv(s.envId, seed);
  const returns: number[] = [];
  for (let k = 0; k < episodes; k++) {
    let obs = env.reset(seed + k);
    let ret = 0;
    for (let done = false; !done;) {
      const out = tf.tidy(() => (model.predict(tf.tensor2d(normalizeBySidecar(s, obs), [1, s.observation.size])) as tf.Tensor).dataSync());
      const step = env.step(actionBySidecar(s, out));
      ret += step.reward;
      obs = step.obs;
      done = step.terminated || step.truncated;
    }
    returns.push(ret);
  }
  return returns;
}

interface Case {
  name: string;
  config: TrainConfig;
  /** Scales the actor's output layer so that Gaussian means leave the action bounds and clipping is exercised. */
  outScale?: number;
}

const cases: Case[] = [
  { name: 'CartPole (categorical)', config: configFor('CartPole-v1', { hiddenSizes: [8, 8] }), outScale: 4 },
  { name: 'CartPole with observation normalization', config: configFor('CartPole-v1', { hiddenSizes: [8, 8], normObs: true, clipObs: 1.5 }) },
  { name: 'Pendulum (Gaussian)', config: configFor('Pendulum-v1', { hiddenSizes: [8, 8] }), outScale: 8 },
  { name: 'Pendulum gSDE with observation normalization', config: configFor('Pendulum-v1', { hiddenSizes: [16], gsde: true, normObs: true, clipObs: 3 }), outScale: 8 },
];

describe('exportPolicy', () => {
  it.each(cases)('$name: the loaded model computes the actor and gives evaluate.ts\'s actions', async ({ name, config, outScale = 1 }) => {
    const { spec, layout } = modelFor(config);
    // PyTorch-style init: output weights of order 1 (not 0.01), so logits differ clearly and a wrong weight shows.
    const params = initParams(layout, 11, { orthoInit: false });
    const last = layout.find((p) => p.name === `actor.${config.hiddenSizes.length}.w`)!;
    for (let i = last.offset; i < last.offset + last.size; i++) params[i] *= outScale;
    // Small (not zero) biases, so that the observation rather than a constant decides the action.
    for (const p of layout.filter((q) => /^actor\.\d+\.b$/.test(q.name))) for (let i = p.offset; i < p.offset + p.size; i++) params[i] *= 0.1;
    const obs = recordObs(config.envId, 50, 3);
    let stats: Float64Array | null = null;
    if (config.normObs) {
      const rms = new RunningMeanStd(spec.obsDim);
      rms.update(recordObs(config.envId, 200, 4), 200);
      stats = rms.toArray();
    }
    const runDir = await makeRun(name.replace(/\W+/g, '-'), config, params, stats);
    const outDir = join(tmp, `${name.replace(/\W+/g, '-')}-out`);

    const { sidecar } = await exportPolicy(runDir, outDir);
    const written = JSON.parse(await readFile(join(outDir, 'tabswarm-policy.json'), 'utf8')) as PolicySidecar;
    expect(written).toEqual(sidecar);
    expect(written).toMatchObject({ envId: config.envId, tabswarmVersion: JSON.parse(await readFile(join(root, 'package.json'), 'utf8')).version, model: 'model.json', observation: { size: spec.obsDim } });
    expect(written.actionSpace).toEqual(spec.actionSpace.type === 'discrete'
      ? { type: 'discrete', n: spec.actionSpace.n }
      : { type: 'box', low: [...spec.actionSpace.low], high: [...spec.actionSpace.high] });
    if (written.action.choose === 'clip') expect(written.action.gsde).toBe(config.gsde);
    const modelJSON = JSON.parse(await readFile(join(outDir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    expect(modelJSON.format).toBe('layers-model');
    expect(modelJSON.weightsManifest.map((g) => g.paths)).toEqual([['weights.bin']]);

    // The sidecar's normalization is the run's: RunningMeanStd.normalize with its clipObs.
    const reference = config.normObs ? RunningMeanStd.fromArray(spec.obsDim, stats!).normalize(obs, 50, config.clipObs, new Float32Array(obs.length)) : obs;
    const normalized = normalizeBySidecar(written, obs);
    expect(written.observation.normalization === null).toBe(!config.normObs);
    for (let i = 0; i < obs.length; i++) expect(normalized[i]).toBeCloseTo(reference[i], 6);
    if (config.normObs) expect(normalized.some((x) => Math.abs(x) === config.clipObs)).toBe(true);

    const model = await loadExported(outDir);
    const out = tf.tidy(() => (model.predict(tf.tensor2d(normalized, [50, spec.obsDim])) as tf.Tensor).dataSync() as Float32Array);
    const { actorOut } = forwardPlain(params, layout, reference as Float32Array, 50);
    expect(out.length).toBe(actorOut.length);
    let maxErr = 0;
    for (let i = 0; i < out.length; i++) maxErr = Math.max(maxErr, Math.abs(out[i] - actorOut[i]));
    expect(maxErr).toBeLessThan(1e-5);
    expect(Math.max(...actorOut.map(Math.abs))).toBeGreaterThan(0.1); // outputs far from zero, so the comparison means something

    const width = actorOut.length / 50;
    const exported = Array.from({ length: 50 }, (_, r) => actionBySidecar(written, out.subarray(r * width, (r + 1) * width)));
    const expected = Array.from({ length: 50 }, (_, r) => referenceAction(config, actorOut.subarray(r * width, (r + 1) * width)));
    if (spec.actionSpace.type === 'discrete') {
      expect(exported).toEqual(expected);
      expect(new Set(exported).size).toBe(spec.actionSpace.n); // both actions occur
    } else {
      // float32 (tfjs) against float64 accumulation (forwardPlain): the same clipped action up to rounding.
      const got = (exported as number[][]).flat();
      const want = (expected as number[][]).flat();
      got.forEach((a, i) => expect(Math.abs(a - want[i])).toBeLessThan(1e-5));
      expect(got.some((a) => Math.abs(a) === 2) && got.some((a) => Math.abs(a) < 1.9)).toBe(true); // clipped and unclipped means
    }

    // Whole episodes played through the exported files return what `tabswarm eval` reports for the checkpoint.
    const evalReturns = evaluatePolicy(config, params, stats, 2, 5);
    const played = playExported(written, model, 2, 5);
    if (spec.actionSpace.type === 'discrete') expect(played).toEqual(evalReturns);
    else played.forEach((r, k) => expect(r).toBeCloseTo(evalReturns[k], 2));
    model.dispose();
  });

  it('refuses a run that normalized observations but kept no statistics, and params of the wrong size', async () => {
    const config = configFor('CartPole-v1', { hiddenSizes: [8, 8], normObs: true });
    const params = initParams(modelFor(config).layout, 1);
    await expect(exportPolicy(await makeRun('nostats', config, params, null), join(tmp, 'nostats-out')))
      .rejects.toThrow(/normalized observations, but the checkpoint holds no observation statistics/);
    expect(existsSync(join(tmp, 'nostats-out', 'model.json'))).toBe(false);
    const plain = configFor('CartPole-v1', { hiddenSizes: [8, 8] });
    await expect(exportPolicy(await makeRun('short', plain, params.subarray(0, 10), null), join(tmp, 'short-out')))
      .rejects.toThrow(/CartPole-v1's model has \d+ params, the checkpoint holds 10/);
  });
});

describe('tabswarm export (the CLI)', () => {
  const cli = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [join(root, 'bin/tabswarm.js'), 'export', ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code as number) : 0, stdout, stderr });
    });
  });

  it('writes the same files as exportPolicy, exit code 0; exit code 2 for a bad checkpoint, a missing one or no --out', async () => {
    const config = configFor('CartPole-v1', { hiddenSizes: [8, 8] });
    const params = initParams(modelFor(config).layout, 2, { orthoInit: false });
    const runDir = await makeRun('cli', config, params, null);
    await exportPolicy(runDir, join(tmp, 'cli-fn'));

    const ok = await cli(join(runDir, 'checkpoint.ckpt'), '--out', join(tmp, 'cli-out'));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('CartPole-v1: exported the policy of version 7');
    expect(ok.stderr).not.toContain('tfjs-node');
    for (const f of ['model.json', 'weights.bin', 'tabswarm-policy.json']) {
      expect(await readFile(join(tmp, 'cli-out', f))).toEqual(await readFile(join(tmp, 'cli-fn', f)));
    }

    const bytes = await readFile(join(runDir, 'checkpoint.ckpt'));
    bytes[bytes.length - 20] ^= 0xff; // a flipped bit in the params
    await writeFile(join(tmp, 'corrupt.ckpt'), bytes);
    const corrupt = await cli(join(tmp, 'corrupt.ckpt'), '--out', join(tmp, 'corrupt-out'));
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/corrupt\.ckpt: CRC mismatch/);
    expect(existsSync(join(tmp, 'corrupt-out'))).toBe(false);

    const missing = await cli(join(tmp, 'no-such-run'), '--out', join(tmp, 'missing-out'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such run folder or checkpoint file');

    const noOut = await cli(runDir);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toContain('--out');
  });
});
