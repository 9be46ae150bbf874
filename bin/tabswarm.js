#!/usr/bin/env node
// The package's `tabswarm` command, from wherever it is called: cli/main.ts, bundled (cliBundle.js).
// With --env-module it runs the sources through tsx's loader instead, so that the user's env file
// and tabswarm share one env registry (a bundle holds a copy of its own).
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliBundle } from './cliBundle.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (process.argv.some((a) => a === '--env-module' || a.startsWith('--env-module='))) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../cli/main.ts');
} else {
  await import(pathToFileURL(await cliBundle(root)).href);
}
