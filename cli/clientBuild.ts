/**
 * Whether the built client (dist/client) is newer than everything it is built from, so that
 * `tabswarm start` can serve it as it is instead of building it again on every start (a build
 * takes 2 s on an idle 2-core machine, 8 s on a busy one). What a build reads: the pages and their
 * code (client/, shared/), the build's config, and the dependencies (package.json and its lock).
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SOURCE_DIRS = ['client', 'shared'];
const SOURCE_FILES = ['vite.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** Newest modification time (ms) under `path` (a file or a folder, walked whole); 0 when it does not exist. */
async function newest(path: string): Promise<number> {
  let s;
  try {
    s = await stat(path);
  } catch {
    return 0;
  }
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = s.mtimeMs; // a deleted file shows as the folder's change
  for (const e of await readdir(path)) latest = Math.max(latest, await newest(join(path, e)));
  return latest;
}

/** True when `outDir` holds a build (its worker page) made after the last change to any source under `root`. */
export async function clientUpToDate(outDir: string, root: string): Promise<boolean> {
  const built = await newest(join(outDir, 'worker.html'));
  if (built === 0) return false;
  const sources = await Promise.all([...SOURCE_DIRS, ...SOURCE_FILES].map((p) => newest(join(root, p))));
  return Math.max(...sources) < built;
}
