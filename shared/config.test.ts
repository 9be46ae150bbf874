import { describe, expect, it } from 'vitest';
import { ConfigError, configFor, defaultConfig, derive, validateConfig } from './config.ts';

describe('config', () => {
  it('defaults are valid and derive batch sizes', () => {
    expect(validateConfig({ ...defaultConfig })).toEqual(defaultConfig);
    expect(derive({ ...defaultConfig, numEnvs: 8, numSteps: 32, numMinibatches: 4 })).toEqual({ batchSize: 256, minibatchSize: 64 });
  });

  it.each([
    ['numEnvs', 0], ['numSteps', 1.5], ['gamma', 1.2], ['gaeLambda', -0.1], ['learningRate', NaN],
    ['maxStaleness', -1], ['hiddenSizes', []], ['seed', 0.5], ['clipCoef', Infinity], ['gsde', 'yes'], ['sdeSampleFreq', -1],
  ])('rejects %s = %s with a ConfigError naming the field', (field, value) => {
    const bad = { ...defaultConfig, [field]: value };
    expect(() => validateConfig(bad)).toThrow(ConfigError);
    expect(() => validateConfig(bad)).toThrow(field);
  });
});

describe('configFor', () => {
  it('layers base defaults, the env\'s tuned values and overrides; the threshold comes from the registry', () => {
    const acrobot = configFor('Acrobot-v1', { seed: 9 });
    expect(acrobot).toMatchObject({ envId: 'Acrobot-v1', numEnvs: 16, numSteps: 256, numMinibatches: 64, normObs: true, seed: 9, solveThreshold: -100 });
    expect(derive(acrobot).minibatchSize).toBe(64); // the zoo's batch_size
    expect(configFor('LunarLanderContinuous-v3').solveThreshold).toBe(200);
    expect(configFor('Pendulum-v1').solveThreshold).toBe(-200); // Gymnasium registers none
    expect(configFor('CartPole-v1', { solveThreshold: 100 }).solveThreshold).toBe(100);
    expect(defaultConfig).toEqual(configFor('CartPole-v1'));
    for (const id of ['CartPole-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0', 'Pendulum-v1', 'LunarLander-v3', 'LunarLanderContinuous-v3']) {
      expect(() => validateConfig(configFor(id))).not.toThrow();
    }
  });

  it('an unknown env is a ConfigError listing the known ones', () => {
    expect(() => configFor('Nope-v0')).toThrow(/unknown environment Nope-v0.*CartPole-v1/);
  });

  it('gsde is for continuous actions only', () => {
    expect(() => validateConfig({ ...defaultConfig, gsde: true })).toThrow(/gsde needs continuous actions, and CartPole-v1's are discrete/);
    expect(validateConfig(configFor('Pendulum-v1', { gsde: true, sdeSampleFreq: 4 })).gsde).toBe(true);
  });

  it('targetKl must be null or positive', () => {
    expect(() => validateConfig({ ...defaultConfig, targetKl: 0 })).toThrow(/targetKl/);
    expect(validateConfig({ ...defaultConfig, targetKl: 0.02 }).targetKl).toBe(0.02);
  });
});
