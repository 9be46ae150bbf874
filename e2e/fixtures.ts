/**
 * Playwright fixtures: an in-process coordinator serving the built client, and a fleet of
 * headless Chromium worker tabs. Coordinator and tab logs are attached when a test fails.
 */
import { test as base } from '@playwright/test';
import { resolve } from 'node:path';
import { Coordinator, type CoordinatorOptions } from '../server/coordinator.ts';
import { configFor, defaultConfig, type TrainConfig } from '../shared/config.ts';
import { Fleet, type FleetOptions } from '../fleet/fleet.ts';

export interface Swarm {
  coordinator: Coordinator;
  fleet: Fleet;
  url: string;
  logs: string[];
}

interface Fixtures {
  /** Starts a coordinator with `config` overrides and `workers` tabs. */
  swarm: (config: Partial<TrainConfig>, fleet: Omit<FleetOptions, 'url'>, coordinator?: Pick<CoordinatorOptions, 'crossOriginIsolation' | 'token' | 'adminToken' | 'saveCheckpoint'>) => Promise<Swarm>;
}

export const test = base.extend<Fixtures>({
  swarm: async ({}, use, testInfo) => {
    const started: Swarm[] = [];
    await use(async (overrides, fleetOpts, coordinatorOpts = {}) => {
      const logs: string[] = [];
      const coordinator = new Coordinator({
        ...coordinatorOpts, config: configFor(overrides.envId ?? defaultConfig.envId, overrides), port: 0, staticDir: resolve('dist/client'),
      });
      const port = await coordinator.start();
      const url = `http://127.0.0.1:${port}`;
      coordinator.on('tick', (s) => logs.push(`[coordinator] ${JSON.stringify(s)}`));
      const fleet = new Fleet({ ...fleetOpts, url, onLog: (i, line) => logs.push(`[tab ${i}] ${line}`) });
      const swarm = { coordinator, fleet, url, logs };
      started.push(swarm);
      await fleet.start();
      return swarm;
    });
    for (const s of started) {
      if (testInfo.status !== testInfo.expectedStatus) {
        const workers = JSON.stringify(s.coordinator.workerList(), null, 2);
        await testInfo.attach('coordinator-log', { body: [...s.logs.slice(-200), workers].join('\n'), contentType: 'text/plain' });
        // The reporter shows an attachment's first line only: the tabs' lines, the last tick and each worker's record go to the output too.
        const tabs = s.logs.filter((l) => !l.startsWith('[coordinator]')).slice(-40);
        const lastTick = s.logs.filter((l) => l.startsWith('[coordinator]')).at(-1);
        console.log(['failed; the tabs said:', ...tabs, lastTick ?? '(no tick)', workers].join('\n'));
      }
      await s.fleet.stop();
      await s.coordinator.stop();
    }
  },
});

export { expect } from '@playwright/test';
