/**
 * Whether the built client (dist/client) is newer than everything it is built from, so that
 * `tabswarm start` can serve it as it is instead of building it again on every start (a build
 * takes 2 s on an idle 2-core machine, 8 s on a busy one). What a build reads: the pages and their
 * code (client/, shared/), the build's config, and the dependencies (package.json and its lock).
 */
import { join } from 'node:path';
import { builtAfter } from '../bin/builtAfter.js';

const SOURCES = ['client', 'shared', 'vite.config.ts', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** True when `outDir` holds a build (its worker page) made after the last change to any source under `root`. */
export function clientUpToDate(outDir: string, root: string): boolean {
  return builtAfter(join(outDir, 'worker.html'), root, SOURCES);
}
