/** Shared by the benchmark scripts: run `tabswarm start` (cli/main.ts) as a user would and read its outputs. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vega from 'vega';
import type * as vl from 'vega-lite';
import { compile } from 'vega-lite';
import type { HistoryPoint } from '../shared/protocol.ts';
import { evaluatePolicy } from '../shared/ppo/evaluate.ts';
import { loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';

/** The parts of a run's summary.json (written by cli/start.ts) that the benchmarks read. */
export interface RunSummary {
  envId: string; solved: boolean; state: string; envSteps: number; trainingWallS: number | null;
  solvedAtEnvSteps: number | null; solvedAtWallS: number | null; meanReturn: number | null; checkpoint: string;
  workers: {
    backend: string; adapter: string; accepted: number; rejected: number; envSteps: number;
    stageSeconds: { collect: number; gradient: number; push: number; setParams: number };
  }[];
  updates: { accepted: number; rejected: Record<string, number>; stalenessHistogram: number[] };
  network: { tabs: ({ link: string; bytesUp: number; bytesDown: number } | null)[]; bytesUpPerEnvStep: number; bytesDownPerEnvStep: number } | null;
  config: Record<string, unknown>;
}

export interface RunOutput {
  exitCode: number | null;
  /** Seconds from process launch to exit. */
  launchToExitS: number;
  summary: RunSummary;
  history: HistoryPoint[];
  /** The run's folder (checkpoint.ckpt, summary.json, history.json). */
  runDir: string;
}

export interface Spawned {
  exitCode: number | null;
  /** Why the run is not to be read (a deadline, a crash, bad flags); null when it ended normally. */
  failure: string | null;
  launchToExitS: number;
  runDir: string;
}

/**
 * Runs `tabswarm start ARGS` into a fresh run folder, as a user would. Past `deadlineS` the run is
 * interrupted (SIGINT ends it and still writes its summary), then terminated. Its stderr passes
 * through (progress stays visible) and the tail is kept for the record of a failure.
 */
export async function spawnTabswarm(args: string[], deadlineS: number | null = null): Promise<Spawned> {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-bench-'));
  const t0 = performance.now();
  let tail = '';
  let timedOut = false;
  const exitCode = await new Promise<number | null>((resolve) => {
    // Its own process group, so that the deadline reaches npx, tsx and the node process under them.
    const p = spawn('npx', ['tsx', 'cli/main.ts', 'start', '--no-build', '--port', '0', '--run-dir', runDir, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'], detached: true,
    });
    p.stderr.on('data', (b: Buffer) => {
      process.stderr.write(b);
      tail = (tail + b.toString()).slice(-2000);
    });
    const signal = (sig: NodeJS.Signals) => { try { process.kill(-p.pid!, sig); } catch { /* already gone */ } };
    const timers: NodeJS.Timeout[] = [];
    if (deadlineS !== null) {
      timers.push(setTimeout(() => { timedOut = true; signal('SIGINT'); }, deadlineS * 1000));
      timers.push(setTimeout(() => signal('SIGTERM'), (deadlineS + 30) * 1000));
      timers.push(setTimeout(() => signal('SIGKILL'), (deadlineS + 45) * 1000));
    }
    p.on('close', (code) => { timers.forEach(clearTimeout); resolve(code); });
  });
  const launchToExitS = (performance.now() - t0) / 1000;
  const lastLines = tail.trim().split('\n').slice(-3).join(' / ');
  let failure: string | null = null;
  if (timedOut) failure = `timed out after ${deadlineS} s`;
  else if (!existsSync(join(runDir, 'summary.json'))) failure = `exit ${exitCode}, no summary: ${lastLines}`;
  else if (exitCode !== 0 && exitCode !== 1) failure = `exit ${exitCode}: ${lastLines}`; // 0 solved, 1 not solved
  return { exitCode, failure, launchToExitS, runDir };
}

/** Runs one training job to its end and reads its outputs. */
export async function runTabswarm(args: string[]): Promise<RunOutput> {
  const { exitCode, failure, launchToExitS, runDir } = await spawnTabswarm(args);
  if (failure) throw new Error(`tabswarm start ${args.join(' ')}: ${failure}`);
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8'));
  const history = JSON.parse(await readFile(join(runDir, 'history.json'), 'utf8'));
  return { exitCode, launchToExitS, summary, history, runDir };
}

/** Mean return of a checkpoint's policy over `episodes` deterministic episodes (what `tabswarm eval` plays). */
export async function evalCheckpoint(path: string, episodes: number): Promise<number> {
  const ck = await loadCheckpoint(path);
  const returns = evaluatePolicy(ck.config, ck.params, checkpointRunState(ck).norm.obs ?? null, episodes, 1_000_000);
  return returns.reduce((a, b) => a + b, 0) / returns.length;
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


/** Line charts as SVG through vega-lite: one panel per value of `facet`, one line per value of `encoding.color`, independent y scales. */
export async function lineChartSvg(
  values: Record<string, unknown>[], facet: string, encoding: Record<'x' | 'y' | 'color', object>, size: { width: number; height: number },
): Promise<string> {
  // vega-lite checks the encoding channels when it compiles the spec.
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    data: { values },
    facet: { column: { field: facet, type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: { ...size, mark: { type: 'line', point: true }, encoding },
  } as vl.TopLevelSpec;
  return new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' }).toSVG();
}
