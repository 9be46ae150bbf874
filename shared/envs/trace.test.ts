import { describe, expect, it } from 'vitest';
import { Rng } from '../rng.ts';
import { envIds, envSpec, makeEnv } from './registry.ts';
import { REPLAY_CHUNK, bytesPerValue, decodeActions, encodeActions, replayEpisode, replaySteps, type EpisodeTrace } from './trace.ts';
import { VecEnv } from './vecEnv.ts';

const BUILT_IN = ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'LunarLander-v3', 'LunarLanderContinuous-v3'];

/** What the VecEnv said of one finished episode, step by step. */
interface Played {
  trace: EpisodeTrace;
  return: number;
  length: number;
  firstObs: number[];
  obs: number[][];
  rewards: number[];
  terminated: boolean;
  truncated: boolean;
}

/**
 * A lander controller that holds it hovering (Gymnasium's heuristic with a fixed height target),
 * so that its episodes reach the time limit.
 */
function hover(s: ArrayLike<number>, continuous: boolean): number[] {
  const angleTarg = Math.max(-0.4, Math.min(0.4, s[0] * 0.5 + s[2] * 1.0));
  const angleTodo = (angleTarg - s[4]) * 0.5 - s[5] * 1.0;
  const hoverTodo = (0.8 - s[1]) * 0.5 - s[3] * 0.5;
  if (continuous) return [Math.max(-1, Math.min(1, hoverTodo * 20 - 1)), Math.max(-1, Math.min(1, -angleTodo * 20))];
  if (hoverTodo > Math.abs(angleTodo) && hoverTodo > 0.05) return [2];
  return [angleTodo < -0.05 ? 3 : angleTodo > 0.05 ? 1 : 0];
}

/**
 * Plays `numEnvs` envs of `id` for `steps` steps: random actions, except in envs 1 and 2 of
 * CartPole-v1 (a linear controller balances the pole) and of LunarLander (it hovers), so that
 * their episodes reach the time limit.
 */
function play(id: string, numEnvs: number, steps: number, seed: number): Played[] {
  const spec = envSpec(id);
  const vec = new VecEnv(id, numEnvs, seed);
  const d = spec.obsDim;
  const dim = vec.actionDim;
  const rng = new Rng(seed + 99);
  let obs = vec.reset();
  const current = Array.from({ length: numEnvs }, (_, i) => ({ firstObs: Array.from(obs.subarray(i * d, (i + 1) * d)), obs: [] as number[][], rewards: [] as number[] }));
  const done: Played[] = [];
  for (let t = 0; t < steps; t++) {
    const actions = new Float32Array(numEnvs * dim);
    for (let i = 0; i < numEnvs; i++) {
      const space = spec.actionSpace;
      const o = obs.subarray(i * d, (i + 1) * d);
      if (id.startsWith('LunarLander') && i > 0) {
        actions.set(hover(o, space.type === 'box'), i * dim);
      } else if (space.type === 'discrete') {
        actions[i] = id === 'CartPole-v1' && i > 0 ? (0.5 * o[0] + o[1] + 10 * o[2] + 3 * o[3] > 0 ? 1 : 0) : rng.int(space.n);
      } else {
        for (let j = 0; j < dim; j++) actions[i * dim + j] = Math.fround(rng.uniform(space.low[j] * 1.2, space.high[j] * 1.2)); // some beyond the bounds: the env clips
      }
    }
    const out = vec.step(actions);
    for (let i = 0; i < numEnvs; i++) {
      const ended = out.terminated[i] || out.truncated[i];
      current[i].obs.push(Array.from(ended ? out.finalObs[i]! : out.obs.subarray(i * d, (i + 1) * d)));
      current[i].rewards.push(out.rewards[i]);
      if (ended) {
        const f = out.finished.find((e) => e.env === i)!;
        done.push({ ...current[i], trace: f.trace, return: f.return, length: f.length, terminated: out.terminated[i] === 1, truncated: out.truncated[i] === 1 });
        current[i] = { firstObs: Array.from(out.obs.subarray(i * d, (i + 1) * d)), obs: [], rewards: [] };
      }
    }
    obs = out.obs.slice();
  }
  return done;
}

const bits = (x: number[]) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

describe('every shipped env replays bitwise from (seed, actions)', () => {
  it('covers every env in the registry', () => expect(envIds()).toEqual(BUILT_IN));

  it.each(BUILT_IN)('%s', (id) => {
    const spec = envSpec(id);
    const played = play(id, 3, 1200, 7);
    expect(played.length).toBeGreaterThanOrEqual(3);
    // truncation by the time limit is replayed too
    expect(played.some((p) => p.truncated && p.length === spec.maxEpisodeSteps)).toBe(true);
    if (id.startsWith('LunarLander') || id === 'CartPole-v1') expect(played.some((p) => p.terminated)).toBe(true);
    const seeds = new Set(played.map((p) => p.trace.seed));
    expect(seeds.size).toBe(played.length); // every episode started from a seed of its own
    for (const p of played) {
      expect(p.trace.actions.length).toBe(p.length * (spec.actionSpace.type === 'discrete' ? 1 : spec.actionSpace.low.length));
      // by hand: a fresh env from reset(seed) gives the same observations and rewards, bit for bit
      const env = makeEnv(id, 12345);
      expect(bits(Array.from(env.reset(p.trace.seed)))).toEqual(bits(p.firstObs));
      const dim = p.trace.actions.length / p.length;
      for (let t = 0; t < p.length; t++) {
        const r = env.step(dim === 1 && spec.actionSpace.type === 'discrete' ? p.trace.actions[t] : p.trace.actions.subarray(t * dim, (t + 1) * dim));
        expect(bits(Array.from(r.obs))).toEqual(bits(p.obs[t]));
        expect(Math.fround(r.reward)).toBe(p.rewards[t]);
        expect(r.terminated || r.truncated).toBe(t === p.length - 1);
      }
      // replayEpisode, from the actions' wire bytes, gives the reported return exactly
      const wire = encodeActions(spec, p.trace.actions);
      expect(wire.byteLength).toBe(p.trace.actions.length * bytesPerValue(spec));
      expect(replayEpisode(id, p.trace.seed, decodeActions(spec, wire, p.length))).toEqual({ return: p.return, length: p.length });
    }
  });

  it('the same seed plays the same episodes; another seed other ones', () => {
    const a = play('Acrobot-v1', 2, 600, 3).map((p) => [p.trace.seed, p.return, p.length]);
    expect(play('Acrobot-v1', 2, 600, 3).map((p) => [p.trace.seed, p.return, p.length])).toEqual(a);
    expect(play('Acrobot-v1', 2, 600, 4).map((p) => p.trace.seed)).not.toEqual(a.map((x) => x[0]));
  });
});

describe('a trace that is not an episode of the env is refused with a clear error', () => {
  const [ep] = play('CartPole-v1', 1, 200, 1);
  it('a trace that ends too early or too late, a wrong seed, invalid actions, or bytes of another length', () => {
    const spec = envSpec('CartPole-v1');
    const { seed, actions } = ep.trace;
    expect(() => replayEpisode('CartPole-v1', seed, actions.subarray(0, ep.length - 1))).toThrow(/had not ended after/);
    expect(() => replayEpisode('CartPole-v1', seed, Float32Array.from([...actions, 0]))).toThrow(/ended at step/);
    expect(() => replayEpisode('CartPole-v1', seed, new Float32Array(0))).toThrow(/whole number/);
    expect(() => replayEpisode('CartPole-v1', seed, new Float32Array(501))).toThrow(/at most 500 steps/);
    expect(() => replayEpisode('CartPole-v1', 0.5, actions)).toThrow(/seed/);
    expect(() => replayEpisode('CartPole-v1', seed, actions.map((a, t) => (t === 2 ? 7 : a)))).toThrow(/action/);
    expect(() => decodeActions(spec, new Uint8Array(ep.length + 1), ep.length)).toThrow(/action bytes/);
    expect(() => decodeActions(spec, 'abc', ep.length)).toThrow(/binary/);
    expect(() => decodeActions(envSpec('Pendulum-v1'), new Uint8Array(6), 2)).toThrow(/float32|multiple/);
  });

  it('replaySteps yields every REPLAY_CHUNK steps, so a long episode can be spread over the event loop', () => {
    const [p] = play('Pendulum-v1', 1, 200, 2);
    const steps = replaySteps('Pendulum-v1', p.trace.seed, p.trace.actions);
    let yields = 0;
    let next = steps.next();
    for (; !next.done; next = steps.next()) yields++;
    expect(yields).toBe(Math.floor(200 / REPLAY_CHUNK));
    expect(next.value).toEqual({ return: p.return, length: 200 });
  });
});
