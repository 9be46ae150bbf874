/** The live view's player against the coordinator's own route and evaluation: same params, same episodes, same returns. */
import { afterEach, describe, expect, it } from 'vitest';
import { Coordinator } from '../../server/coordinator.ts';
import { configFor } from '../../shared/config.ts';
import { evaluatePolicy } from '../../shared/ppo/evaluate.ts';
import { PolicyPlayer } from './policyPlayer.ts';
import type { PolicyWire } from '../../shared/protocol.ts';

let coordinator: Coordinator | null = null;
afterEach(async () => { await coordinator?.stop(); coordinator = null; });

describe('PolicyPlayer', () => {
  it.each(['CartPole-v1', 'Pendulum-v1'])('plays the policy of /api/policy as evaluatePolicy does (%s)', async (envId) => {
    const config = configFor(envId, { seed: 3 });
    coordinator = new Coordinator({ config, port: 0 });
    const port = await coordinator.start();
    const wire = (await (await fetch(`http://127.0.0.1:${port}/api/policy`)).json()) as PolicyWire;
    expect(wire).toMatchObject({ envId, version: 0 });

    const player = new PolicyPlayer(config, 7);
    expect(player.step()).toBe(false); // no policy yet
    player.setPolicy(wire);
    while (player.episodes < 2) expect(player.step()).toBe(true);
    const expected = evaluatePolicy(config, coordinator.ps.params, coordinator.norm.obs?.toArray() ?? null, 2, 7);
    expect(player.lastReturn).toBeCloseTo(expected[1], 4);
    expect(player.version).toBe(0);
  });

  it('refuses a policy of another env', () => {
    const player = new PolicyPlayer(configFor('CartPole-v1'));
    expect(() => player.setPolicy({ envId: 'Acrobot-v1', version: 0, params: '', obsStats: null })).toThrow(/Acrobot-v1/);
  });
});
