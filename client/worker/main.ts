/**
 * The worker page: choose a backend (remembered, or measured while the page says what it times),
 * join the coordinator that served this page, train, and say what happens: the env, this tab's
 * throughput and share of the run's accepted updates, why this backend, pauses, drops and the end
 * of a run (after which it waits for the next run at the same URL). Stop and Restart buttons.
 */
import 'virtual:tabswarm-env-modules';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../shared/config.ts';
import { BACKENDS, type Backend } from '../../shared/protocol.ts';
import { syntheticGradient } from '../../shared/ppo/synthetic.ts';
import { chooseBackend, type BackendChoice } from './backends.ts';
import { renderEnv, renderableEnvIds } from '../../shared/envs/render.ts';
import { RolloutWorker, type WorkerStatus } from './rolloutWorker.ts';
import { Rate } from './rate.ts';

const $ = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
const stopButton = $('worker-stop') as HTMLButtonElement;
const restartButton = $('worker-restart') as HTMLButtonElement;

/** Waits before a tab that stopped on an error tries again: the first, and the most after errors in a row. */
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;
/** Milliseconds between status redraws while training (each push changes the status). */
const SHOW_EVERY_MS = 250;
let shown: { at: number; state: string; paused: string | null } = { at: -Infinity, state: '', paused: null };
let latest: WorkerStatus | null = null;
let showTimer: ReturnType<typeof setTimeout> | null = null;
/** This tab's env steps per second over the last 10 s, training and waiting included. */
const throughput = new Rate(10_000);

/**
 * Shows the status at most every SHOW_EVERY_MS, and at once when its state changes. Every redraw
 * is a frame to lay out, paint and composite (on a machine without a GPU, by the CPU), and a
 * training tab's status changes with each of its hundreds of pushes a second.
 */
function showSoon(s: WorkerStatus): void {
  latest = s;
  throughput.add(performance.now(), s.envSteps);
  const wait = shown.at + SHOW_EVERY_MS - performance.now();
  if (wait <= 0 || s.state !== shown.state || s.paused !== shown.paused) return show(s);
  showTimer ??= setTimeout(() => show(latest!), wait);
}

function show(s: WorkerStatus): void {
  if (showTimer !== null) clearTimeout(showTimer);
  showTimer = null;
  shown = { at: performance.now(), state: s.state, paused: s.paused };
  $('worker-state').textContent = s.paused !== null && s.state === 'training' ? 'paused' : s.state;
  $('worker-message').textContent = s.paused !== null && s.state === 'training' ? `paused by the coordinator: ${s.paused}` : s.message;
  if (s.envId) $('worker-env').textContent = s.envId;
  $('worker-id').textContent = s.workerId ?? '';
  $('worker-version').textContent = String(s.version);
  $('worker-rollouts').textContent = String(s.rollouts);
  $('worker-steps').textContent = s.envSteps.toLocaleString();
  $('worker-sps').textContent = Math.round(s.rolloutSps).toLocaleString();
  $('worker-throughput').textContent = s.state === 'training' ? `${Math.round(throughput.perSecond()).toLocaleString()} env steps/s` : '-';
  const share = s.acceptedShare;
  $('worker-share').textContent = share && share.run > 0
    ? `${((100 * share.worker) / share.run).toFixed(1)}% (${share.worker.toLocaleString()} of ${share.run.toLocaleString()})`
    : '-';
  $('worker-updates').textContent = `${s.accepted} / ${s.rejected}`;
  const t = s.seconds;
  $('worker-seconds').textContent = [t.collect, t.gradient, t.push, t.setParams].map((x) => `${x.toFixed(1)} s`).join(' / ');
}

function parseBackend(value: string | null): Backend | null {
  if (value === null || value === '' || value === 'auto') return null;
  if (!(BACKENDS as readonly string[]).includes(value)) throw new Error(`unknown backend "${value}": use one of ${BACKENDS.join(', ')} or auto`);
  return value as Backend;
}

/** `?delay=ms` makes this tab a simulated slow device (see RolloutWorkerOptions.delayMs). */
function parseDelay(value: string | null): number {
  if (value === null || value === '') return 0;
  const ms = Number(value);
  if (!(ms >= 0 && Number.isFinite(ms))) throw new Error(`delay must be a number of milliseconds >= 0, got "${value}"`);
  return ms;
}

/** Why this tab uses its backend, in a sentence (and why not WebGPU, where the browser offers none). */
function why(choice: BackendChoice, forcedBy: string | null): string {
  const fmt = (ms: number) => `${Math.round(ms).toLocaleString()} ms`;
  const timed = choice.timings.filter((t) => t.cycleMs !== null).map((t) => `${t.backend} ${fmt(t.cycleMs!)}`).join(', ');
  const untimed = choice.timings.filter((t) => t.cycleMs === null).map((t) => t.backend).join(', ');
  const how = {
    forced: `forced by ${forcedBy}`,
    remembered: `remembered from this browser's earlier measurement on this device (${timed} a rollout-and-update cycle); add ?retime=1 to measure again`,
    measured: `measured fastest here (${timed} a rollout-and-update cycle${untimed ? `; ${untimed}: stopped early or could not run, see the table` : ''})`,
  }[choice.how];
  return choice.unavailable ? `${choice.unavailable}; this tab uses ${choice.backend} instead, ${how}.` : `${choice.backend}: ${how}.`;
}

function showTimings(choice: BackendChoice): void {
  const tbody = document.querySelector('#timings tbody')!;
  tbody.replaceChildren();
  const fmt = (x: number | null) => (x === null ? '-' : x.toFixed(2));
  for (const t of choice.timings) {
    const tr = document.createElement('tr');
    if (t.backend === choice.backend) tr.className = 'chosen';
    for (const cell of [t.backend, fmt(t.gradMs), fmt(t.actMs), fmt(t.cycleMs), t.error ?? '']) {
      const td = document.createElement('td');
      td.textContent = cell;
      tr.appendChild(td);
    }
    tbody.appendChild(tr);
  }
}

/** Draws env 0 of the tab's current worker ten times a second while it trains. */
function drawAgent(current: () => RolloutWorker | null): void {
  const canvas = document.getElementById('agent') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d');
  if (!ctx) return void (canvas.hidden = true);
  setInterval(() => {
    const worker = current();
    const envId = worker?.status.envId;
    const env = worker?.status.state === 'training' ? worker.collector?.env : undefined;
    canvas.hidden = !envId || !renderableEnvIds().includes(envId);
    if (env && envId && !canvas.hidden) renderEnv(envId, env.state(0), ctx, canvas.width, canvas.height);
  }, 100);
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const config = (await (await fetch('/api/config')).json()) as TrainConfig;
  $('worker-env').textContent = config.envId;
  const fromQuery = parseBackend(query.get('backend'));
  const forced = fromQuery ?? (config.backend === 'auto' ? null : config.backend);
  $('worker-state').textContent = 'choosing a backend';
  const t0 = performance.now();
  let timing = false;
  const choice = await chooseBackend(config, {
    forced,
    retime: query.get('retime') === '1',
    onProgress: (p) => {
      // One console line (a headless fleet passes it to its terminal), then the page says each step.
      if (!timing) console.info(`tabswarm: timing the backends on this browser and device (${config.envId}); the choice is remembered`);
      timing = true;
      $('worker-message').textContent = `timing ${p.backend}: ${p.what} ${p.step} of ${p.of}`;
    },
  });
  console.info(`tabswarm: backend ${choice.backend} (${choice.how}, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  $('worker-backend').textContent = choice.backend;
  $('worker-backend').dataset.backend = choice.backend;
  $('worker-backend').dataset.how = choice.how;
  $('worker-backend-why').textContent = why(choice, fromQuery ? `?backend=${fromQuery}` : "the run's config");
  $('worker-adapter').textContent = choice.adapter;
  showTimings(choice);

  let worker: RolloutWorker | null = null;
  const start = async () => {
    retry = null;
    stopButton.disabled = false;
    restartButton.hidden = true;
    worker = new RolloutWorker({
      url: location.origin,
      backend: choice.backend,
      adapter: choice.adapter,
      timings: choice.timings,
      userAgent: navigator.userAgent,
      token: query.get('token') ?? undefined,
      delayMs: parseDelay(query.get('delay')),
      waitForNextRun: true,
      onStatus: showSoon,
    });
    const s = await worker.run();
    show(s);
    if (s.state === 'error') {
      // A volunteer's tab keeps contributing: it tries again by itself, waiting longer after each error in a row.
      retryMs = s.accepted > 0 ? FIRST_RETRY_MS : Math.min(MAX_RETRY_MS, 2 * retryMs || FIRST_RETRY_MS);
      $('worker-message').textContent = `${s.message}; trying again in ${retryMs / 1000} s`;
      retry = setTimeout(() => void start().catch(fail), retryMs);
    }
    stopButton.disabled = retry === null;
    restartButton.hidden = false;
  };
  let retryMs = 0;
  let retry: ReturnType<typeof setTimeout> | null = null;
  const cancelRetry = () => {
    if (retry !== null) clearTimeout(retry);
    retry = null;
  };
  stopButton.addEventListener('click', () => {
    cancelRetry();
    stopButton.disabled = true;
    worker?.stop();
  });
  restartButton.addEventListener('click', () => {
    cancelRetry();
    void start().catch(fail);
  });
  Object.assign(window, {
    tabswarm: {
      choice,
      /** This tab's worker status (a new worker after Restart). */
      get status() {
        return (worker as RolloutWorker | null)?.status ?? null;
      },
      numTensors: () => tf.memory().numTensors,
      /** Test and debugging hook: this tab's gradient for given params and the synthetic batch of `seed`. */
      gradientAt: async (params: number[], seed: number) => Array.from(await syntheticGradient(config, Float32Array.from(params), seed)),
    },
  });
  drawAgent(() => worker);
  await start();
}

function fail(e: unknown): void {
  $('worker-state').textContent = 'error';
  $('worker-message').textContent = e instanceof Error ? e.message : String(e);
  console.error(e);
}

main().catch(fail);
