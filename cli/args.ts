/** Helpers shared by tabswarm's command-line entry points (`npm start`, `npm run eval`, the benchmarks). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../shared/config.ts';

/** A commander parser for a numeric option: finite, >= min, and an integer when asked. */
export const numberArg = (name: string, { integer = false, min = 0 } = {}) => (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return n;
};

/** A commander parser from a function that throws on bad input: its message becomes a usage error (exit 2). */
export const parsedBy = <T>(parse: (v: string) => T) => (v: string): T => {
  try {
    return parse(v);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
  }
};

/** Imports the user's `--env-module` files, which register their envs; returns their absolute paths. */
export async function importEnvModules(files: string[]): Promise<string[]> {
  const paths = files.map((f) => resolve(f));
  for (const p of paths) {
    if (!existsSync(p)) throw new ConfigError(`--env-module ${p} does not exist`);
    await import(pathToFileURL(p).href);
  }
  return paths;
}
