/**
 * `GET /metrics`: the run in the Prometheus text format, for tools outside the dashboard.
 *
 * The metrics are read from the coordinator's live state when scraped (each metric's
 * `collect`), so pushes and reports pay nothing for them. Every coordinator has its own Registry,
 * created at its first scrape: several coordinators in one process (tests, benchmarks) keep apart,
 * and one that is never scraped never starts prom-client's process collectors (event loop delay
 * monitor, GC observer). So prom-client's `process_cpu_*_seconds_total` count from that first
 * scrape, not from the process's start: their rate is right, their total is not the process's.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { TrainConfig } from '../../shared/config.ts';
import { M } from '../../shared/metrics.ts';
import { REJECT_REASONS } from '../../shared/protocol.ts';
import { TextReply } from '../net/httpServer.ts';
import type { DecisionCounts } from '../updates/updatePipeline.ts';
import type { LatencySummary } from './latency.ts';
import type { RunState, RunTracker } from './runTracker.ts';

/** What a scrape reads: the parts of the Coordinator named as it names them, so a Coordinator is one. */
export interface ScrapeSource {
  readonly config: Pick<TrainConfig, 'envId' | 'updateMode'>;
  readonly ps: { readonly version: number };
  readonly updates: { readonly counts: DecisionCounts };
  readonly tracker: Pick<RunTracker, 'envSteps' | 'episodes' | 'state' | 'meanReturn' | 'history'>;
  readonly registry: { connectedCount(): number };
  readonly pushLatency: { summary(): LatencySummary };
}

/** Every run state, so `tabswarm_run_state` shows each one (1 for the current, 0 for the others). */
const RUN_STATES = Object.keys({ waiting: 0, training: 0, solved: 0, budgetExhausted: 0, stopped: 0 } satisfies Record<RunState, 0>) as RunState[];

/** The push decision latency quantiles the window gives (nearest rank); quantile 1 is its maximum. */
const LATENCY_QUANTILES = [['0.5', 'p50'], ['0.99', 'p99'], ['1', 'max']] as const;

/** A Registry holding the coordinator's metrics (`tabswarm_*`) and prom-client's process metrics (CPU, memory, event loop). */
export function coordinatorRegistry(source: ScrapeSource): Registry {
  const register = new Registry();
  const registers = [register];
  // Counters are kept by the coordinator; each scrape sets them to its totals (reset, then add).
  new Counter({
    name: 'tabswarm_updates_total', help: 'Pushed updates by decision: accepted, or the reason it was refused', labelNames: ['decision'], registers,
    collect() {
      const { accepted, rejected } = source.updates.counts;
      this.reset();
      this.inc({ decision: 'accepted' }, accepted);
      for (const reason of REJECT_REASONS) this.inc({ decision: reason }, rejected[reason] ?? 0);
    },
  });
  new Counter({
    name: 'tabswarm_env_steps_total', help: 'Env steps counted from accepted rollout reports', registers,
    collect() { this.reset(); this.inc(source.tracker.envSteps); },
  });
  new Counter({
    name: 'tabswarm_episodes_total', help: 'Finished episodes counted from accepted rollout reports', registers,
    collect() { this.reset(); this.inc(source.tracker.episodes); },
  });
  new Gauge({
    name: 'tabswarm_parameter_version', help: 'Parameter version: optimizer steps applied', registers,
    collect() { this.set(source.ps.version); },
  });
  new Gauge({
    name: 'tabswarm_workers_connected', help: 'Joined workers (tabs) connected now', registers,
    collect() { this.set(source.registry.connectedCount()); },
  });
  new Gauge({
    name: 'tabswarm_mean_return', help: 'Mean episodic return over the solve window (NaN before any episode)', registers,
    collect() { this.set(source.tracker.meanReturn() ?? NaN); },
  });
  new Gauge({
    name: 'tabswarm_env_steps_per_second', help: 'Env steps per second over the latest dashboard tick', registers,
    collect() { this.set(source.tracker.history.at(-1)?.metrics[M.sps] ?? 0); },
  });
  new Gauge({
    name: 'tabswarm_push_decision_seconds', help: 'Time from a push\'s arrival to its decision over the latest pushes, by quantile (1: the maximum)',
    labelNames: ['quantile'], registers,
    collect() {
      const s = source.pushLatency.summary();
      this.reset(); // no series before the first push
      for (const [quantile, key] of LATENCY_QUANTILES) {
        const ms = s[key];
        if (ms !== null) this.set({ quantile }, ms / 1000);
      }
    },
  });
  new Gauge({
    name: 'tabswarm_push_decision_samples', help: 'Pushes in the window the push decision quantiles are taken over', registers,
    collect() { this.set(source.pushLatency.summary().n); },
  });
  new Gauge({
    name: 'tabswarm_run_state', help: 'The run\'s state: 1 for the current one, 0 for the others', labelNames: ['state'], registers,
    collect() {
      for (const state of RUN_STATES) this.set({ state }, source.tracker.state === state ? 1 : 0);
    },
  });
  new Gauge({
    name: 'tabswarm_run_info', help: 'The run\'s environment and update mode, as labels (always 1)', labelNames: ['env_id', 'update_mode'], registers,
    collect() { this.set({ env_id: source.config.envId, update_mode: source.config.updateMode }, 1); },
  });
  collectDefaultMetrics({ register });
  return register;
}

/** The `/metrics` route: the source's registry, made at the first scrape, rendered in the Prometheus text format. */
export function metricsRoute(source: ScrapeSource): () => Promise<TextReply> {
  let register: Registry | null = null;
  return async () => {
    register ??= coordinatorRegistry(source);
    return new TextReply(register.contentType, await register.metrics());
  };
}
