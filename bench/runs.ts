/** Shared by the benchmark scripts: run `tabswarm start` (cli/main.ts) as a user would and read its outputs. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HistoryPoint } from '../shared/protocol.ts';

export interface RunOutput {
  exitCode: number | null;
  /** Seconds from process launch to exit. */
  launchToExitS: number;
  summary: {
    envId: string; solved: boolean; state: string; envSteps: number; trainingWallS: number | null;
    solvedAtEnvSteps: number | null; solvedAtWallS: number | null; meanReturn: number | null;
    workers: { backend: string; adapter: string }[];
    updates: { accepted: number; rejected: Record<string, number>; stalenessHistogram: number[] };
    config: Record<string, unknown>;
  };
  history: HistoryPoint[];
  /** The run's folder (checkpoint.ckpt, summary.json, history.json). */
  runDir: string;
}

/** Runs one training job to its end (stderr passes through, so progress stays visible). */
export async function runTabswarm(args: string[]): Promise<RunOutput> {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-bench-'));
  const t0 = performance.now();
  const exitCode = await new Promise<number | null>((resolve) => {
    const p = spawn('npx', ['tsx', 'cli/main.ts', 'start', '--no-build', '--port', '0', '--run-dir', runDir, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('close', resolve);
  });
  const launchToExitS = (performance.now() - t0) / 1000;
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  const history = JSON.parse(await readFile(join(runDir, 'history.json'), 'utf8'));
  return { exitCode, launchToExitS, summary, history, runDir };
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '-' : x.toFixed(digits));

/**
 * Writes a generated report to `file`, keeping the hand-written part of the file it replaces:
 * everything from the line `heading` on.
 */
export async function writeReport(file: string, generated: string, heading: string): Promise<void> {
  const existing = existsSync(file) ? await readFile(file, 'utf8') : '';
  const at = existing.indexOf(`\n${heading}\n`);
  await writeFile(file, generated + (at >= 0 ? existing.slice(at) : ''));
}

export const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

export function machineLine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), headless Chromium, no GPU`;
}

