/**
 * A tab forced onto WebGPU (SwiftShader on machines without a GPU) computes the same PPO
 * gradient as a cpu tab for fixed params and minibatch, and the coordinator accepts its updates.
 */
import { test, expect } from './fixtures.ts';
import type { Page } from '@playwright/test';

/** Relative tolerance on the gradient: float32 on two different kernels, summed over 64 samples. */
const REL_TOL = 1e-3;

async function gradientOf(page: Page, params: number[], seed: number): Promise<number[]> {
  await page.waitForFunction(() => 'tabswarm' in window, undefined, { timeout: 120_000 });
  return page.evaluate(
    ([p, s]) => (window as unknown as { tabswarm: { gradientAt(p: number[], s: number): Promise<{ grad: number[] }> } }).tabswarm.gradientAt(p, s).then((r) => r.grad),
    [params, seed] as const,
  );
}

test('webgpu gradient matches cpu, and webgpu updates are accepted', async ({ swarm }) => {
  const { coordinator, fleet } = await swarm({ totalTimesteps: 1_000_000 }, { workers: 2, backend: ['webgpu', 'cpu'] });
  const [gpuPage, cpuPage] = fleet.pages;
  await expect(gpuPage.getByTestId('worker-backend')).toHaveText('webgpu', { timeout: 120_000 });
  await expect(cpuPage.getByTestId('worker-backend')).toHaveText('cpu', { timeout: 120_000 });

  const params = Array.from(coordinator.ps.params);
  const [gpu, cpu] = await Promise.all([gradientOf(gpuPage, params, 7), gradientOf(cpuPage, params, 7)]);
  expect(gpu).toHaveLength(params.length);
  let diff = 0, norm = 0;
  for (let i = 0; i < cpu.length; i++) { diff += (gpu[i] - cpu[i]) ** 2; norm += cpu[i] ** 2; }
  const rel = Math.sqrt(diff / norm);
  console.log(`webgpu vs cpu gradient: relative L2 difference ${rel.toExponential(2)} over ${cpu.length} values`);
  expect(norm).toBeGreaterThan(0);
  expect(rel).toBeLessThan(REL_TOL);

  const gpuWorker = () => coordinator.workerList().find((w) => w.backend === 'webgpu');
  await expect.poll(() => gpuWorker()?.accepted ?? 0, { timeout: 240_000 }).toBeGreaterThan(0);
  expect(gpuWorker()!.adapter).not.toBe('');
});
