/**
 * The backend benchmark page (bench.html): `window.tabswarmBench(req)` switches tfjs to one
 * backend and times the two things a worker tab does, as the worker does them:
 *  - rollouts: RolloutCollector.collect on CartPole-v1 (one batched inference with readback per
 *    step, env stepping, truncation bootstraps, GAE) with a fresh 64x64 Learner, per numEnvs;
 *  - gradients: Learner.gradient (upload, forward, readback, the loss in JS, backward, readback)
 *    on a synthetic minibatch, per batch size and MLP size.
 * Driven by bench/backends.ts, one fresh page per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import '../../client/tfBackends.ts';
import type { Backend } from '../../shared/protocol.ts';
import { configFor } from '../../shared/config.ts';
import { initParams } from '../../shared/ppo/params.ts';
import { median } from '../../shared/median.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { Learner } from '../../shared/ppo/learner.ts';
import { lossCoefs } from '../../shared/ppo/loss.ts';
import { RolloutCollector } from '../../shared/ppo/rollout.ts';
import { syntheticMinibatch } from '../../shared/ppo/synthetic.ts';
import type { BenchRequest, BenchResult, GradientSeries, Measurement, TabswarmBench, TabswarmBenchReport } from './protocol.ts';

declare global {
  interface Window {
    tabswarmBench: TabswarmBench;
    tabswarmBenchReport?: TabswarmBenchReport;
  }
}

const ENV_ID = 'CartPole-v1';
const ROLLOUT_HIDDEN = [64, 64];
/** Steps per env of the first collect that sizes numSteps. */
const PROBE_STEPS = 4;
/** Most rescaling rounds when sizing numSteps. */
const SIZING_ROUNDS = 4;

const logEl = document.getElementById('log');

function report(line: string): void {
  if (logEl) logEl.textContent += line + '\n';
  void window.tabswarmBenchReport?.(line);
}

const message = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String(e.message) : String(e));

/**
 * Runs `call` `warmup` times untimed, then up to `repeats` times timed (ms). Once `budgetMs`
 * has passed, stops after the next timed call (so there is always at least one).
 */
async function timeCalls(call: () => Promise<void>, warmup: number, repeats: number, budgetMs: number, t0 = performance.now()): Promise<number[]> {
  for (let i = 0; i < warmup && performance.now() - t0 <= budgetMs; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
    if (performance.now() - t0 > budgetMs) break;
  }
  return times;
}

/**
 * Measures each size in ascending order; once one measurement took longer than `slowMs`, the
 * remaining (larger) sizes are recorded as skipped.
 */
async function series(sizes: number[], slowMs: number, label: string, measure: (size: number) => Promise<Measurement>): Promise<Measurement[]> {
  const out: Measurement[] = [];
  let tooSlow = false;
  for (const size of [...sizes].sort((a, b) => a - b)) {
    let m: Measurement;
    if (tooSlow) {
      m = { size, status: 'skipped (too slow)' };
    } else {
      const t0 = performance.now();
      try {
        m = await measure(size);
      } catch (e) {
        m = { size, status: 'error', error: message(e) };
      }
      m.elapsedS = (performance.now() - t0) / 1000;
      if (m.elapsedS * 1000 > slowMs) tooSlow = true;
    }
    out.push(m);
    report(`${label} ${size}: ${m.status === 'ok'
      ? `${Math.round(m.perS!)}/s, median ${(m.medianS! * 1000).toFixed(2)} ms over ${m.repeats}${m.numSteps ? `, numSteps ${m.numSteps}` : ''}, took ${m.elapsedS!.toFixed(1)} s`
      : m.status + (m.error ? `: ${m.error}` : '')}`);
  }
  return out;
}

async function rolloutAt(numEnvs: number, req: BenchRequest): Promise<Measurement> {
  const t0 = performance.now();
  const config = configFor(ENV_ID);
  const { spec, head, layout } = modelFor({ envId: ENV_ID, hiddenSizes: ROLLOUT_HIDDEN, gsde: false });
  const learner = new Learner(layout, initParams(layout, 0), spec.obsDim, head);
  try {
    // Size numSteps so one collect lasts at least rolloutMinSeconds: collect, rescale, repeat.
    // The first collects also compile this batch size's kernels; the last one, at the final
    // numSteps, is the first warm-up.
    const minMs = req.rolloutMinSeconds * 1000;
    let numSteps = PROBE_STEPS;
    let collector = new RolloutCollector(ENV_ID, numEnvs, numSteps, 1);
    for (let round = 0; ; round++) {
      const t = performance.now();
      await collector.collect(learner, config.gamma, config.gaeLambda);
      const ms = performance.now() - t;
      if (round === 0) continue; // the first collect compiles kernels: time a second one before rescaling
      if (ms >= minMs || numSteps >= req.rolloutMaxSteps || round >= SIZING_ROUNDS || performance.now() - t0 > req.slowMs) break;
      numSteps = Math.min(req.rolloutMaxSteps, Math.max(numSteps + 1, Math.ceil((numSteps * minMs * 1.15) / ms)));
      collector = new RolloutCollector(ENV_ID, numEnvs, numSteps, 1);
    }
    const times = await timeCalls(async () => { await collector.collect(learner, config.gamma, config.gaeLambda); }, req.rolloutWarmup - 1, req.rolloutRepeats, req.slowMs, t0);
    const medianS = median(times) / 1000;
    return { size: numEnvs, status: 'ok', medianS, perS: (numSteps * numEnvs) / medianS, repeats: times.length, numSteps };
  } finally {
    learner.dispose();
  }
}

async function gradientAt(batch: number, hidden: number[], req: BenchRequest): Promise<Measurement> {
  const { spec, head, layout } = modelFor({ envId: ENV_ID, hiddenSizes: hidden, gsde: false });
  const learner = new Learner(layout, initParams(layout, 0), spec.obsDim, head);
  const coefs = lossCoefs(configFor(ENV_ID));
  const mb = syntheticMinibatch(batch, spec.obsDim, head, 0);
  try {
    const times = await timeCalls(async () => { await learner.gradient(mb, coefs); }, req.gradWarmup, req.gradRepeats, req.slowMs);
    const medianS = median(times) / 1000;
    return { size: batch, status: 'ok', medianS, perS: batch / medianS, repeats: times.length };
  } finally {
    learner.dispose();
  }
}

/** A worker's steady state, many times over: the tensor count must not move. */
async function leakCheck(iterations: number): Promise<NonNullable<BenchResult['leakCheck']>> {
  const t0 = performance.now();
  const { spec, head, layout } = modelFor({ envId: ENV_ID, hiddenSizes: [64, 64], gsde: false });
  const params = initParams(layout, 0);
  const learner = new Learner(layout, params, spec.obsDim, head);
  const coefs = lossCoefs(configFor(ENV_ID));
  const mb = syntheticMinibatch(64, spec.obsDim, head, 0);
  const obs = mb.obs.subarray(0, 16 * spec.obsDim);
  const counts: number[] = [];
  try {
    for (let i = 1; i <= iterations; i++) {
      await learner.act(obs, 16);
      await learner.gradient(mb, coefs);
      learner.setParams(params);
      if (i % 1000 === 0) {
        counts.push(tf.memory().numTensors);
        report(`leak check: ${i} iterations, ${counts.at(-1)} tensors`);
      }
    }
  } finally {
    learner.dispose();
  }
  return { iterations, counts, seconds: (performance.now() - t0) / 1000 };
}

/** What hardware the backend runs on, as the browser describes it. */
async function adapterOf(backend: Backend): Promise<string> {
  try {
    if (backend === 'webgpu') {
      type Info = { vendor?: string; architecture?: string; device?: string; description?: string };
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<{ info?: Info; isFallbackAdapter?: boolean } | null> } }).gpu;
      if (!gpu) return 'navigator.gpu missing';
      const adapter = await gpu.requestAdapter();
      if (!adapter) return 'no adapter';
      const i = adapter.info ?? {};
      return `vendor=${i.vendor || '-'} architecture=${i.architecture || '-'} device=${i.device || '-'} description=${i.description || '-'}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`;
    }
    if (backend === 'webgl') {
      const canvas = document.createElement('canvas');
      const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
      if (!gl) return 'no WebGL context';
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      const version = String(gl.getParameter(gl.VERSION));
      return `${ext ? String(gl.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : String(gl.getParameter(gl.RENDERER))} (${version})`;
    }
    if (backend === 'wasm') return 'WebAssembly (see the wasm columns)';
    return 'JavaScript';
  } catch (e) {
    return `unknown (${message(e)})`;
  }
}

async function wasmInfo(): Promise<BenchResult['wasm']> {
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithread = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  let threads: number | null = null;
  try { threads = getThreadsCount(); } catch { /* not initialized */ }
  // tfjs-backend-wasm's own choice (backend_wasm.ts getPathToWasmBinary).
  const binary = simd && multithread ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { simd, multithread, threads, binary };
}

async function tabswarmBench(req: BenchRequest): Promise<BenchResult> {
  const t0 = performance.now();
  const result: BenchResult = {
    backend: req.backend,
    activeBackend: null,
    adapter: '',
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
    userAgent: navigator.userAgent,
    tensorsBefore: null,
    tensorsAfter: null,
    rollout: [],
    gradient: [],
    totalS: 0,
  };
  try {
    // A backend whose init never settles (the threaded wasm binary waits forever for pthread
    // workers that crashed) must not hang the run.
    if (req.backend === 'wasm' && req.wasmThreads) setThreadsCount(req.wasmThreads);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ok = await Promise.race([
      tf.setBackend(req.backend).then(async (r) => { await tf.ready(); return r; }),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not ready after ${req.initTimeoutMs / 1000} s`)), req.initTimeoutMs); }),
    ]).finally(() => clearTimeout(timer));
    result.activeBackend = tf.getBackend() ?? null;
    if (!ok || result.activeBackend !== req.backend) throw new Error(`setBackend('${req.backend}') failed (active: ${result.activeBackend})`);
  } catch (e) {
    result.error = `backend init: ${message(e)}`;
    result.adapter = await adapterOf(req.backend);
    if (req.backend === 'wasm') result.wasm = await wasmInfo().catch(() => undefined);
    result.totalS = (performance.now() - t0) / 1000;
    report(`error: ${result.error}`);
    return result;
  }
  result.adapter = await adapterOf(req.backend);
  if (req.backend === 'wasm') result.wasm = await wasmInfo();
  report(`backend ${result.activeBackend}: ${result.adapter}; crossOriginIsolated=${result.crossOriginIsolated}${result.wasm ? `; wasm ${JSON.stringify(result.wasm)}` : ''}`);
  result.tensorsBefore = tf.memory().numTensors;

  result.rollout = await series(req.numEnvs, req.slowMs, 'rollout env steps/s, numEnvs', (e) => rolloutAt(e, req));
  for (const hidden of req.hiddens) {
    const { numParams } = modelFor({ envId: ENV_ID, hiddenSizes: hidden, gsde: false });
    const s: GradientSeries = { hidden, numParams, results: [] };
    s.results = await series(req.batches, req.slowMs, `gradient samples/s, MLP ${hidden.join('x')}, batch`, (b) => gradientAt(b, hidden, req));
    result.gradient.push(s);
  }

  if (req.leakIterations > 0) result.leakCheck = await leakCheck(req.leakIterations);
  result.tensorsAfter = tf.memory().numTensors;
  result.totalS = (performance.now() - t0) / 1000;
  report(`tensors before ${result.tensorsBefore}, after ${result.tensorsAfter}; ${result.totalS.toFixed(1)} s in all`);
  return result;
}

window.tabswarmBench = tabswarmBench;
report(`bench page ready; crossOriginIsolated=${self.crossOriginIsolated}, hardwareConcurrency=${navigator.hardwareConcurrency}`);
