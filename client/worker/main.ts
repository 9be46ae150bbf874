/** The worker page: measure backends, join the coordinator that served this page, train. */
import 'virtual:tabswarm-env-modules';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainConfig } from '../../shared/config.ts';
import { BACKENDS, type Backend } from '../../shared/protocol.ts';
import { syntheticGradient } from '../../shared/ppo/synthetic.ts';
import { chooseBackend } from './backends.ts';
import { renderEnv, renderableEnvIds } from '../../shared/envs/render.ts';
import { RolloutWorker, type WorkerStatus } from './rolloutWorker.ts';

const $ = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement;

/** Milliseconds between status redraws while training (each push changes the status). */
const SHOW_EVERY_MS = 250;
let shown: { at: number; state: string } = { at: -Infinity, state: '' };
let latest: WorkerStatus | null = null;
let showTimer: ReturnType<typeof setTimeout> | null = null;

/**
 * Shows the status at most every SHOW_EVERY_MS, and at once when its state changes. Every redraw
 * is a frame to lay out, paint and composite (on a machine without a GPU, by the CPU), and a
 * training tab's status changes with each of its hundreds of pushes a second.
 */
function showSoon(s: WorkerStatus): void {
  latest = s;
  const wait = shown.at + SHOW_EVERY_MS - performance.now();
  if (wait <= 0 || s.state !== shown.state) return show(s);
  showTimer ??= setTimeout(() => show(latest!), wait);
}

function show(s: WorkerStatus): void {
  if (showTimer !== null) clearTimeout(showTimer);
  showTimer = null;
  shown = { at: performance.now(), state: s.state };
  $('worker-state').textContent = s.state;
  $('worker-message').textContent = s.message;
  $('worker-id').textContent = s.workerId ?? '';
  $('worker-version').textContent = String(s.version);
  $('worker-rollouts').textContent = String(s.rollouts);
  $('worker-steps').textContent = s.envSteps.toLocaleString();
  $('worker-sps').textContent = Math.round(s.rolloutSps).toLocaleString();
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

/** Draws env 0 of this tab ten times a second while it trains. */
function drawAgent(worker: RolloutWorker, envId: string): void {
  const canvas = document.getElementById('agent') as HTMLCanvasElement;
  const ctx = canvas.getContext('2d');
  if (!ctx || !renderableEnvIds().includes(envId)) {
    canvas.hidden = true;
    return;
  }
  const timer = setInterval(() => {
    if (worker.status.state !== 'training' && worker.status.state !== 'connecting') clearInterval(timer);
    const env = worker.collector?.env;
    if (env) renderEnv(envId, env.state(0), ctx, canvas.width, canvas.height);
  }, 100);
}

async function main(): Promise<void> {
  const query = new URLSearchParams(location.search);
  const config = (await (await fetch('/api/config')).json()) as TrainConfig;
  const forced = parseBackend(query.get('backend')) ?? (config.backend === 'auto' ? null : config.backend);
  const choice = await chooseBackend(config, forced);
  $('worker-backend').textContent = choice.backend;
  $('worker-adapter').textContent = choice.adapter;
  const tbody = document.querySelector('#timings tbody')!;
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
  const worker = new RolloutWorker({
    url: location.origin,
    backend: choice.backend,
    adapter: choice.adapter,
    timings: choice.timings,
    userAgent: navigator.userAgent,
    token: query.get('token') ?? undefined,
    delayMs: parseDelay(query.get('delay')),
    onStatus: showSoon,
  });
  Object.assign(window, {
    tabswarm: {
      choice,
      status: worker.status,
      numTensors: () => tf.memory().numTensors,
      /** Test and debugging hook: this tab's gradient for given params and the synthetic batch of `seed`. */
      gradientAt: async (params: number[], seed: number) => Array.from(await syntheticGradient(config, Float32Array.from(params), seed)),
    },
  });
  drawAgent(worker, config.envId);
  const final = await worker.run();
  show(final);
}

main().catch((e: unknown) => {
  $('worker-state').textContent = 'error';
  $('worker-message').textContent = e instanceof Error ? e.message : String(e);
  console.error(e);
});
