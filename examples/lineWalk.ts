/**
 * An example custom environment, registered from outside tabswarm's code: start with
 * `npm start -- --env-module examples/lineWalk.ts --env LineWalk-v0`. The e2e tests use it.
 * Walk a line from a random start; reaching +3 ends the episode with reward 1. The env counts no
 * steps: `makeEnv` truncates every episode at the registered `maxEpisodeSteps` (20). Its drawing
 * (registerRenderer) lets `tabswarm eval --render` draw its episodes.
 */
import { registerEnv } from '../shared/envs/registry.ts';
import { registerRenderer } from '../shared/envs/render.ts';
import type { Env, EnvSpec, StepResult } from '../shared/envs/types.ts';
import { Rng } from '../shared/rng.ts';

export const LINE_WALK_V0: EnvSpec = {
  id: 'LineWalk-v0', obsDim: 1, actionSpace: { type: 'discrete', n: 2 }, maxEpisodeSteps: 20, rewardThreshold: 0.9,
};

class LineWalk implements Env {
  readonly spec = LINE_WALK_V0;
  private pos = 0;
  private rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) this.rng = new Rng(seed);
    this.pos = this.rng.int(5) - 2;
    return Float32Array.of(this.pos / 3);
  }

  step(action: number | ArrayLike<number>): StepResult {
    if (action !== 0 && action !== 1) throw new Error(`LineWalk-v0: invalid action ${String(action)}`);
    this.pos = Math.max(-3, this.pos + (action === 1 ? 1 : -1));
    const terminated = this.pos >= 3;
    return { obs: Float32Array.of(this.pos / 3), reward: terminated ? 1 : 0, terminated, truncated: false };
  }

  getState(): Float64Array {
    return Float64Array.of(this.pos);
  }

  setState(state: ArrayLike<number>): void {
    if (state.length !== 1 || !Number.isInteger(state[0])) throw new Error('LineWalk-v0: state is [pos], an integer');
    this.pos = state[0];
  }
}

registerEnv(LINE_WALK_V0, (seed) => new LineWalk(seed));

/** The line from -3 to +3 across the canvas, the goal at +3, the walker a disc at its position. */
registerRenderer(LINE_WALK_V0.id, 1, ([pos], ctx, w, h) => {
  const x = (p: number): number => w * (0.1 + 0.8 * (p + 3) / 6);
  ctx.strokeStyle = '#000';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(x(-3), h / 2);
  ctx.lineTo(x(3), h / 2);
  ctx.stroke();
  ctx.fillStyle = '#cccc00';
  ctx.fillRect(x(3) - 3, h / 2 - 0.3 * h, 6, 0.3 * h);
  ctx.fillStyle = '#8066e6';
  ctx.beginPath();
  ctx.arc(x(pos), h / 2, 0.08 * Math.min(w, h) + 2, 0, 2 * Math.PI);
  ctx.fill();
});
