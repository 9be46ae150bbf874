import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientUpToDate } from './clientBuild.ts';

/** Sets a file's modification time to `s` seconds since the epoch. */
const touch = (path: string, s: number) => utimes(path, s, s);

describe('clientUpToDate', () => {
  it('is true only while the build is newer than every source, a deleted source included', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tabswarm-build-'));
    const out = join(root, 'dist', 'client');
    await mkdir(join(root, 'client', 'worker'), { recursive: true });
    await mkdir(join(root, 'shared'), { recursive: true });
    const sources = [join(root, 'client', 'worker', 'main.ts'), join(root, 'shared', 'rng.ts'), join(root, 'package-lock.json')];
    for (const f of sources) await writeFile(f, '');
    for (const d of [join(root, 'client', 'worker'), join(root, 'client'), join(root, 'shared'), ...sources]) await touch(d, 1_000);
    expect(clientUpToDate(out, root)).toBe(false); // never built

    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'worker.html'), '');
    await touch(join(out, 'worker.html'), 2_000);
    expect(clientUpToDate(out, root)).toBe(true);

    await touch(sources[0], 3_000); // an edited page source
    expect(clientUpToDate(out, root)).toBe(false);
    await touch(sources[0], 1_000);
    await touch(sources[2], 3_000); // new dependencies
    expect(clientUpToDate(out, root)).toBe(false);
    await touch(sources[2], 1_000);
    expect(clientUpToDate(out, root)).toBe(true);

    await rm(sources[1]); // a deleted source changes its folder
    expect(clientUpToDate(out, root)).toBe(false);
  });
});
