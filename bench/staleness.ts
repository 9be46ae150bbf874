/**
 * `npm run bench:staleness`: what the staleness bound does. Trains each env with the staleness
 * bound S in a list (async, with and without the 1/(1+staleness) step scaling) and the sync
 * baseline, for each tab count and seed, as real `tabswarm start` runs with headless tabs. Every
 * run is appended to <dir>/runs.jsonl (docs/staleness), so a grid can be run in parts; the report
 * (docs/STALENESS.md and <dir>/*.svg) is written from all runs recorded there.
 *
 *   npm run bench:staleness -- --envs CartPole-v1 --tabs 2,4 --seeds 1 --staleness 0,1,2,4,8,16,inf
 *   npm run bench:staleness -- --report-only
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { tmpdir } from 'node:os';
import { Command } from 'commander';
import { fmt, lineChartSvg, list, machineLine, median, runTabswarm, writeReport } from './runs.ts';

/** What `--max-staleness` gets for "unbounded". */
const UNBOUNDED = 1_000_000;

interface Variant {
  mode: 'async' | 'sync';
  /** null: unbounded (async) or not applicable (sync). */
  maxStaleness: number | null;
  scaling: boolean;
  /** Work sizing; runs recorded before this field existed had it on (then the default). */
  workSizing?: boolean;
}

interface RunRecord extends Variant {
  envId: string;
  tabs: number;
  slowTabs: number;
  slowDelayMs: number;
  seed: number;
  maxWallS: number;
  solved: boolean;
  solvedAtEnvSteps: number | null;
  solvedAtWallS: number | null;
  envSteps: number;
  bestMeanReturn: number | null;
  accepted: number;
  rejected: number;
  rejectedStale: number;
  meanStaleness: number | null;
  date: string;
}

const opts = new Command()
  .option('--envs <list>', 'environments', 'CartPole-v1,Acrobot-v1')
  .option('--tabs <list>', 'tab counts', '1,2,4')
  .option('--seeds <list>', 'seeds', '1,2,3')
  .option('--staleness <list>', 'staleness bounds S (inf = unbounded)', '0,1,2,4,8,16,inf')
  .option('--scaling <list>', 'async step scaling: off, on or both', 'off,on')
  .option('--no-sync', 'skip the sync baseline')
  .option('--work-sizing', 'turn work sizing on in every run (off by default, as in TrainConfig)', false)
  .option('--slow-tabs <n>', 'of each run with 2 or more tabs, this many are simulated slow devices', '1')
  .option('--slow-delay-ms <ms>', 'extra ms per full-size gradient on a slow tab', '20')
  .option('--max-wall <s>', 'wall-clock cap per run (s)', '150')
  .option('--backend <name>', 'force the tabs\' backend (skips the per-tab measurement)', 'wasm')
  .option('--report-only', 'only rewrite the report from the recorded runs')
  .option('--out <file>', 'report', 'docs/STALENESS.md')
  .option('--dir <dir>', 'runs.jsonl and the plots, beside the report', 'docs/staleness')
  .parse()
  .opts<{
    envs: string; tabs: string; seeds: string; staleness: string; scaling: string; sync: boolean; workSizing: boolean; slowTabs: string; slowDelayMs: string;
    maxWall: string; backend: string; reportOnly?: boolean; out: string; dir: string;
  }>();

function variants(tabs: number): Variant[] {
  // One tab never has a stale update (it waits for each reply), so every variant is the same run.
  const workSizing = opts.workSizing;
  if (tabs === 1) return [{ mode: 'async', maxStaleness: 4, scaling: false, workSizing }];
  const out: Variant[] = [];
  for (const s of list(opts.staleness)) {
    for (const sc of list(opts.scaling)) out.push({ mode: 'async', maxStaleness: s === 'inf' ? null : Number(s), scaling: sc === 'on', workSizing });
  }
  if (opts.sync) out.push({ mode: 'sync', maxStaleness: null, scaling: false, workSizing });
  return out;
}

const variantName = (v: Variant) =>
  `${v.mode === 'sync' ? 'sync' : `S=${v.maxStaleness ?? '∞'}${v.scaling ? ' scaled' : ''}`}${v.workSizing === false ? '' : ', sizing'}`;
const sLabel = (v: Variant) => (v.mode === 'sync' ? 'sync' : v.maxStaleness === null ? '∞' : String(v.maxStaleness));

/** A config file setting work sizing (it has no flag of its own). */
async function sizingConfig(on: boolean): Promise<string> {
  const file = join(tmpdir(), `tabswarm-sizing-${on}.json`);
  await writeFile(file, JSON.stringify({ workSizing: on }));
  return file;
}

async function runOnce(envId: string, tabs: number, seed: number, v: Variant): Promise<RunRecord> {
  const slowTabs = tabs > 1 ? Math.min(Number(opts.slowTabs), tabs - 1) : 0;
  const args = [
    '--env', envId, '--workers', String(tabs), '--seed', String(seed), '--max-wall', opts.maxWall, '--backend', opts.backend,
    '--update-mode', v.mode, '--max-staleness', String(v.maxStaleness ?? UNBOUNDED),
    '--slow-tabs', String(slowTabs), '--slow-delay-ms', opts.slowDelayMs,
    ...(v.scaling ? ['--staleness-scaling'] : []),
    '--config', await sizingConfig(v.workSizing !== false),
  ];
  const { summary: s, history } = await runTabswarm(args);
  const hist = s.updates.stalenessHistogram ?? [];
  const histN = hist.reduce((a, b) => a + b, 0);
  const rejected = Object.values(s.updates.rejected).reduce((a, b) => a + b, 0) - (s.updates.rejected.finished ?? 0);
  const returns = history.map((p) => p.metrics['charts/meanReturn100']).filter((x): x is number => x !== undefined);
  return {
    envId, tabs, slowTabs, slowDelayMs: Number(opts.slowDelayMs), seed, ...v, maxWallS: Number(opts.maxWall),
    solved: s.solved, solvedAtEnvSteps: s.solvedAtEnvSteps, solvedAtWallS: s.solvedAtWallS, envSteps: s.envSteps,
    bestMeanReturn: returns.length ? Math.max(...returns) : null,
    accepted: s.updates.accepted, rejected, rejectedStale: s.updates.rejected.stale ?? 0,
    meanStaleness: histN ? hist.reduce((a, n, k) => a + n * k, 0) / histN : null,
    date: new Date().toISOString().slice(0, 10),
  };
}

const runsFile = join(opts.dir, 'runs.jsonl');

async function readRuns(): Promise<RunRecord[]> {
  if (!existsSync(runsFile)) return [];
  return (await readFile(runsFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord);
}

const key = (r: RunRecord) => `${r.envId}|${r.tabs}|${variantName(r)}`;

interface Row { envId: string; tabs: number; variant: Variant; runs: RunRecord[] }

function rows(runs: RunRecord[]): Row[] {
  const groups = new Map<string, Row>();
  for (const r of runs) {
    const k = key(r);
    if (!groups.has(k)) groups.set(k, { envId: r.envId, tabs: r.tabs, variant: r, runs: [] });
    groups.get(k)!.runs.push(r);
  }
  const order = (v: Variant) => (v.mode === 'sync' ? 1e9 : (v.maxStaleness ?? 1e8) * 2 + Number(v.scaling));
  return [...groups.values()].sort((a, b) => a.envId.localeCompare(b.envId) || a.tabs - b.tabs || order(a.variant) - order(b.variant));
}

/** Median env steps (and wall s) to solve as SVG line charts: one panel per env, x = S, one line per tabs and scaling. */
async function plot(rs: Row[], field: 'steps' | 'wall'): Promise<string> {
  const values = rs.flatMap((r) => {
    const ok = r.runs.filter((x) => x.solved);
    const y = median(ok.map((x) => (field === 'steps' ? x.solvedAtEnvSteps! : x.solvedAtWallS!)));
    if (y === null) return [];
    const series = `${r.tabs} tab${r.tabs > 1 ? 's' : ''}${r.variant.mode === 'sync' ? '' : r.variant.scaling ? ', scaled' : ''}${r.variant.workSizing === false ? '' : ', sizing'}`;
    return [{ env: r.envId, S: sLabel(r.variant), series, y }];
  });
  return lineChartSvg(values, 'env', {
    x: { field: 'S', type: 'ordinal', sort: ['0', '1', '2', '4', '8', '16', '∞', 'sync'], title: 'staleness bound S (sync = sync baseline)' },
    y: { field: 'y', type: 'quantitative', title: field === 'steps' ? 'median env steps to solve' : 'median wall s to solve' },
    color: { field: 'series', type: 'nominal', title: null },
  }, { width: 320, height: 220 });
}

async function report(runs: RunRecord[]): Promise<void> {
  const rs = rows(runs);
  await mkdir(opts.dir, { recursive: true });
  await writeFile(join(opts.dir, 'steps.svg'), await plot(rs, 'steps'));
  await writeFile(join(opts.dir, 'wall.svg'), await plot(rs, 'wall'));
  const rel = relative(dirname(opts.out), opts.dir);
  const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
  const lines = [
    '# Staleness: what the bound does to learning',
    '',
    `Measured on ${machineLine()}; runs from ${[...new Set(runs.map((r) => r.date))].join(', ')}, seeds ${seeds.join(', ')}.`,
    'Each run is `npm start` (a real coordinator and headless tabs) with the flags of its row; the raw records are in',
    `[${rel}/runs.jsonl](${rel}/runs.jsonl). Command: \`npm run bench:staleness\` (see its --help for the grid).`,
    '',
    'S is `--max-staleness`: an update computed at version v\' is applied iff current - v\' <= S. "scaled" multiplies the',
    'step of an update s versions old by 1/(1+s). "sync" averages one gradient per connected tab per step, with a',
    '2 s straggler cutoff. In runs with 2 or more tabs, one tab is a simulated slow device (extra delay per gradient,',
    'column "slow"). Rejected counts every refused update except those refused because the run had ended.',
    'Work sizing (README: How it works) is on where the variant says "sizing". Every run is capped at',
    `${[...new Set(runs.map((r) => r.maxWallS))].join(' or ')} s of wall clock (\`--max-wall\`): "solved 0/1" means not within it, and "env steps run" says how far it got.`,
    '',
    `![median env steps to solve](${rel}/steps.svg)`,
    '',
    `![median wall seconds to solve](${rel}/wall.svg)`,
    '',
    '| env | tabs | slow | variant | solved | median env steps to solve | median wall s to solve | env steps run (median) | rejected (median) | mean staleness (median) | best mean return (median) |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rs) {
    const ok = r.runs.filter((x) => x.solved);
    const rej = median(r.runs.map((x) => x.rejected / Math.max(1, x.accepted + x.rejected)));
    lines.push([
      r.envId, r.tabs, r.runs[0].slowTabs ? `${r.runs[0].slowTabs} (+${r.runs[0].slowDelayMs} ms)` : '-', variantName(r.variant),
      `${ok.length}/${r.runs.length}`, fmt(median(ok.map((x) => x.solvedAtEnvSteps!)), 0), fmt(median(ok.map((x) => x.solvedAtWallS!))),
      fmt(median(r.runs.map((x) => x.envSteps)), 0),
      rej === null ? '-' : `${(100 * rej).toFixed(1)}%`, fmt(median(r.runs.flatMap((x) => (x.meanStaleness === null ? [] : [x.meanStaleness]))), 2),
      fmt(median(r.runs.flatMap((x) => (x.bestMeanReturn === null ? [] : [x.bestMeanReturn])))),
    ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'));
  }
  await writeReport(opts.out, lines.join('\n') + '\n', '## What the defaults are, and why');
  console.log(`wrote ${opts.out} (${runs.length} runs)`);
}

async function main(): Promise<void> {
  if (!opts.reportOnly) {
    await mkdir(opts.dir, { recursive: true });
    for (const envId of list(opts.envs)) {
      for (const tabs of list(opts.tabs).map(Number)) {
        for (const v of variants(tabs)) {
          for (const seed of list(opts.seeds).map(Number)) {
            const r = await runOnce(envId, tabs, seed, v);
            console.log(JSON.stringify(r));
            await appendFile(runsFile, JSON.stringify(r) + '\n');
          }
        }
      }
    }
  }
  await report(await readRuns());
}

main().catch((e) => { console.error(e); process.exit(1); });
