/**
 * What `bench/backends.ts` asks the bench page (bench/page/bench.html) for, and what it gets
 * back from `window.tabswarmBench`. Types only, so the Node side can import them.
 */
import type { Backend } from '../../shared/protocol.ts';

export interface BenchRequest {
  backend: Backend;
  /** wasm only: setThreadsCount before init (tfjs's default is min(4, max(1, cores / 2))). */
  wasmThreads?: number;
  /** Give up on a backend whose setBackend/ready has not settled after this long. */
  initTimeoutMs: number;
  /** Rollout sizes: envs stepped together, one batched inference per step (CartPole-v1, 64x64 MLP). */
  numEnvs: number[];
  /** numSteps is chosen so one timed collect lasts at least this long. */
  rolloutMinSeconds: number;
  /** Upper bound on the chosen numSteps. */
  rolloutMaxSteps: number;
  /** Warm-up collects at the final numSteps (at least 1: the last sizing collect is one). */
  rolloutWarmup: number;
  rolloutRepeats: number;
  /** Gradient minibatch sizes. */
  batches: number[];
  /** Hidden layer widths of the actor and of the critic, one gradient table each. */
  hiddens: number[][];
  gradWarmup: number;
  gradRepeats: number;
  /**
   * Time budget of one measurement (warm-up and repeats): repeats stop once it is spent (with at
   * least one timed call), and once a measurement has taken longer, the larger sizes of the same
   * series are skipped as too slow.
   */
  slowMs: number;
  /** Iterations of one inference plus one gradient (64x64, 16 envs, batch 64) while sampling the tensor count; 0 = none. */
  leakIterations: number;
}

/** One measurement: a number, or why there is none. */
export interface Measurement {
  size: number;
  status: 'ok' | 'skipped (too slow)' | 'error';
  /** Median seconds of one timed call. */
  medianS?: number;
  /** Env steps/s (rollout) or samples/s (gradient) at the median. */
  perS?: number;
  /** Timed calls the median is over (fewer than asked when the budget ran out). */
  repeats?: number;
  /** Rollout only: steps per env in one collect. */
  numSteps?: number;
  /** Wall seconds of the whole measurement, warm-up included. */
  elapsedS?: number;
  error?: string;
}

export interface GradientSeries {
  hidden: number[];
  numParams: number;
  results: Measurement[];
}

export interface BenchResult {
  backend: Backend;
  /** tfjs's backend after setBackend (equals `backend` unless it failed). */
  activeBackend: string | null;
  error?: string;
  adapter: string;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  userAgent: string;
  wasm?: { simd: boolean; multithread: boolean; threads: number | null; binary: string };
  /** tf.memory().numTensors right after the backend is ready and after everything ran. */
  tensorsBefore: number | null;
  tensorsAfter: number | null;
  rollout: Measurement[];
  gradient: GradientSeries[];
  /** tf.memory().numTensors after every 1,000 iterations of the leak check. */
  leakCheck?: { iterations: number; counts: number[]; seconds: number };
  totalS: number;
}

export type TabswarmBench = (req: BenchRequest) => Promise<BenchResult>;
/** Set by the Node side (page.exposeFunction) to print progress lines as they come. */
export type TabswarmBenchReport = (line: string) => Promise<void>;
