/**
 * The stochastic policy's actions from one batched inference (`PolicyOutput`): categorical draws,
 * Gaussian draws (Normal(mean, exp(logStd)), CleanRL ppo_continuous_action) or gSDE's
 * state-dependent noise, plus the copy clipped to the Box that the envs get. The tabs' rollouts
 * and the stochastic evaluation (evaluate.ts) both draw their actions here.
 */
import type { Rng } from '../rng.ts';
import { sampleCategorical } from './categorical.ts';
import { gsdeLogStd, sampleExplorationMatrices, sampleGaussian, sampleGsde } from './gaussian.ts';
import type { PolicyOutput } from './learner.ts';
import { actionWidth, type PolicyHead } from './policyHead.ts';

export class ActionSampler {
  /** The actions as drawn (Gaussian: unclipped), [E, actionWidth]: what PPO stores. */
  readonly actions: Float32Array;
  /** The actions the envs get: `actions` clipped to the Box bounds (the same array for a categorical head). */
  readonly envActions: Float32Array;
  /** Log-probabilities of `actions`, [E]. */
  readonly logp: Float32Array;
  private readonly width: number;
  private readonly rowLogStd: Float32Array; // gSDE's per-env log-std [E, D]
  /** gSDE: each env's exploration matrix [E, H, D]. */
  private theta = new Float32Array(0);
  private readonly u: () => number;
  private readonly normal: () => number;

  /**
   * `sdeSampleFreq`: a gSDE policy redraws its exploration matrices every `sdeSampleFreq` steps
   * and at step 0 (0: only at step 0).
   */
  constructor(readonly head: PolicyHead, readonly numEnvs: number, rng: Rng, private readonly sdeSampleFreq: number) {
    this.width = actionWidth(head);
    this.actions = new Float32Array(numEnvs * this.width);
    this.envActions = head.type === 'gaussian' ? new Float32Array(numEnvs * this.width) : this.actions;
    this.logp = new Float32Array(numEnvs);
    this.rowLogStd = new Float32Array(numEnvs * this.width);
    this.u = () => rng.next();
    this.normal = () => rng.normal();
  }

  /**
   * Draws one action per env from `out` into `actions`, `envActions` and `logp`; `t` counts the
   * steps since the rollout (or episode) began, for gSDE's redraws. A non-empty `actorHidden`
   * means gSDE.
   */
  sample(out: Pick<PolicyOutput, 'actorOut' | 'logStd' | 'actorHidden'>, t: number): void {
    const { head, numEnvs: e, width: w } = this;
    const { actorOut, logStd, actorHidden } = out;
    if (head.type === 'categorical') {
      sampleCategorical(actorOut, e, head.numActions, this.u, this.actions, this.logp);
      return;
    }
    if (actorHidden.length > 0) {
      const h = actorHidden.length / e;
      if (t === 0 || (this.sdeSampleFreq > 0 && t % this.sdeSampleFreq === 0)) {
        if (this.theta.length !== e * h * w) this.theta = new Float32Array(e * h * w);
        sampleExplorationMatrices(logStd, e, this.normal, this.theta);
      }
      gsdeLogStd(actorHidden, logStd, e, h, w, this.rowLogStd);
      sampleGsde(actorOut, actorHidden, this.theta, this.rowLogStd, e, h, w, this.actions, this.logp);
    } else {
      sampleGaussian(actorOut, logStd, e, w, this.normal, this.actions, this.logp);
    }
    for (let k = 0; k < e * w; k++) this.envActions[k] = Math.min(Math.max(this.actions[k], head.low[k % w]), head.high[k % w]);
  }
}
