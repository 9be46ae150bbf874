import { describe, expect, it } from 'vitest';
import { AddressMarks, FORGET_BELOW, PROBATION_FROM, REFUSE_ABOVE } from './addressMarks.ts';

const H = 1000; // half-life, ms

describe('AddressMarks', () => {
  it('marks halve every half-life, per address', () => {
    const m = new AddressMarks(H);
    m.mark('a', 1, 0);
    expect(m.marks('a', 0)).toBe(1);
    expect(m.marks('a', 1000)).toBe(0.5);
    expect(m.marks('a', 3000)).toBe(0.125);
    expect(m.marks('b', 0)).toBe(0);
    // A second mark adds to what is left of the first: 0.5 + 1.
    m.mark('a', 1, 1000);
    expect(m.marks('a', 1000)).toBe(1.5);
    expect(m.marks('a', 2000)).toBe(0.75);
  });

  it('one quarantine puts fresh joins on probation for two half-lives; three quick ones refuse them for log2(3/2) of one', () => {
    const m = new AddressMarks(H);
    m.mark('a', 1, 0);
    expect(PROBATION_FROM).toBe(0.25);
    expect(m.standing('a', 2000)).toEqual({ marks: 0.25, refusedForMs: 0, probation: true });
    expect(m.standing('a', 2001).probation).toBe(false);
    m.mark('a', 1, 2001);
    m.mark('a', 1, 2001);
    // 0.2498 + 2 marks: just over REFUSE_ABOVE, so refused until they decay back to 2.
    const s = m.standing('a', 2001);
    expect(s.marks).toBeCloseTo(2 + 2 ** -2.001, 12);
    expect(s.refusedForMs).toBeCloseTo(H * Math.log2(s.marks / REFUSE_ABOVE), 9);
    expect(s.refusedForMs).toBeCloseTo(169.8, 1); // 1000 x log2(2.24983 / 2)
    const three = new AddressMarks(H);
    for (let k = 0; k < 3; k++) three.mark('a', 1, 0);
    expect(three.standing('a', 0)).toEqual({ marks: 3, refusedForMs: H * Math.log2(1.5), probation: true }); // 585 ms
    expect(three.standing('a', 585).refusedForMs).toBe(0);
    expect(three.standing('a', 585).probation).toBe(true);
    expect(three.standing('a', 2 * H + H * Math.log2(3 / PROBATION_FROM) + 1).probation).toBe(false);
  });

  it('holds at most maxAddresses addresses, forgetting the one marked longest ago, and prunes decayed ones', () => {
    const m = new AddressMarks(H, 2);
    m.mark('a', 1, 0);
    m.mark('b', 1, 1);
    m.mark('a', 1, 2); // a is now the latest marked
    m.mark('c', 1, 3);
    expect(m.size).toBe(2);
    expect(m.marks('b', 3)).toBe(0);
    expect(m.marks('a', 2)).toBeGreaterThan(1);
    // 1 mark falls under FORGET_BELOW (0.05) after log2(20) = 4.32 half-lives.
    expect(FORGET_BELOW).toBe(0.05);
    m.prune(3 + 4300);
    expect(m.size).toBe(2); // c holds 0.0508, a 0.0997
    m.prune(3 + 4330);
    expect(m.size).toBe(1);
    expect(m.marks('a', 3 + 4330)).toBeGreaterThan(FORGET_BELOW);
  });
});
