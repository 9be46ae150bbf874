/**
 * Backend selection in the browser: register every tfjs backend, time the run's real work
 * (one PPO gradient on a minibatch, one batched inference) on each, and pick the one with the
 * cheapest rollout-and-update cycle. `?backend=` forces one.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../tfBackends.ts';
import type { Backend, BackendTiming } from '../../shared/protocol.ts';
import type { TrainConfig } from '../../shared/config.ts';
import { derive } from '../../shared/config.ts';
import { initParams } from '../../shared/ppo/params.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { Learner } from '../../shared/ppo/learner.ts';
import { lossCoefs } from '../../shared/ppo/loss.ts';
import { syntheticMinibatch } from '../../shared/ppo/synthetic.ts';

/** Reliable, cheap backends first, so slow ones can be cut short against them. */
const MEASURE_ORDER: readonly Backend[] = ['wasm', 'cpu', 'webgl', 'webgpu'];
const WARMUP = 2;
const REPEATS = 5;
/** Time one backend's measurement may take, checked between steps. */
const BACKEND_BUDGET_MS = 20_000;
/** A backend this many times slower than the best so far after one timed round is not timed further. */
const GIVE_UP_RATIO = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Times the run's gradient step and inference on one backend (switching tfjs to it). Stops
 * after the first timed round when that is already GIVE_UP_RATIO times slower than `bestMs`,
 * and gives up (leaving nothing running) once BACKEND_BUDGET_MS have passed.
 */
async function timeBackend(backend: Backend, config: TrainConfig, bestMs: number): Promise<BackendTiming> {
  const deadline = performance.now() + BACKEND_BUDGET_MS;
  if (!(await tf.setBackend(backend))) return { backend, gradMs: null, actMs: null, cycleMs: null, error: 'not available' };
  await tf.ready();
  const { spec, head, layout } = modelFor(config);
  const learner = new Learner(layout, initParams(layout, 0), spec.obsDim, head);
  const mb = syntheticMinibatch(derive(config).minibatchSize, spec.obsDim, head, 0);
  const coefs = lossCoefs(config);
  const obs = mb.obs.subarray(0, config.numEnvs * spec.obsDim);
  const cycle = (gradMs: number, actMs: number) => config.updateEpochs * config.numMinibatches * gradMs + config.numSteps * actMs;
  try {
    const grad: number[] = [];
    const act: number[] = [];
    for (let i = 0; i < WARMUP + REPEATS; i++) {
      let t = performance.now();
      await learner.gradient(mb, coefs);
      if (i >= WARMUP) grad.push(performance.now() - t);
      t = performance.now();
      await learner.act(obs, config.numEnvs);
      if (i >= WARMUP) act.push(performance.now() - t);
      if (i === WARMUP && cycle(grad[0], act[0]) > GIVE_UP_RATIO * bestMs) break;
      if (performance.now() > deadline) {
        if (grad.length > 0) break;
        return { backend, gradMs: null, actMs: null, cycleMs: null, error: `warm-up alone took over ${BACKEND_BUDGET_MS} ms` };
      }
    }
    const gradMs = median(grad);
    const actMs = median(act);
    return { backend, gradMs, actMs, cycleMs: cycle(gradMs, actMs) };
  } finally {
    learner.dispose();
  }
}

export interface BackendChoice {
  backend: Backend;
  adapter: string;
  timings: BackendTiming[];
}

/** `timeBackend`, with a backend that throws reported as unusable (its error in the table). */
async function timeOrError(backend: Backend, config: TrainConfig, bestMs: number): Promise<BackendTiming> {
  try {
    return await timeBackend(backend, config, bestMs);
  } catch (e) {
    return { backend, gradMs: null, actMs: null, cycleMs: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Measures every backend (or only the forced one) and leaves tfjs on the chosen backend. Every
 * contender (within GIVE_UP_RATIO of the best) is then timed a second time and keeps its faster
 * round: a single window can fall on a busy moment (another tab and the coordinator starting beside
 * this one), and on a 2-core machine one such window made a tab pick cpu over a wasm that was
 * several times faster.
 */
export async function chooseBackend(config: TrainConfig, forced: Backend | null): Promise<BackendChoice> {
  const timings: BackendTiming[] = [];
  let bestMs = Infinity;
  for (const b of forced ? [forced] : MEASURE_ORDER) {
    const t = await timeOrError(b, config, bestMs);
    if (t.cycleMs !== null) bestMs = Math.min(bestMs, t.cycleMs);
    timings.push(t);
  }
  if (!forced) {
    for (const [i, t] of timings.entries()) {
      if (t.cycleMs === null || t.cycleMs > GIVE_UP_RATIO * bestMs) continue;
      const again = await timeOrError(t.backend, config, Infinity);
      if (again.cycleMs !== null && again.cycleMs < t.cycleMs) timings[i] = again;
    }
  }
  const usable = timings.filter((t) => t.cycleMs !== null);
  if (usable.length === 0) throw new Error(`no usable tfjs backend: ${timings.map((t) => `${t.backend}: ${t.error}`).join('; ')}`);
  const best = usable.reduce((a, b) => (b.cycleMs! < a.cycleMs! ? b : a));
  await tf.setBackend(best.backend);
  await tf.ready();
  return { backend: best.backend, adapter: await adapterName(best.backend), timings };
}

/** What hardware the backend runs on, as the browser describes it. */
async function adapterName(backend: Backend): Promise<string> {
  try {
    if (backend === 'webgpu') {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
      const info = (await gpu?.requestAdapter())?.info;
      return info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown' : 'unknown';
    }
    if (backend === 'webgl') {
      const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return (ext && gl ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : gl?.getParameter(gl.RENDERER)) ?? 'unknown';
    }
    if (backend === 'wasm') {
      const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
      const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
      return `wasm${simd ? ' simd' : ''}${threads ? ' threads' : ''}`;
    }
    return 'javascript';
  } catch {
    return 'unknown';
  }
}
