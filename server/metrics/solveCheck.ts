/**
 * The coordinator's confirmation of a solve. The returns in the solve window are what tabs
 * reported, and a tab can report anything; so when the window says solved, the coordinator plays
 * the current params itself: deterministic actions (as the zoo evaluates), the run's merged
 * observation statistics, `solveCheckEpisodes` episodes from seeds it draws at random (no tab can
 * tune a policy to them). The run is solved only if that mean reaches the threshold; otherwise
 * the next check waits `solveCheckEverySteps` env steps.
 *
 * The episodes run in slices on the event loop (server/slices.ts), so pushes and reports keep being
 * answered meanwhile (a CartPole-v1 check of 20 episodes of 500 steps is about 0.13 s of CPU in
 * all on a 2-core Xeon: 13 us a step, the actor alone).
 */
import { randomInt } from 'node:crypto';
import type { TrainConfig } from '../../shared/config.ts';
import type { SolveChecks } from '../../shared/protocol.ts';
import { evaluationSteps } from '../../shared/ppo/evaluate.ts';
import { runToEnd } from '../../shared/steps.ts';
import { Slices } from '../slices.ts';

/** A check under way: its episodes (stepped by the slices, or at once by `finishNow`) and what it reports to. */
interface Running {
  steps: Generator<void, number[], void>;
  envSteps: number;
  onDone: (mean: number | null) => void;
}

export class SolveCheck {
  count = 0;
  lastMean: number | null = null;
  lastAtEnvSteps: number | null = null;
  private current: Running | null = null;
  private nextAtEnvSteps = 0;
  private readonly slices = new Slices();

  constructor(private readonly config: TrainConfig) {}

  get running(): boolean {
    return this.current !== null;
  }

  /** Whether a check may start at `envSteps`: none is running and the last one started solveCheckEverySteps or more before. */
  due(envSteps: number): boolean {
    return this.current === null && envSteps >= this.nextAtEnvSteps;
  }

  /**
   * Plays `params` (a copy the caller does not change) with observation statistics `obsStats`
   * (null when the run does not normalize) in slices; `onDone` gets the mean return, or null when
   * the evaluation failed (it then counts as falling short).
   */
  start(params: Float32Array, obsStats: Float64Array | null, envSteps: number, onDone: (mean: number | null) => void): void {
    const episodes = this.config.solveCheckEpisodes;
    const run: Running = { steps: evaluationSteps(this.config, params, obsStats, episodes, randomInt(0, 2 ** 31 - episodes)), envSteps, onDone };
    this.current = run;
    void this.slices.run(run.steps).then((returns) => {
      if (this.current === run) this.done(returns);
    });
  }

  /**
   * Plays the rest of a running check at once and reports it before returning (the run's budget
   * ran out while it was under way: its verdict on params from within the budget comes first).
   */
  finishNow(): void {
    const run = this.current;
    if (!run) return;
    this.slices.cancel(new Error('finished at once'));
    let returns: number[] | Error;
    try {
      returns = runToEnd(run.steps);
    } catch (e) {
      returns = e instanceof Error ? e : new Error(String(e));
    }
    this.done(returns);
  }

  /** Abandons a running check (the run ended meanwhile); its result is never reported. */
  cancel(): void {
    this.slices.cancel(new Error('cancelled'));
    this.current = null;
  }

  status(): SolveChecks {
    return { count: this.count, running: this.running, lastMean: this.lastMean, lastAtEnvSteps: this.lastAtEnvSteps };
  }

  private done(returns: number[] | Error): void {
    const run = this.current!;
    this.current = null;
    this.count++;
    this.lastAtEnvSteps = run.envSteps;
    this.nextAtEnvSteps = run.envSteps + this.config.solveCheckEverySteps;
    if (returns instanceof Error) console.error(`tabswarm: solve check failed: ${returns.message}`);
    this.lastMean = returns instanceof Error ? null : returns.reduce((a, b) => a + b, 0) / returns.length;
    run.onDone(this.lastMean);
  }
}
