import { describe, expect, it } from 'vitest';
import { registerEnv } from '../envs/registry.ts';
import type { Env, EnvSpec, StepResult } from '../envs/types.ts';
import { gaussianLogProb, gsdeLogStd } from './gaussian.ts';
import type { PolicyOutput } from './learner.ts';
import { RolloutCollector, type Policy } from './rollout.ts';

/** Test Box env: obs [t], reward = first action value; records every action it is stepped with. */
const LOW = [-1, 0];
const HIGH = [1, 2];
const BOX_SPEC: EnvSpec = { id: 'TestBoxRecorder-v0', obsDim: 1, actionSpace: { type: 'box', low: LOW, high: HIGH }, maxEpisodeSteps: 5, rewardThreshold: null };
const received: number[][] = [];
class BoxRecorder implements Env {
  readonly spec = BOX_SPEC;
  private t = 0;
  reset(): Float32Array {
    this.t = 0;
    return Float32Array.of(0);
  }
  step(action: number | ArrayLike<number>): StepResult {
    const a = Array.from(action as ArrayLike<number>);
    received.push(a);
    this.t += 1;
    return { obs: Float32Array.of(this.t), reward: a[0], terminated: false, truncated: this.t >= 5 };
  }
  getState(): Float64Array {
    return Float64Array.of(this.t);
  }
  setState(s: ArrayLike<number>): void {
    this.t = s[0];
  }
}
registerEnv(BOX_SPEC, () => new BoxRecorder());

/** A fixed Gaussian policy: mean [0.5, 1] for every obs, std [2, 0.5], value 0. */
const MEAN = [0.5, 1];
const LOG_STD = Float32Array.from([Math.log(2), Math.log(0.5)]);
const fixedGaussian: Policy = {
  act: async (_obs, batch): Promise<PolicyOutput> => ({
    actorOut: Float32Array.from({ length: batch * 2 }, (_, k) => MEAN[k % 2]),
    values: new Float32Array(batch),
    logStd: LOG_STD,
    actorHidden: new Float32Array(0),
  }),
};

describe('RolloutCollector with a Gaussian head', () => {
  it('stores unclipped actions and their log-probs; the env receives them clipped to the Box', async () => {
    received.length = 0;
    const e = 3;
    const t = 20;
    const collector = new RolloutCollector(BOX_SPEC.id, e, t, 4);
    expect(collector.head).toEqual({ type: 'gaussian', actionDim: 2, low: [-1, 0], high: [1, 2] });
    expect(collector.actions.length).toBe(t * e * 2);
    await collector.collect(fixedGaussian, 0.99, 0.95);

    expect(received.length).toBe(t * e); // step-major, env order within a step
    let clippedCount = 0;
    for (let k = 0; k < t * e; k++) {
      for (let j = 0; j < 2; j++) {
        const stored = collector.actions[k * 2 + j];
        expect(received[k][j]).toBe(Math.min(Math.max(stored, LOW[j]), HIGH[j]));
        if (stored !== received[k][j]) clippedCount++;
      }
    }
    // std 2 around 0.5 in [-1, 1] is clipped often: stored actions really are outside the bounds
    expect(clippedCount).toBeGreaterThan(t * e * 0.3);

    const logp = new Float32Array(t * e);
    const means = Float32Array.from({ length: t * e * 2 }, (_, k) => MEAN[k % 2]);
    gaussianLogProb(collector.actions, means, LOG_STD, t * e, 2, logp);
    for (let k = 0; k < t * e; k++) expect(collector.logp[k]).toBeCloseTo(logp[k], 5);
  });

  it('gathers action rows [B, actionDim] with their samples', async () => {
    const collector = new RolloutCollector(BOX_SPEC.id, 2, 4, 5);
    await collector.collect(fixedGaussian, 0.99, 0.95);
    const mb = collector.allocMinibatch(3);
    expect(mb.actions.length).toBe(6);
    collector.gather(Int32Array.from([5, 0, 7]), 0, mb);
    for (const [k, i] of [[0, 5], [1, 0], [2, 7]]) {
      expect(Array.from(mb.actions.subarray(k * 2, k * 2 + 2))).toEqual(Array.from(collector.actions.subarray(i * 2, i * 2 + 2)));
      expect(mb.logpOld[k]).toBe(collector.logp[i]);
    }
  });
});

describe('RolloutCollector with a gSDE policy', () => {
  /** Features z = [1, -2, 0.5] and mean MEAN for every obs; logStd [3, 2]. */
  const H = 3;
  const Z = [1, -2, 0.5];
  const GSDE_LOG_STD = Float32Array.from([0, -1, 0.5, 0.2, -0.3, 0]);
  const gsdePolicy: Policy = {
    act: async (_obs, batch): Promise<PolicyOutput> => ({
      actorOut: Float32Array.from({ length: batch * 2 }, (_, k) => MEAN[k % 2]),
      values: new Float32Array(batch),
      logStd: GSDE_LOG_STD,
      actorHidden: Float32Array.from({ length: batch * H }, (_, k) => Z[k % H]),
    }),
  };
  const actionAt = (c: RolloutCollector, t: number, env: number, e: number) => Array.from(c.actions.subarray((t * e + env) * 2, (t * e + env) * 2 + 2));

  it.each([[4, [0, 4, 8]], [0, [0]]])('with sdeSampleFreq %d the noise is redrawn at steps %j only, per env', async (freq, redraws) => {
    const e = 2;
    const t = 10;
    const collector = new RolloutCollector(BOX_SPEC.id, e, t, 6, { normObs: false, normReward: false, clipObs: 10, clipReward: 10, gamma: 0.99, sdeSampleFreq: freq });
    await collector.collect(gsdePolicy, 0.99, 0.95);
    // features and mean are the same at every step, so an action changes exactly when its env's matrix is redrawn
    for (let step = 1; step < t; step++) {
      for (let env = 0; env < e; env++) {
        if (redraws.includes(step)) expect(actionAt(collector, step, env, e)).not.toEqual(actionAt(collector, step - 1, env, e));
        else expect(actionAt(collector, step, env, e)).toEqual(actionAt(collector, step - 1, env, e));
      }
    }
    expect(actionAt(collector, 0, 0, e)).not.toEqual(actionAt(collector, 0, 1, e)); // each env has its own matrix
    const rowLogStd = new Float32Array(t * e * 2);
    gsdeLogStd(Float32Array.from({ length: t * e * H }, (_, k) => Z[k % H]), GSDE_LOG_STD, t * e, H, 2, rowLogStd);
    const logp = new Float32Array(t * e);
    gaussianLogProb(collector.actions, Float32Array.from({ length: t * e * 2 }, (_, k) => MEAN[k % 2]), rowLogStd, t * e, 2, logp);
    for (let k = 0; k < t * e; k++) expect(collector.logp[k]).toBeCloseTo(logp[k], 5);
  });
});

describe('RolloutCollector with a categorical head', () => {
  it('samples action indices from uniform logits and stores one per step with log(1/2)', async () => {
    const policy: Policy = {
      act: async (_obs, batch): Promise<PolicyOutput> => ({
        actorOut: new Float32Array(batch * 2),
        values: new Float32Array(batch),
        logStd: new Float32Array(0),
        actorHidden: new Float32Array(0),
      }),
    };
    const collector = new RolloutCollector('CartPole-v1', 2, 6, 1);
    expect(collector.actionWidth).toBe(1);
    await collector.collect(policy, 0.99, 0.95);
    expect(collector.actions.length).toBe(12);
    for (const a of collector.actions) expect(a === 0 || a === 1).toBe(true);
    for (const lp of collector.logp) expect(lp).toBeCloseTo(Math.log(0.5), 6);
    expect(new Set(collector.actions).size).toBe(2);
  });
});
