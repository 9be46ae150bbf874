import { describe, expect, it } from 'vitest';
import { earn, earnedWeight, leftInDisgrace, offend, PROBATION_MIN_OFFENCES, PROBATION_UPDATES, trustScore, type TrustCounts } from './trust.ts';
import { MAX_SHARE_FACTOR, SHARE_EARN_UPDATES, SHARE_FACTOR, shareFactor } from './workerRegistry.ts';

const fresh = (probation = false): TrustCounts => ({ accepted: 0, offences: 0, trust: 1, quarantined: false, probation, clean: 0 });

describe('trust', () => {
  it('an ordinary worker is quarantined at its 5th offence or later, once trust is under 0.5', () => {
    const w = fresh();
    earn(w, 20);
    for (let k = 1; k <= 4; k++) expect(offend(w, true)).toBe(false);
    expect(offend(w, true)).toBe(false); // 5 offences: trust 21 / 41 = 0.512
    expect(w.trust).toBe(21 / 41);
    expect(offend(w, true)).toBe(true); // 6: 21 / 45 = 0.467
    expect(w.quarantined).toBe(true);
  });

  it('on probation the 2nd offence quarantines, whatever the trust; PROBATION_UPDATES accepted updates end probation', () => {
    const w = fresh(true);
    earn(w, 20);
    expect(offend(w, true)).toBe(false);
    expect(PROBATION_MIN_OFFENCES).toBe(2);
    expect(offend(w, true)).toBe(true); // trust 21 / 29 = 0.72
    expect(w.trust).toBe(trustScore(20, 2));
    const later = fresh(true);
    earn(later, PROBATION_UPDATES - 1);
    expect(later.probation).toBe(true);
    earn(later);
    expect(later.probation).toBe(false);
    expect(offend(later, true)).toBe(false);
    expect(offend(later, true)).toBe(false);
  });

  it('with quarantine off nothing is quarantined', () => {
    const w = fresh(true);
    for (let k = 0; k < 10; k++) expect(offend(w, false)).toBe(false);
    expect(w).toMatchObject({ quarantined: false, offences: 10, trust: 1 / 41 });
  });

  it('a new worker\'s k-th accepted update weighs k / newcomerUpdates, on probation k / 32, up to 1', () => {
    const w = fresh();
    expect(earnedWeight(w, 8)).toBe(1 / 8);
    earn(w, 3);
    expect(earnedWeight(w, 8)).toBe(4 / 8);
    earn(w, 4);
    expect(earnedWeight(w, 8)).toBe(1);
    expect(earnedWeight(fresh(), 1)).toBe(1);
    const p = fresh(true);
    expect(earnedWeight(p, 8)).toBe(1 / 32);
    earn(p, 15);
    expect(earnedWeight(p, 8)).toBe(16 / 32);
    expect(earnedWeight(p, 64)).toBe(16 / 64); // a longer ordinary ramp holds on probation too
    // Eight updates at full weight count 8; a newcomer's first eight 36 / 8 = 4.5, on probation 36 / 32 = 1.125.
    const sum = (probation: boolean) => {
      const x = fresh(probation);
      let s = 0;
      for (let k = 0; k < 8; k++) { s += earnedWeight(x, 8); earn(x); }
      return s;
    };
    expect(sum(false)).toBe(4.5);
    expect(sum(true)).toBe(1.125);
  });

  it('a worker leaving with offences and trust under 0.5, before its quarantine, leaves in disgrace; an honest one with a stray offence does not', () => {
    const w = fresh();
    expect(leftInDisgrace(w)).toBe(false);
    offend(w, true); // trust 1 / 5
    expect(leftInDisgrace(w)).toBe(true);
    const honest = fresh();
    earn(honest, 10);
    offend(honest, true); // trust 11 / 15
    expect(leftInDisgrace(honest)).toBe(false);
    for (let k = 0; k < 4; k++) offend(w, true);
    expect(w.quarantined).toBe(true);
    expect(leftInDisgrace(w)).toBe(false); // its quarantine marked its address already
  });

  it('fair share: the factor grows by 1 per SHARE_EARN_UPDATES clean accepted updates, from 2 up to 8; each offence halves the clean count', () => {
    const w = fresh();
    expect(shareFactor(w)).toBe(SHARE_FACTOR);
    earn(w, SHARE_EARN_UPDATES);
    expect(shareFactor(w)).toBe(3);
    earn(w, 2 * SHARE_EARN_UPDATES);
    expect(shareFactor(w)).toBe(5); // 48 clean
    offend(w, true);
    expect(w.clean).toBe(24);
    expect(shareFactor(w)).toBe(3.5);
    earn(w, 1000);
    expect(shareFactor(w)).toBe(MAX_SHARE_FACTOR);
  });
});
