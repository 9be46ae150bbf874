import { describe, expect, it } from 'vitest';
import { stalenessDecision } from './gate.ts';

describe('stalenessDecision', () => {
  it('accepts up to exactly maxStaleness and rejects one beyond', () => {
    expect(stalenessDecision(10, 10, 4)).toEqual({ accept: true, staleness: 0 });
    expect(stalenessDecision(10, 6, 4)).toEqual({ accept: true, staleness: 4 });
    expect(stalenessDecision(10, 5, 4)).toEqual({ accept: false, reason: 'stale', staleness: 5 });
    expect(stalenessDecision(10, 0, 4)).toEqual({ accept: false, reason: 'stale', staleness: 10 });
  });

  it('with maxStaleness 0 accepts only the current version', () => {
    expect(stalenessDecision(3, 3, 0)).toEqual({ accept: true, staleness: 0 });
    expect(stalenessDecision(3, 2, 0)).toEqual({ accept: false, reason: 'stale', staleness: 1 });
    expect(stalenessDecision(0, 0, 0)).toEqual({ accept: true, staleness: 0 });
  });

  it('calls future, negative and non-integer versions malformed, not stale', () => {
    expect(stalenessDecision(5, 6, 4)).toMatchObject({ accept: false, reason: 'malformed' });
    expect(stalenessDecision(5, -1, 100)).toMatchObject({ accept: false, reason: 'malformed' });
    expect(stalenessDecision(5, 4.5, 4)).toMatchObject({ accept: false, reason: 'malformed' });
    expect(stalenessDecision(5, NaN, 4)).toMatchObject({ accept: false, reason: 'malformed' });
    expect(stalenessDecision(5, Infinity, 4)).toMatchObject({ accept: false, reason: 'malformed' });
    expect(stalenessDecision(5, '5' as unknown as number, 4)).toMatchObject({ accept: false, reason: 'malformed' });
  });
});
