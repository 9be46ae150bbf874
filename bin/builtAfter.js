/**
 * Whether a build output is newer than everything it is built from: `tabswarm` uses it for its
 * own bundle (cliBundle.js) and for the client pages (cli/clientBuild.ts), so that neither is
 * built again on every start. Plain JavaScript: it runs before any TypeScript can be loaded.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Newest modification time (ms) under `path` (a file or a folder, walked whole; a deleted file
 * shows as its folder's change); 0 when it does not exist.
 * @param {string} path
 * @returns {number}
 */
export function newest(path) {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.mtimeMs;
  let latest = s.mtimeMs;
  for (const e of readdirSync(path)) latest = Math.max(latest, newest(join(path, e)));
  return latest;
}

/**
 * True when the file `output` exists and was written after the last change to any of `sources`
 * (files or folders, relative to `root`).
 * @param {string} output
 * @param {string} root
 * @param {readonly string[]} sources
 * @returns {boolean}
 */
export function builtAfter(output, root, sources) {
  const built = newest(output);
  return built > 0 && Math.max(...sources.map((p) => newest(join(root, p)))) < built;
}
