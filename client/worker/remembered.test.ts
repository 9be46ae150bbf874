import { describe, expect, it } from 'vitest';
import { configFor } from '../../shared/config.ts';
import { choiceKey, parseRemembered } from './remembered.ts';

const ua = 'Mozilla/5.0 HeadlessChrome/156';
const devices = 'cores 2; isolated false; webgpu google/swiftshader//; webgl SwiftShader';

describe('remembered backend choice', () => {
  it('the key changes with the browser, the devices and the shape of the work, and not with anything else', () => {
    const c = configFor('CartPole-v1', {});
    const key = choiceKey(c, ua, devices);
    expect(choiceKey(configFor('CartPole-v1', { seed: 7, learningRate: 1e-4 }), ua, devices)).toBe(key);
    expect(choiceKey(c, `${ua}.1`, devices)).not.toBe(key);
    expect(choiceKey(c, ua, devices.replace('swiftshader', 'nvidia'))).not.toBe(key);
    expect(choiceKey(configFor('CartPole-v1', { hiddenSizes: [256, 256] }), ua, devices)).not.toBe(key);
    expect(choiceKey(configFor('CartPole-v1', { numEnvs: c.numEnvs * 2 }), ua, devices)).not.toBe(key);
    expect(choiceKey(configFor('Acrobot-v1', {}), ua, devices)).not.toBe(key);
  });

  it('reads back what was stored, and nothing from a malformed or inconsistent entry', () => {
    const timings = [
      { backend: 'wasm', gradMs: 2, actMs: 0.5, cycleMs: 96 },
      { backend: 'webgpu', gradMs: null, actMs: 18, cycleMs: null, error: 'not timed further' },
    ];
    expect(parseRemembered(JSON.stringify({ backend: 'wasm', timings }))).toEqual({ backend: 'wasm', timings });
    expect(parseRemembered(null)).toBeNull();
    expect(parseRemembered('{not json')).toBeNull();
    expect(parseRemembered(JSON.stringify({ backend: 'tpu', timings }))).toBeNull();
    expect(parseRemembered(JSON.stringify({ backend: 'wasm', timings: [] }))).toBeNull();
    // The chosen backend must be one of those timed.
    expect(parseRemembered(JSON.stringify({ backend: 'cpu', timings }))).toBeNull();
    expect(parseRemembered(JSON.stringify({ backend: 'wasm', timings: [{ ...timings[0], cycleMs: -1 }] }))).toBeNull();
  });
});
