import { describe, expect, it } from 'vitest';
import type { BackendTiming } from '../../shared/protocol.ts';
import { GIVE_UP_RATIO, cycleMs, fastest, median, slowerThan } from './choice.ts';

describe('backend choice arithmetic', () => {
  it('a cycle is a rollout of numSteps inferences plus updateEpochs x numMinibatches gradients', () => {
    const config = { updateEpochs: 20, numMinibatches: 2, numSteps: 32 };
    expect(cycleMs(config, 2, 0.5)).toBe(40 * 2 + 32 * 0.5);
    // Inference alone is a lower bound of the cycle.
    expect(cycleMs(config, 0, 0.5)).toBeLessThan(cycleMs(config, 0.01, 0.5));
  });

  it('median of an odd and an even count (the upper middle)', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(3);
  });

  it('a backend is clearly slower only past GIVE_UP_RATIO times the best', () => {
    expect(slowerThan(GIVE_UP_RATIO * 100, 100)).toBe(false);
    expect(slowerThan(GIVE_UP_RATIO * 100 + 1, 100)).toBe(true);
    expect(slowerThan(1e9, Infinity)).toBe(false); // nothing to compare with yet
  });

  it('fastest skips backends that could not be timed, and is undefined when none could', () => {
    const t = (backend: BackendTiming['backend'], cycle: number | null): BackendTiming => ({ backend, gradMs: cycle, actMs: cycle, cycleMs: cycle });
    expect(fastest([t('webgpu', null), t('cpu', 900), t('wasm', 100), t('webgl', 1500)])?.backend).toBe('wasm');
    expect(fastest([t('webgpu', null)])).toBeUndefined();
  });
});
