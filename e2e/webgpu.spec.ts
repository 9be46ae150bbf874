/**
 * A tab forced onto WebGPU (SwiftShader on machines without a GPU) computes the same PPO
 * gradient as the cpu backend for fixed params and minibatch, and the coordinator accepts its updates.
 */
import * as tf from '@tensorflow/tfjs';
import { test, expect } from './fixtures.ts';
import { syntheticGradient } from '../shared/ppo/synthetic.ts';

/** Relative L2 tolerance: float32 on two different kernel sets, reductions over 64 samples. */
const REL_TOL = 1e-4;

test('webgpu gradient matches cpu, and webgpu updates are accepted', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ totalTimesteps: 1_000_000 }, { workers: 1, backend: 'webgpu' });
  const [page] = fleet.pages;
  await expect(page.getByTestId('worker-backend')).toHaveText('webgpu', { timeout: 120_000 });
  await expect(page.getByTestId('worker-adapter')).not.toHaveText('');

  const params = coordinator.ps.params.slice();
  await page.waitForFunction(() => 'tabswarm' in window);
  const gpu = await page.evaluate(
    ([p, seed]) => (window as unknown as { tabswarm: { gradientAt(p: number[], s: number): Promise<number[]> } }).tabswarm.gradientAt(p, seed),
    [Array.from(params), 7] as const,
  );
  await tf.setBackend('cpu');
  const cpu = await syntheticGradient(coordinator.config, params, 7);
  expect(gpu).toHaveLength(cpu.length);
  let diff = 0, norm = 0;
  for (let i = 0; i < cpu.length; i++) { diff += (gpu[i] - cpu[i]) ** 2; norm += cpu[i] ** 2; }
  const rel = Math.sqrt(diff / norm);
  console.log(`webgpu vs cpu gradient: relative L2 difference ${rel.toExponential(2)} over ${cpu.length} values`);
  expect(norm).toBeGreaterThan(0);
  expect(rel).toBeLessThan(REL_TOL);

  await expect.poll(() => coordinator.workerList()[0]?.accepted ?? 0, { timeout: 240_000 }).toBeGreaterThan(0);
  expect(coordinator.workerList()[0].backend).toBe('webgpu');
});
