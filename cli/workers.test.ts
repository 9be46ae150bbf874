import { describe, expect, it } from 'vitest';
import { parseWorkerUrl, statusLine } from './workers.ts';

describe('tabswarm workers', () => {
  it('takes the coordinator\'s origin and token from its worker link', () => {
    expect(parseWorkerUrl('https://swarm.lan:3000/worker.html?token=abc')).toEqual({ origin: 'https://swarm.lan:3000', token: 'abc' });
    expect(parseWorkerUrl('http://192.0.2.7:3000')).toEqual({ origin: 'http://192.0.2.7:3000', token: undefined });
    expect(() => parseWorkerUrl('swarm.lan:3000')).toThrow(/must be http:\/\/ or https:\/\//);
    expect(() => parseWorkerUrl('not a url')).toThrow(/not a URL/);
  });

  it('a tab\'s line shows what its page shows', () => {
    const fields = {
      'worker-state': 'training', 'worker-message': 'joined', 'worker-backend': 'wasm', 'worker-version': '12', 'worker-steps': '4,096',
      'worker-sps': '900', 'worker-updates': '8 / 1',
    };
    expect(statusLine(0, { fields, restarts: 2 })).toBe(
      'tab 0: training | backend wasm | version 12 | 4,096 env steps | 900 steps/s | updates 8 / 1 (accepted / rejected) | reopened 2x | joined',
    );
    expect(statusLine(3, null)).toBe('tab 3: reopening');
    expect(statusLine(1, { fields: {}, restarts: 0 })).toBe('tab 1: loading');
  });
});
