import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseConfig, ConfigError, configFileSchema, configFor, defaultConfig, derive, minNumSteps, parseConfigFile, validateConfig,
} from './config.ts';
import { envDefaults } from './envDefaults.ts';
import { envIds, envSpec } from './envs/registry.ts';

/** The ConfigError `f` throws; fails the test when it throws nothing or something else. */
function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('configFor', () => {
  it('starts from baseConfig, applies the env\'s defaults, then the overrides', () => {
    const acrobot = configFor('Acrobot-v1', { seed: 9, numMinibatches: 32 });
    expect(acrobot.envId).toBe('Acrobot-v1');
    expect(acrobot.clipCoef).toBe(0.2); // Acrobot-v1 sets none: baseConfig's
    expect(acrobot.numEnvs).toBe(16); // Acrobot-v1's, over baseConfig's 8
    expect(acrobot.updateEpochs).toBe(4); // Acrobot-v1's, over baseConfig's 10
    expect(acrobot.numMinibatches).toBe(32); // the override, over Acrobot-v1's 64
    expect(acrobot.seed).toBe(9);
    expect(configFor('CartPole-v1', { numEnvs: 2 }).numEnvs).toBe(2);
  });

  it('takes the solve threshold from the override, else the env\'s defaults, else the registry', () => {
    expect(configFor('Acrobot-v1').solveThreshold).toBe(-100);
    expect(configFor('LunarLanderContinuous-v3').solveThreshold).toBe(200);
    expect(envSpec('Pendulum-v1').rewardThreshold).toBeNull(); // Gymnasium registers none ...
    expect(configFor('Pendulum-v1').solveThreshold).toBe(-200); // ... so envDefaults.ts sets one
    expect(configFor('CartPole-v1', { solveThreshold: 100 }).solveThreshold).toBe(100);
  });

  it('the envId argument wins over an envId among the overrides', () => {
    expect(configFor('Acrobot-v1', { envId: 'CartPole-v1' }).envId).toBe('Acrobot-v1');
  });

  it('gives every registered env a config that validates', () => {
    expect(envIds().length).toBeGreaterThanOrEqual(7);
    for (const id of envIds()) expect(validateConfig(configFor(id)).envId).toBe(id);
    for (const id of Object.keys(envDefaults)) expect(envIds()).toContain(id);
  });

  it('refuses an unknown env, listing the known ones', () => {
    expect(configError(() => configFor('Nope-v0')).message).toMatch(/^unknown environment Nope-v0: known are .*CartPole-v1/);
  });
});

describe('validateConfig', () => {
  it('returns a valid config unchanged', () => {
    const c = configFor('Pendulum-v1', { targetKl: 0.02, maxPolicyLag: 3, syncGradients: 2, hiddenSizes: [32, 16, 8] });
    expect(validateConfig(c)).toEqual(c);
  });

  it.each<[string, unknown]>([
    ['gamma', 0], ['gamma', 1], ['adamBeta2', 1], ['clipCoef', 0], ['learningRate', 0], ['entCoef', 0],
    ['targetKl', null], ['maxPolicyLag', 0], ['maxPolicyLag', null], ['syncGradients', null], ['sdeSampleFreq', 0],
    ['maxStaleness', 0], ['seed', -3], ['logStdInit', -3.5], ['solveThreshold', -200.5], ['hiddenSizes', [1]],
    ['backend', 'auto'], ['backend', 'wasm'], ['updateCodec', 'int8'], ['updateMode', 'sync'],
  ])('accepts the boundary value %s = %j', (field, value) => {
    expect(validateConfig({ ...defaultConfig, [field]: value })).toMatchObject({ [field]: value });
  });

  it.each<[string, unknown, string]>([
    ['numEnvs', 0, 'numEnvs: must be a positive integer, got 0'],
    ['numSteps', 1.5, 'numSteps: must be a positive integer, got 1.5'],
    ['totalTimesteps', '8', 'totalTimesteps: must be a positive integer, got "8"'],
    ['workerTimeoutMs', -1, 'workerTimeoutMs: must be a positive integer, got -1'],
    ['gamma', 1.2, 'gamma: must be in [0, 1], got 1.2'],
    ['gaeLambda', -0.1, 'gaeLambda: must be in [0, 1], got -0.1'],
    ['adamBeta1', NaN, 'adamBeta1: must be in [0, 1], got NaN'],
    ['learningRate', NaN, 'learningRate: must be a finite number >= 0, got NaN'],
    ['clipCoef', Infinity, 'clipCoef: must be a finite number >= 0, got Infinity'],
    ['maxUpdateNorm', -1, 'maxUpdateNorm: must be a finite number >= 0, got -1'],
    ['targetKl', 0, 'targetKl: must be null or a finite number > 0, got 0'],
    ['logStdInit', -Infinity, 'logStdInit: must be a finite number, got -Infinity'],
    ['solveThreshold', null, 'solveThreshold: must be a finite number, got null'],
    ['sdeSampleFreq', -1, 'sdeSampleFreq: must be an integer >= 0, got -1'],
    ['maxStaleness', 2.5, 'maxStaleness: must be an integer >= 0, got 2.5'],
    ['maxPolicyLag', -1, 'maxPolicyLag: must be null or an integer >= 0, got -1'],
    ['syncGradients', 0, 'syncGradients: must be null or a positive integer, got 0'],
    ['seed', 0.5, 'seed: must be an integer, got 0.5'],
    ['gsde', 'yes', 'gsde: must be true or false, got "yes"'],
    ['normAdv', null, 'normAdv: must be true or false, got null'],
    ['hiddenSizes', [], 'hiddenSizes: must be a non-empty list of positive integers, got []'],
    ['hiddenSizes', [64, 0], 'hiddenSizes: must be a non-empty list of positive integers, got [64,0]'],
    ['hiddenSizes', 64, 'hiddenSizes: must be a non-empty list of positive integers, got 64'],
    ['updateMode', 'fast', 'updateMode: must be one of async, sync, local, got "fast"'],
    ['updateCodec', 'bf16', 'updateCodec: must be one of fp32, fp16, int8, got "bf16"'],
    ['backend', 'metal', 'backend: must be one of webgpu, webgl, wasm, cpu, auto, got "metal"'],
    ['envId', '', 'envId: must be a non-empty string, got ""'],
  ])('refuses %s = %j: "%s"', (field, value, message) => {
    expect(configError(() => validateConfig({ ...defaultConfig, [field]: value })).message).toBe(message);
  });

  it('names a missing field', () => {
    const { numEnvs: _numEnvs, ...rest } = defaultConfig;
    expect(configError(() => validateConfig(rest)).message).toBe('numEnvs: missing (must be a positive integer)');
  });

  it('refuses unknown fields, before the real field a misspelling leaves out', () => {
    expect(configError(() => validateConfig({ ...defaultConfig, numEnv: 8 })).message).toBe('unknown config field: numEnv');
    expect(configError(() => validateConfig({ ...defaultConfig, lr: 1, gama: 0.9 })).message).toBe('unknown config fields: lr, gama');
    const { numEnvs: _numEnvs, ...rest } = defaultConfig;
    expect(configError(() => validateConfig({ ...rest, numEnv: 8 })).message).toBe('unknown config field: numEnv');
  });

  it('refuses what is not an object', () => {
    expect(configError(() => validateConfig(null)).message).toBe('config must be an object, got null');
    expect(configError(() => validateConfig([1])).message).toBe('config must be an object, got [1]');
  });

  it('allows gsde with continuous actions only', () => {
    expect(configError(() => validateConfig({ ...defaultConfig, gsde: true })).message)
      .toBe('gsde: needs continuous actions, and CartPole-v1\'s are discrete');
    expect(validateConfig(configFor('Pendulum-v1', { gsde: true, sdeSampleFreq: 4 })).gsde).toBe(true);
    expect(validateConfig(configFor('MountainCarContinuous-v0', { gsde: true })).gsde).toBe(true);
    // An env that is not registered (yet) cannot be checked; configFor is what refuses unknown IDs.
    expect(validateConfig({ ...defaultConfig, envId: 'Custom-v0', gsde: true }).gsde).toBe(true);
  });

  it('needs at least one sample per minibatch of the shortest rollout', () => {
    const c = { ...defaultConfig, numEnvs: 2, numSteps: 32, workSizing: false };
    expect(validateConfig({ ...c, numMinibatches: 64 }).numMinibatches).toBe(64);
    expect(configError(() => validateConfig({ ...c, numMinibatches: 65 })).message)
      .toBe('numMinibatches: must be at most numEnvs * the shortest rollout (2 * 32), got 65');
    // Work sizing may shrink a rollout to numSteps / 8 = 4 steps: 2 envs * 4 steps = 8 samples.
    expect(validateConfig({ ...c, workSizing: true, numMinibatches: 8 }).numMinibatches).toBe(8);
    expect(configError(() => validateConfig({ ...c, workSizing: true, numMinibatches: 9 })).message)
      .toBe('numMinibatches: must be at most numEnvs * the shortest rollout (2 * 4, numSteps / 8 with workSizing), got 9');
  });
});

describe('parseConfigFile', () => {
  it('returns the fields the file sets, and only those', () => {
    expect(parseConfigFile('{"numEnvs": 4, "targetKl": null, "hiddenSizes": [32], "envId": "Acrobot-v1"}', 'run.json'))
      .toEqual({ numEnvs: 4, targetKl: null, hiddenSizes: [32], envId: 'Acrobot-v1' });
    expect(parseConfigFile('{}', 'run.json')).toEqual({});
  });

  it('drops the $schema an editor uses to find config.schema.json', () => {
    expect(parseConfigFile('{"$schema": "../shared/config.schema.json", "seed": 3}', 'run.json')).toEqual({ seed: 3 });
  });

  it.each<[string, string]>([
    ['{"numEnvs": "8"}', 'run.json: numEnvs: must be a positive integer, got "8"'],
    ['{"numEnvs": null}', 'run.json: numEnvs: must be a positive integer, got null'],
    // Of several bad fields the first in TrainConfig's order is named.
    ['{"gamma": 2, "numEnvs": 0}', 'run.json: numEnvs: must be a positive integer, got 0'],
    ['{"updateCodec": "fp8"}', 'run.json: updateCodec: must be one of fp32, fp16, int8, got "fp8"'],
    ['{"numEnv": 8, "seed": 1}', 'run.json: unknown config field: numEnv'],
    ['{"$schema": 1}', 'run.json: $schema: must be a string, got 1'],
    ['[1, 2]', 'run.json: must hold a JSON object, got [1,2]'],
    ['null', 'run.json: must hold a JSON object, got null'],
    ['"numEnvs"', 'run.json: must hold a JSON object, got "numEnvs"'],
  ])('refuses %s', (text, message) => {
    expect(configError(() => parseConfigFile(text, 'run.json')).message).toBe(message);
  });

  it('refuses text that is not JSON, naming the source', () => {
    expect(configError(() => parseConfigFile('{"numEnvs": 8,}', 'configs/fast.json')).message).toMatch(/^configs\/fast\.json: not valid JSON: /);
  });

  it('leaves the cross-field rules to the complete config, which may take the env from elsewhere', () => {
    const file = parseConfigFile('{"gsde": true, "sdeSampleFreq": 4}', 'run.json');
    expect(validateConfig(configFor('Pendulum-v1', file)).gsde).toBe(true);
    expect(configError(() => validateConfig(configFor('CartPole-v1', file))).message).toMatch(/^gsde: needs continuous actions/);
  });
});

describe('derive and minNumSteps', () => {
  it('splits a rollout of numEnvs * numSteps samples into numMinibatches, rounding down', () => {
    const c = { ...defaultConfig, updateMode: 'async' as const, numEnvs: 8, numSteps: 32, numMinibatches: 4 };
    expect(derive(c)).toEqual({ batchSize: 256, minibatchSize: 64 });
    expect(derive({ ...c, numMinibatches: 3 })).toEqual({ batchSize: 256, minibatchSize: 85 });
    // A worker assigned a shorter rollout by work sizing.
    expect(derive(c, 4)).toEqual({ batchSize: 32, minibatchSize: 8 });
    expect(derive(configFor('Acrobot-v1')).minibatchSize).toBe(64); // the zoo's batch_size
  });

  it('in local mode, a rollout link sizing stretched keeps its minibatches\' number, or with stretchedMinibatches \'size\' their size', () => {
    const c = { ...defaultConfig, updateMode: 'local' as const, numEnvs: 8, numSteps: 32, numMinibatches: 4 };
    expect(derive({ ...c, stretchedMinibatches: 'count' }, 96)).toEqual({ batchSize: 768, minibatchSize: 192 }); // 4 of 192
    expect(derive({ ...c, stretchedMinibatches: 'size' }, 96)).toEqual({ batchSize: 768, minibatchSize: 64 }); // 12 of 64
    expect(derive({ ...c, stretchedMinibatches: 'size' })).toEqual({ batchSize: 256, minibatchSize: 64 });
    // Async mode keeps the number whatever the field: a worker's pushes per rollout are updateEpochs x numMinibatches.
    expect(derive({ ...c, updateMode: 'async', stretchedMinibatches: 'size' }, 4)).toEqual({ batchSize: 32, minibatchSize: 8 });
    expect(configFor('CartPole-v1').stretchedMinibatches).toBe('size');
  });

  it('is numSteps without work sizing, numSteps / 8 rounded up (at least 1) with it', () => {
    const c = { ...defaultConfig, numSteps: 32 };
    expect(minNumSteps({ ...c, workSizing: false })).toBe(32);
    expect(minNumSteps({ ...c, workSizing: true })).toBe(4);
    expect(minNumSteps({ ...c, numSteps: 20, workSizing: true })).toBe(3);
    expect(minNumSteps({ ...c, numSteps: 1, workSizing: true })).toBe(1);
  });
});

describe('config.schema.json', () => {
  const schema = z.toJSONSchema(configFileSchema) as { properties: Record<string, unknown>; required?: string[]; additionalProperties: unknown };

  it('lets a config file set any field, each optional, and nothing else', () => {
    expect(Object.keys(schema.properties).sort()).toEqual([...Object.keys(baseConfig), '$schema'].sort());
    expect(schema.required ?? []).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  // Regenerate after changing the schema: npx vitest run shared/config.test.ts -u
  it('is up to date with configFileSchema', async () => {
    await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot('./config.schema.json');
  });
});
