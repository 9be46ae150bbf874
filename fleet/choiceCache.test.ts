import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { CHOICE_KEY_PREFIX, CHOICE_LOG } from '../client/worker/remembered.ts';
import { ChoiceCache } from './choiceCache.ts';

const key = `${CHOICE_KEY_PREFIX}{"userAgent":"HeadlessChrome/156","devices":"cores 2"}`;
const value = JSON.stringify({ backend: 'wasm', timings: [{ backend: 'wasm', gradMs: 2, actMs: 0.5, cycleMs: 96 }] });

/** Runs a seed script against a plain object standing in for a fresh tab's localStorage, and returns what it stored. */
function seeded(script: string, existing: Record<string, string> = {}): Record<string, string> {
  const store = { ...existing };
  const localStorage = { getItem: (k: string) => store[k] ?? null, setItem: (k: string, v: string) => { store[k] = v; } };
  runInNewContext(script, { localStorage });
  return store;
}

describe('ChoiceCache', () => {
  it('keeps the choices tabs announce in its file, and a later launch seeds them into new tabs', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'tabswarm-choices-')), 'sub', 'choices.json');
    const first = new ChoiceCache(file);
    await first.load(); // no file yet
    expect(seeded(first.seedScript())).toEqual({});
    expect(first.take(['another console line'], () => {})).toBe(false);
    expect(first.take([CHOICE_LOG, key, value], (e) => { throw e; })).toBe(true);
    await first.flushed();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ [key]: value });

    const later = new ChoiceCache(file);
    await later.load();
    expect(seeded(later.seedScript())).toEqual({ [key]: value });
    // A tab's own choice (e.g. after ?retime=1) is left as it is.
    expect(seeded(later.seedScript(), { [key]: 'mine' })).toEqual({ [key]: 'mine' });
  });

  it('skips what is not a choice, in the file and on the console', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'tabswarm-choices-')), 'choices.json');
    await writeFile(file, JSON.stringify({ [key]: value, 'other key': value, [`${CHOICE_KEY_PREFIX}x`]: '{"backend":"tpu"}', [`${CHOICE_KEY_PREFIX}y`]: 3 }));
    const cache = new ChoiceCache(file);
    await cache.load();
    expect(seeded(cache.seedScript())).toEqual({ [key]: value });
    expect(cache.take([CHOICE_LOG, 'not a choice key', value], () => {})).toBe(false);
    expect(cache.take([CHOICE_LOG, key, '{"backend":"wasm"}'], () => {})).toBe(false);

    await writeFile(file, '{ not json');
    const broken = new ChoiceCache(file);
    await broken.load();
    expect(seeded(broken.seedScript())).toEqual({});
  });
});
