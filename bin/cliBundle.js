/**
 * The `tabswarm` command bundled into one file (dist/tabswarm.mjs, by esbuild; the packages it
 * uses stay outside, loaded from node_modules): Node loads it in about two thirds of the time it
 * takes to transpile every source file through tsx's loader. It is built again when a source is
 * newer (builtAfter.js), written to a temporary file and renamed, so that commands started at once
 * never load half a bundle.
 */
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { builtAfter } from './builtAfter.js';

/** What the bundle is built from, relative to the package root. */
const SOURCES = ['cli', 'server', 'shared', 'fleet', 'tsconfig.json', 'package.json', 'package-lock.json'];

/**
 * The path of an up-to-date bundle of cli/main.ts under `root`, building it first when needed.
 * @param {string} root
 * @returns {Promise<string>}
 */
export async function cliBundle(root) {
  // dist/, one level down like cli/, so that the sources' paths relative to import.meta.url hold.
  const out = join(root, 'dist', 'tabswarm.mjs');
  if (builtAfter(out, root, SOURCES)) return out;
  const { build } = await import('esbuild');
  const tmp = `${out}.${process.pid}.tmp`;
  await build({
    entryPoints: [join(root, 'cli', 'main.ts')], outfile: tmp, bundle: true, packages: 'external',
    platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
  });
  renameSync(tmp, out);
  return out;
}
