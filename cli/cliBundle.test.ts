import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliBundle } from '../bin/cliBundle.js';

const run = promisify(execFile);

describe('cliBundle', () => {
  it('bundles cli/main.ts with the sources it imports, reuses the bundle while it is newer than every source, and builds again after a change', async () => {
    const root = await mkdtemp(join(tmpdir(), 'tabswarm-bundle-'));
    await mkdir(join(root, 'cli'));
    await mkdir(join(root, 'shared'));
    await writeFile(join(root, 'shared', 'greeting.ts'), 'export const greeting: string = "hello";\n');
    await writeFile(join(root, 'cli', 'main.ts'), 'import { greeting } from "../shared/greeting.ts";\nconsole.log(greeting, new URL("..", import.meta.url).pathname);\n');
    for (const f of ['shared/greeting.ts', 'cli/main.ts', 'shared', 'cli']) await utimes(join(root, f), 1_000, 1_000);

    const out = await cliBundle(root);
    expect(out).toBe(join(root, 'dist', 'tabswarm.mjs'));
    // It runs, and paths relative to import.meta.url resolve as from cli/ (one level down from the root).
    expect((await run(process.execPath, [out])).stdout).toBe(`hello ${root}/\n`);

    const built = (await stat(out)).mtimeMs;
    await cliBundle(root);
    expect((await stat(out)).mtimeMs).toBe(built); // up to date: not built again

    await writeFile(join(root, 'shared', 'greeting.ts'), 'export const greeting: string = "hi";\n');
    await cliBundle(root);
    expect((await run(process.execPath, [out])).stdout).toBe(`hi ${root}/\n`);
  });
});
