import { describe, expect, it } from 'vitest';
import {
  KEEP, MEAN_WEIGHT, MIN_PAST_COSINE, NORM_FACTOR, NORM_WINDOW, PANEL, PAST_WEIGHT, RECENT_COSINES, VOUCHED_UPDATES, RobustAcceptance, WARMUP, minCosineFor, networkParts,
} from './robustAcceptance.ts';
import { configFor } from '../../shared/config.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';

/** Updates live in SIZE dimensions (the newcomer's threshold is 2 / sqrt(SIZE) = 0.1); the ones below use the first two. */
const SIZE = 400;
const f = (a: number, b: number) => {
  const u = new Float32Array(SIZE);
  u[0] = a;
  u[1] = b;
  return u;
};
const l2 = (u: Float32Array) => Math.hypot(...u);
/** Checks `u` from `id` and folds it in when it passes, as the update pipeline does; the refusal or null. */
function offer(r: RobustAcceptance, id: string, u: Float32Array): string | null {
  const why = r.check(id, u, l2(u));
  if (why === null) r.accepted(id, u, l2(u));
  return why;
}

describe('RobustAcceptance', () => {
  it('keeps averages for the KEEP best-ranked workers only: memory does not grow with the fleet', () => {
    const r = new RobustAcceptance(SIZE);
    const workers = (r as unknown as { workers: Map<string, { mean: Float32Array | null }> }).workers;
    const kept = () => [...workers.values()].filter((w) => w.mean).length;
    // w0 lands the most updates, w1 the next most, ...: KEEP + 10 workers with averages at first.
    for (let k = 0; k < KEEP + 10; k++) for (let n = 0; n < KEEP + 10 - k; n++) r.accepted(`w${k}`, f(1, 0), 1);
    expect(kept()).toBe(KEEP);
    // A worker from the bottom that climbs past the others takes a place, and the last kept one loses its average.
    const last = `w${KEEP + 9}`;
    for (let n = 0; n < 2 * KEEP + 20; n++) r.accepted(last, f(0, 1), 1);
    expect(kept()).toBe(KEEP);
    expect(workers.get(`w${KEEP - 1}`)!.mean).toBeNull();
    // Its average started when it got in: along its own updates only.
    expect(workers.get(last)!.mean![0]).toBe(0);
    expect(workers.get(last)!.mean![1]).toBeGreaterThan(0.99);
  });

  it('judges by the PANEL workers with the most vouched updates, however many others have an average', () => {
    const r = new RobustAcceptance(SIZE);
    // PANEL workers that vouched for (1, 0) ...
    for (let round = 0; round < VOUCHED_UPDATES + 2; round++) for (let k = 0; k < PANEL; k++) expect(offer(r, `v${k}`, f(1, 0))).toBeNull();
    // ... and PANEL + 1 others whose averages point the other way but that never passed a judgement.
    for (let k = 0; k <= PANEL; k++) r.accepted(`n${k}`, f(-1, 0), 1);
    // Judged by all 2 x PANEL + 1 others, the upper median would be -1: the panel's cosines are all 1.
    expect(r.cosineWithOthers('x', f(1, 0))?.[0]).toBeCloseTo(1, 6);
    expect(r.cosineWithOthers('x', f(-1, 0))?.[0]).toBeCloseTo(-1, 6);
    // A panel member is judged by the other PANEL - 1 vouched workers and the best of the rest.
    expect(r.cosineWithOthers('v0', f(1, 0))?.[0]).toBeCloseTo(1, 6);
    // Members that leave are replaced by the best of the rest: with half of them gone the panel is
    // split, and its upper median is 1; with all of them gone it is the others alone.
    for (let k = 0; k < PANEL / 2; k++) r.left(`v${k}`);
    expect(r.cosineWithOthers('x', f(1, 0))?.[0]).toBeCloseTo(1, 6);
    for (let k = PANEL / 2; k < PANEL; k++) r.left(`v${k}`);
    expect(r.cosineWithOthers('x', f(1, 0))?.[0]).toBeCloseTo(-1, 6);
  });

  it('one worker alone is no reference: a worker landing updates before the others does not become what they are judged by', () => {
    const r = new RobustAcceptance(SIZE);
    // x lands first, five times: with no other worker's average there is nothing to judge it by.
    for (let k = 0; k < 5; k++) expect(offer(r, 'x', f(0, -1))).toBeNull();
    // a: one other worker (x) is no reference either.
    expect(r.cosineWithOthers('a', f(1, 0))).toBeNull();
    expect(offer(r, 'a', f(1, 0))).toBeNull();
    // b: MIN_FLEET - 1 = 2 others have averages: b's cosine is the upper median (of two, the larger) of its cosines with
    // each, -0.2 / 1.0198 = -0.196 with x's (0, -1) and 1 / 1.0198 = 0.981 with a's (1, 0): x cannot make b look unlike both.
    expect(r.cosineWithOthers('b', f(1, 0.2))?.[0]).toBeCloseTo(1 / Math.hypot(1, 0.2), 6);
    expect(offer(r, 'b', f(1, 0.2))).toBeNull();
    // x is now judged by a's and b's averages: the larger of 0 (with (1, 0)) and -0.196 (with (1, 0.2)), below minCosineFor(SIZE).
    expect(r.cosineWithOthers('x', f(0, -1))?.[0]).toBeCloseTo(0, 6);
    expect(offer(r, 'x', f(0, -1))).toMatch(/average cosine -?0\.000, below 0\.100 while a newcomer/);
    // a: the larger of 0 (with x's) and 0.981 (with b's).
    expect(r.cosineWithOthers('a', f(1, 0))?.[0]).toBeCloseTo(1 / Math.hypot(1, 0.2), 6);
    expect(offer(r, 'a', f(1, 0))).toBeNull();
  });

  it('as a newcomer, the plain mean of a worker\'s cosines must stay at 2 / sqrt(size) or above, from its first judged update', () => {
    expect(minCosineFor(9155)).toBeCloseTo(0.0209, 4); // CartPole-v1's params
    const r = new RobustAcceptance(SIZE);
    expect(offer(r, 'a', f(1, 0))).toBeNull();
    expect(offer(r, 'b', f(1, 0))).toBeNull();
    // c is judged by a's and b's averages, both along (1, 0). Cosines: (1, 1) -> 0.7071; (-1, 1) -> -0.7071, mean 0: refused.
    expect(offer(r, 'c', f(1, 1))).toBeNull();
    expect(offer(r, 'c', f(-1, 1))).toMatch(/average cosine -?0\.000, below 0\.100 while a newcomer/);
    // The refused update counted as evidence: (1, 0) -> 1 makes the mean of (0.7071, -0.7071, 1) = 0.333, accepted.
    expect(offer(r, 'c', f(1, 0))).toBeNull();
    // c's average is now (0.2, 0.2) + 0.2 ((1, 0) - (0.2, 0.2)) = (0.36, 0.16). A newcomer d is judged by the upper median
    // of its cosines with a's, b's and c's averages: (0, 1) has 0, 0 and 0.16 / 0.394 = 0.406, so 0 < 0.1: noise
    // orthogonal to most of the fleet is refused from the first; so is a zero update.
    expect(r.cosineWithOthers('d', f(0, 1))?.[0]).toBeCloseTo(0, 6);
    expect(offer(r, 'd', f(0, 1))).toMatch(/average cosine -?0\.000/);
    expect(offer(r, 'e', f(0, 0))).toMatch(/average cosine 0\.000/);
  });

  it('a worker that leaves stops counting as a reference, and resumes with its standing: a worker past its newcomer updates stays past them', () => {
    const r = new RobustAcceptance(SIZE);
    offer(r, 'a', f(1, 0));
    offer(r, 'b', f(1, 0));
    for (let k = 0; k < VOUCHED_UPDATES; k++) expect(offer(r, 'c', f(1, 0.1))).toBeNull(); // judged: c vouches for 16
    r.left('c');
    // c's average no longer counts: nobody left has vouched updates, and b alone is no reference for a.
    expect(r.cosineWithOthers('a', f(1, 0))).toBeNull();
    // c resumes past its newcomer updates, with its last cosines: a cosine of 0 (orthogonal to a's and b's averages) takes
    // the mean |cosine| of its last RECENT_COSINES from 0.995 to 0.995 x 5/6 = 0.83, far above the bound; a newcomer's first judged 0 is refused.
    expect(offer(r, 'c', f(0, 1))).toBeNull();
    const fresh = new RobustAcceptance(SIZE);
    offer(fresh, 'a', f(1, 0));
    offer(fresh, 'b', f(1, 0));
    expect(offer(fresh, 'c', f(0, 1))).toMatch(/while a newcomer/);
    // Quarantine forgets it altogether.
    r.forget('c');
    expect(offer(r, 'c', f(0, 1))).toMatch(/while a newcomer/);
  });

  it('past its newcomer updates, a turn to noise is refused once the mean |cosine| of its last RECENT_COSINES judged updates falls below the bound, a turn to sign-flips once its faster average falls below MIN_PAST_COSINE', () => {
    expect([RECENT_COSINES, PAST_WEIGHT, MIN_PAST_COSINE]).toEqual([6, 1 / 4, -0.45]);
    /** b, past its newcomer updates: VOUCHED_UPDATES judged against c's average, each with cosine 1 (its average 1). */
    const trusted = () => {
      const r = new RobustAcceptance(SIZE);
      offer(r, 'a', f(1, 0));
      offer(r, 'b', f(1, 0));
      expect(offer(r, 'c', f(1, 0))).toBeNull(); // judged against a and b: c vouches
      for (let k = 0; k < VOUCHED_UPDATES; k++) expect(offer(r, 'b', f(1, 0))).toBeNull();
      return r;
    };
    // Noise, orthogonal to the reference: cosine 0. Mean |cosine| of the last 6: 5/6, 4/6, ..., 1/6, then 0, refused at the sixth
    // (its average, 1 x (3/4)^6 = 0.18, is far above any bound).
    const noise = trusted();
    expect(Array.from({ length: 6 }, () => offer(noise, 'b', f(0, 1)))).toEqual([...Array(5).fill(null), expect.stringMatching(/point nowhere \(mean \|cosine\| of its last 6 judged updates 0\.000, below 0\.100\)/)]);
    // A refused update is evidence too: a seventh noise update is refused; one along the fleet's then makes the mean
    // (0 + 0 + 0 + 0 + 0 + 1) / 6 = 0.17 and is accepted.
    expect(offer(noise, 'b', f(0, 1))).toMatch(/point nowhere/);
    expect(offer(noise, 'b', f(1, 0))).toBeNull();
    // Sign-flipped: cosine -1. The average moves by 1/4 a step: 0.5, 0.125, -0.156, -0.367, then -0.525, refused at the fifth.
    const flips = trusted();
    const replies = Array.from({ length: 5 }, () => offer(flips, 'b', f(-1, 0)));
    expect(replies.slice(0, 4)).toEqual(Array(4).fill(null));
    expect(replies[4]).toMatch(/point against the other workers' \(average cosine -0\.525, below -0\.45\)/);
    // An honest worker late in a converged run: its updates swing, pointing back against the fleet's as often as with it
    // (cosines -0.6, 0.5, -0.7, 0.4, ...): its average stays between -0.19 and 0 and its mean |cosine| near 0.55, never refused.
    const swings = trusted();
    const swing = [f(-0.6, 0.8), f(0.5, Math.sqrt(0.75)), f(-0.7, Math.sqrt(0.51)), f(0.4, Math.sqrt(0.84))];
    for (let k = 0; k < 40; k++) expect(offer(swings, 'b', swing[k % 4])).toBeNull();
  });

  it('the norm reference is the median over workers of each one\'s median norm: a flood of tiny updates from one worker moves only its own', () => {
    const r = new RobustAcceptance(SIZE);
    expect(r.medianNorm()).toBe(0);
    for (const n of [1, 2, 3]) offer(r, 'a', f(n, 0));
    offer(r, 'b', f(10, 0));
    expect(r.medianNorm()).toBe(6); // medians 2 and 10
    // c lands 100 updates of norm 0.001 along the fleet's direction: its median is 0.001, the median of (2, 10, 0.001) is 2.
    for (let k = 0; k < 100; k++) expect(offer(r, 'c', f(0.001, 0))).toBeNull();
    expect(r.medianNorm()).toBe(2);
    // Past WARMUP accepted updates, more than NORM_FACTOR x 2 is an outlier, up to it is not.
    expect(r.count).toBeGreaterThanOrEqual(WARMUP);
    expect(NORM_FACTOR).toBe(4);
    expect(r.check('a', f(8, 0), 8)).toBeNull();
    expect(r.check('a', f(8.01, 0), 8.01)).toMatch(/more than 4x the fleet's median norm 2\.00/);
    // Each worker keeps its last NORM_WINDOW norms: 16 of norm 4 replace a's 1, 2, 3.
    expect(NORM_WINDOW).toBe(16);
    for (let k = 0; k < NORM_WINDOW; k++) offer(r, 'a', f(4, 0));
    expect(r.medianNorm()).toBe(4); // medians 4, 10, 0.001
    // A worker forgotten (left or quarantined) no longer counts.
    r.forget('b');
    expect(r.medianNorm()).toBeCloseTo(2.0005, 6); // medians 4 and 0.001
  });
  it('judges each part of the model apart: an update whose policy part points against the fleet\'s is refused though the whole points with it', () => {
    // Two parts of 200 params each (threshold 2 / sqrt(200) = 0.141 each); the updates below use param 0 (part 0) and param 200 (part 1).
    const parts = { names: ['policy', 'value'], partOf: Uint8Array.from({ length: SIZE }, (_, i) => (i < SIZE / 2 ? 0 : 1)) };
    const g = (policy: number, value: number) => {
      const u = new Float32Array(SIZE);
      u[0] = policy;
      u[SIZE / 2] = value;
      return u;
    };
    const fabricated = g(-1, 2); // the policy flipped, the value honest: cosine with (1, 2) of (-1 + 4) / 5 = 0.6 whole
    const whole = new RobustAcceptance(SIZE);
    const parted = new RobustAcceptance(SIZE, parts);
    for (const r of [whole, parted]) for (const id of ['a', 'b']) offer(r, id, g(1, 2));
    expect(whole.cosineWithOthers('c', fabricated)?.[0]).toBeCloseTo(0.6, 6);
    expect(offer(whole, 'c', fabricated)).toBeNull();
    const [policy, value] = parted.cosineWithOthers('c', fabricated)!;
    expect([policy, value].map((x) => x.toFixed(6))).toEqual(['-1.000000', '1.000000']);
    expect(offer(parted, 'c', fabricated)).toMatch(/in the policy params \(average cosine -1\.000, below 0\.141 while a newcomer/);
    // An honest update points with the fleet in both parts.
    expect(offer(parted, 'd', g(1, 2))).toBeNull();

    // At a run's start the fabricated worker is among the first two to land (unjudged: one other is no reference). The
    // honest third is judged by the larger of its cosines with each of them, per part: 1 in both (the sum of their unit
    // directions cancels out in the policy part). Then the attacker is judged by the honest third.
    const start = new RobustAcceptance(SIZE, parts);
    expect(offer(start, 'h1', g(1, 2))).toBeNull();
    expect(offer(start, 'x', fabricated)).toBeNull();
    expect(start.cosineWithOthers('h2', g(1, 2))).toEqual([1, 1]);
    expect(offer(start, 'h2', g(1, 2))).toBeNull();
    expect(offer(start, 'x', fabricated)).toMatch(/in the policy params \(average cosine -1\.000/);
    expect(offer(start, 'h1', g(1, 2))).toBeNull();
  });

  it('networkParts: the actor and its log-std are the policy part, the critic the value part', () => {
    const cartPole = networkParts(modelFor(configFor('CartPole-v1')).layout);
    expect(cartPole.names).toEqual(['policy', 'value']);
    const count = (p: { partOf: Uint8Array }, k: number) => p.partOf.filter((x) => x === k).length;
    // Actor 4x64 + 64 + 64x64 + 64 + 64x2 + 2 = 4,610; critic 4x64 + 64 + 64x64 + 64 + 64 + 1 = 4,545.
    expect([count(cartPole, 0), count(cartPole, 1)]).toEqual([4610, 4545]);
    const { layout } = modelFor(configFor('Pendulum-v1'));
    const pendulum = networkParts(layout);
    const logStd = layout.at(-1)!;
    expect(logStd.name).toBe('actor.logStd');
    expect([...pendulum.partOf.subarray(logStd.offset)].every((k) => k === 0)).toBe(true);
    expect(pendulum.partOf[layout.find((l) => l.name.startsWith('critic.'))!.offset]).toBe(1);
  });
});
