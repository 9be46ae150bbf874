import { describe, expect, it } from 'vitest';
import { ConfigError, defaultConfig, derive, validateConfig } from './config.ts';

describe('config', () => {
  it('defaults are valid and derive batch sizes', () => {
    expect(validateConfig({ ...defaultConfig })).toEqual(defaultConfig);
    expect(derive({ ...defaultConfig, numEnvs: 8, numSteps: 32, numMinibatches: 4 })).toEqual({ batchSize: 256, minibatchSize: 64 });
  });

  it.each([
    ['numEnvs', 0], ['numSteps', 1.5], ['gamma', 1.2], ['gaeLambda', -0.1], ['learningRate', NaN],
    ['maxStaleness', -1], ['hiddenSizes', []], ['seed', 0.5], ['clipCoef', Infinity],
  ])('rejects %s = %s with a ConfigError naming the field', (field, value) => {
    const bad = { ...defaultConfig, [field]: value };
    expect(() => validateConfig(bad)).toThrow(ConfigError);
    expect(() => validateConfig(bad)).toThrow(field);
  });
});
