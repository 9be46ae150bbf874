/** The ready run configs in configs/: one per shipped env, each valid and holding exactly the env's tuned defaults. */
import { describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { configFor, parseConfigFile } from '../shared/config.ts';
import { envIds } from '../shared/envs/registry.ts';

describe('configs/', () => {
  it('has one file per shipped env and nothing else', async () => {
    expect((await readdir('configs')).sort()).toEqual(envIds().map((id) => `${id}.json`).sort());
  });

  for (const id of envIds()) {
    it(`${id}.json passes parseConfigFile and trains ${id} with its tuned hyperparameters`, async () => {
      const path = `configs/${id}.json`;
      const file = parseConfigFile(await readFile(path, 'utf8'), path);
      expect(file.envId).toBe(id);
      // what `tabswarm start --config` builds from it: the same run as the env's defaults
      expect(configFor(file.envId!, file)).toEqual(configFor(id));
      expect(Object.keys(file).length).toBeGreaterThan(1);
    });
  }
});
