/**
 * Backend selection in the browser: time the run's real work (one batched inference, one PPO
 * gradient on a minibatch) on each tfjs backend and pick the one with the cheapest
 * rollout-and-update cycle. `?backend=` (or the run's config) forces one.
 *
 * Timing is progressive, so that a tab starts in seconds: backends are timed one after another,
 * the usually fast one first, and a backend stops being timed as soon as it is clearly slower than
 * the best so far (choice.ts). Inference is timed before the gradient: its warm-up compiles only the
 * forward pass, and a rollout's inferences alone already show when a slow GPU emulation cannot win.
 * The choice is remembered per browser, device and model shape (remembered.ts), so a returning tab
 * does not time anything.
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
import { GIVE_UP_RATIO, cycleMs, fastest, median, slowerThan } from './choice.ts';
import { deviceKey, forget, recall, remember } from './remembered.ts';

/** wasm first: on most machines it is the fastest for small models, and everything after is measured against it. */
const MEASURE_ORDER: readonly Backend[] = ['wasm', 'webgpu', 'webgl', 'cpu'];
const WARMUP = 2;
const REPEATS = 5;
/** Time one backend's measurement may take when choosing among them, checked between steps. */
const BACKEND_BUDGET_MS = 20_000;

/** What the page shows while it times: "timing webgpu: inference 3 of 7". */
export interface TimingProgress {
  backend: Backend;
  what: 'inference' | 'gradient';
  /** 1-based step, warm-up included, of `of`. */
  step: number;
  of: number;
}

export interface BackendChoice {
  backend: Backend;
  adapter: string;
  timings: BackendTiming[];
  /** How it was chosen: measured now, remembered from an earlier visit, or forced. */
  how: 'measured' | 'remembered' | 'forced';
  /** Why a backend the page would have used is not available here (e.g. no WebGPU outside a secure context); null when none. */
  unavailable: string | null;
}

export interface ChooseOptions {
  /** A backend to use without measuring (`?backend=` or the run's config). */
  forced: Backend | null;
  /** Measure even when a choice is remembered (`?retime=1`). */
  retime?: boolean;
  onProgress?: (p: TimingProgress) => void;
}

const notTimed = (backend: Backend, error: string): BackendTiming => ({ backend, gradMs: null, actMs: null, cycleMs: null, error });

/** Why `backend` cannot run in this page, or null when it may. */
function unavailableReason(backend: Backend): string | null {
  if (backend === 'webgpu' && !('gpu' in navigator)) {
    return isSecureContext
      ? 'this browser offers no WebGPU'
      : `WebGPU needs HTTPS (or localhost): ${location.origin} is not a secure context, so the browser offers no WebGPU`;
  }
  if (!tf.findBackendFactory(backend)) return `the ${backend} backend is not available in this browser`;
  return null;
}

/**
 * Times the run's inference, then its gradient step, on one backend (switching tfjs to it). Stops
 * as soon as what is measured shows the backend more than GIVE_UP_RATIO times slower than `bestMs`
 * (choice.ts): after the inferences when a rollout's worth of them alone is, else after the first
 * timed gradient. Gives up once `budgetMs` have passed.
 */
async function timeBackend(
  backend: Backend, config: TrainConfig, bestMs: number, budgetMs: number, onProgress?: (p: TimingProgress) => void,
): Promise<BackendTiming> {
  const deadline = performance.now() + budgetMs;
  if (!(await tf.setBackend(backend))) return notTimed(backend, 'not available');
  await tf.ready();
  const { spec, head, layout } = modelFor(config);
  const learner = new Learner(layout, initParams(layout, 0), spec.obsDim, head);
  const mb = syntheticMinibatch(derive(config).minibatchSize, spec.obsDim, head, 0);
  const coefs = lossCoefs(config);
  const obs = mb.obs.subarray(0, config.numEnvs * spec.obsDim);
  const of = WARMUP + REPEATS;
  /** Times `step` WARMUP + REPEATS times; stops early when `cut(timed so far)` says so, or past the deadline. */
  const timeSteps = async (what: TimingProgress['what'], step: () => Promise<unknown>, cut: (timed: number[]) => boolean): Promise<number[] | string> => {
    const timed: number[] = [];
    for (let i = 0; i < of; i++) {
      onProgress?.({ backend, what, step: i + 1, of });
      const t = performance.now();
      await step();
      if (i >= WARMUP) timed.push(performance.now() - t);
      if (timed.length > 0 && cut(timed)) break;
      if (performance.now() > deadline) {
        if (timed.length > 0) break;
        return `${what} warm-up alone took over ${budgetMs} ms`;
      }
    }
    return timed;
  };
  try {
    // Inference after warm-up is cheap: all its repeats are timed, and the median decides.
    const act = await timeSteps('inference', () => learner.act(obs, config.numEnvs), () => false);
    if (typeof act === 'string') return notTimed(backend, act);
    const actMs = median(act);
    // A rollout's inferences alone cost more than GIVE_UP_RATIO cycles of the best: the gradient is not worth compiling.
    if (slowerThan(cycleMs(config, 0, actMs), bestMs)) {
      return { backend, gradMs: null, actMs, cycleMs: null, error: `not timed further: inference alone is over ${GIVE_UP_RATIO}x the best cycle` };
    }
    const grad = await timeSteps('gradient', () => learner.gradient(mb, coefs), (t) => slowerThan(cycleMs(config, median(t), actMs), bestMs));
    if (typeof grad === 'string') return { ...notTimed(backend, grad), actMs };
    const gradMs = median(grad);
    return { backend, gradMs, actMs, cycleMs: cycleMs(config, gradMs, actMs) };
  } finally {
    learner.dispose();
  }
}

/** `timeBackend`, with a backend that cannot run here or throws reported as unusable (its reason in the table). */
async function timeOrError(
  backend: Backend, config: TrainConfig, bestMs: number, onProgress?: (p: TimingProgress) => void, budgetMs = BACKEND_BUDGET_MS,
): Promise<BackendTiming> {
  const unavailable = unavailableReason(backend);
  if (unavailable) return notTimed(backend, unavailable);
  try {
    return await timeBackend(backend, config, bestMs, budgetMs, onProgress);
  } catch (e) {
    return notTimed(backend, e instanceof Error ? e.message : String(e));
  }
}

/**
 * Times the backends in MEASURE_ORDER, each against the best so far. A backend that comes out best
 * so far is timed a second time at once and keeps its faster round: a page's first rounds run cold
 * (JIT, caches), and every backend after it is cut against it. At the end, every other contender
 * still within GIVE_UP_RATIO of the best is timed a second time too: a single window can fall on a
 * busy moment (another tab and the coordinator starting beside this one), and on a 2-core machine
 * one such window made a tab pick cpu over a wasm that was several times faster.
 */
async function measure(config: TrainConfig, onProgress?: (p: TimingProgress) => void): Promise<BackendTiming[]> {
  const timings: BackendTiming[] = [];
  const twice = new Set<Backend>();
  const again = async (t: BackendTiming): Promise<BackendTiming> => {
    twice.add(t.backend);
    const u = await timeOrError(t.backend, config, Infinity, onProgress);
    return u.cycleMs !== null && u.cycleMs < t.cycleMs! ? u : t;
  };
  let bestMs = Infinity;
  for (const b of MEASURE_ORDER) {
    let t = await timeOrError(b, config, bestMs, onProgress);
    if (t.cycleMs !== null && t.cycleMs < bestMs) {
      t = await again(t);
      bestMs = t.cycleMs!;
    }
    timings.push(t);
  }
  for (const [i, t] of timings.entries()) {
    if (t.cycleMs !== null && !twice.has(t.backend) && !slowerThan(t.cycleMs, bestMs)) timings[i] = await again(t);
  }
  return timings;
}

/**
 * Chooses the tab's backend and leaves tfjs on it: the forced one when it can run here, else the
 * one remembered for this browser, device and model shape, else by measuring (and remembers it).
 */
export async function chooseBackend(config: TrainConfig, opts: ChooseOptions): Promise<BackendChoice> {
  const webgpuMissing = unavailableReason('webgpu');
  let unavailable: string | null = null;
  if (opts.forced) {
    unavailable = unavailableReason(opts.forced);
    // Timed for the coordinator's table, however long that takes: it is used unless it fails.
    const t = unavailable ? null : await timeOrError(opts.forced, config, Infinity, opts.onProgress, Infinity);
    if (t && t.cycleMs !== null) return settle(t.backend, [t], 'forced', webgpuMissing);
    if (t) unavailable = `the forced backend ${opts.forced} failed (${t.error})`;
  }
  const key = deviceKey(config, await devices());
  const known = opts.retime ? null : recall(key);
  if (known && (await tf.setBackend(known.backend).catch(() => false))) return settle(known.backend, known.timings, 'remembered', webgpuMissing);
  if (known) forget(key);
  const timings = await measure(config, opts.onProgress);
  const best = fastest(timings);
  if (!best) throw new Error(`no usable tfjs backend: ${timings.map((t) => `${t.backend}: ${t.error}`).join('; ')}`);
  remember(key, { backend: best.backend, timings });
  return settle(best.backend, timings, 'measured', unavailable || webgpuMissing);
}

async function settle(backend: Backend, timings: BackendTiming[], how: BackendChoice['how'], unavailable: string | null): Promise<BackendChoice> {
  await tf.setBackend(backend);
  await tf.ready();
  return { backend, adapter: await adapterName(backend), timings, how, unavailable };
}

/**
 * The hardware the backends would run on, as the browser describes it without starting any of
 * them: the WebGPU adapter's info and the WebGL renderer (a change of either, e.g. a new GPU or
 * driver, means measuring again).
 */
async function devices(): Promise<string> {
  const parts = [`cores ${navigator.hardwareConcurrency}`, `isolated ${crossOriginIsolated}`];
  try {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
    const info = gpu ? (await gpu.requestAdapter())?.info : undefined;
    parts.push(`webgpu ${info ? [info.vendor, info.architecture, info.device, info.description].join('/') : 'none'}`);
  } catch {
    parts.push('webgpu error');
  }
  parts.push(`webgl ${webglRenderer() ?? 'none'}`);
  return parts.join('; ');
}

function webglRenderer(): string | null {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return null;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

/** What hardware the backend runs on, as the browser describes it. */
async function adapterName(backend: Backend): Promise<string> {
  try {
    if (backend === 'webgpu') {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Record<string, string> } | null> } }).gpu;
      const info = (await gpu?.requestAdapter())?.info;
      return info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'unknown' : 'unknown';
    }
    if (backend === 'webgl') return webglRenderer() ?? 'unknown';
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
