/**
 * `npm run bench:startup`: how fast a tab starts training, and `npm start` from process launch to
 * solved. Writes docs/perf/startup.md (keeping its hand-written part from "## Notes" on).
 *
 * Page: a coordinator serves the built client; each run launches a fresh browser, opens /worker.html
 * (a first visit: the tab times backends) and then again in the same browser context (a returning
 * tab: the choice is remembered), and takes the time from `goto` to the coordinator's join.
 *
 * Process: `node bin/tabswarm.js start` (what `npm start` runs, client build included), CartPole-v1
 * with 2 tabs, from launch to the coordinator's solved status (polled on /api/status every 100 ms),
 * with the first join and the exit on the way. "first launch" runs start with an empty backend
 * choices file (XDG_CACHE_HOME in a fresh folder); "later launch" runs share one that an untimed
 * launch filled first.
 *
 *   npm run bench:startup -- --before /tmp/before --runs 5 --process-runs 3
 *
 * --before DIR: a checkout of an earlier commit (built, with node_modules) measured the same way,
 * interleaved run by run with this tree so that both see the same machine state.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { Coordinator } from '../server/coordinator.ts';
import { configFor } from '../shared/config.ts';
import { Fleet } from '../fleet/fleet.ts';
import type { RunStatus } from '../shared/protocol.ts';
import { fmt, machineLine, median, writeReport } from './runs.ts';

const opts = new Command()
  .option('--before <dir>', 'a built checkout of an earlier commit to compare with')
  .option('--runs <n>', 'page runs per variant', '5')
  .option('--process-runs <n>', 'npm start runs per variant (0 to skip)', '3')
  .option('--out <file>', 'report', 'docs/perf/startup.md')
  .parse()
  .opts<{ before?: string; runs: string; processRuns: string; out: string }>();

interface Tree { label: string; dir: string }
const trees: Tree[] = [...(opts.before ? [{ label: 'before', dir: resolve(opts.before) }] : []), { label: 'after', dir: resolve('.') }];

/** Seconds from page.goto to the coordinator's join, for a first visit and a returning one, per tree. */
async function pageRuns(): Promise<Record<string, { first: number[]; returning: number[] }>> {
  const out: Record<string, { first: number[]; returning: number[] }> = {};
  for (const t of trees) out[t.label] = { first: [], returning: [] };
  const servers = await Promise.all(trees.map(async (t) => {
    const c = new Coordinator({ config: configFor('CartPole-v1', { totalTimesteps: 1e12 }), port: 0, staticDir: join(t.dir, 'dist/client') });
    return { tree: t, c, url: `http://127.0.0.1:${await c.start()}` };
  }));
  /** Opens the worker page with `open` and returns seconds to its join. */
  const joinS = async (c: Coordinator, open: () => Promise<unknown>) => {
    const known = new Set(c.workerList().map((w) => w.workerId));
    const t0 = Date.now();
    await open();
    for (;;) {
      const w = c.workerList().find((x) => !known.has(x.workerId));
      if (w) return (w.joinedAt - t0) / 1000;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  for (let run = 0; run < Number(opts.runs); run++) {
    for (const { tree, c, url } of servers) {
      // A fresh browser each time: its GPU process has compiled no shaders yet, as on a first visit.
      const fleet = new Fleet({ url, workers: 0 });
      await fleet.start();
      let page = await fleet.page('about:blank', undefined, '');
      out[tree.label].first.push(await joinS(c, () => page.goto(`${url}/worker.html`)));
      const context = page.context();
      await page.close();
      page = await context.newPage();
      out[tree.label].returning.push(await joinS(c, () => page.goto(`${url}/worker.html`)));
      await fleet.stop();
      console.log(tree.label, 'first', out[tree.label].first.at(-1), 'returning', out[tree.label].returning.at(-1));
    }
  }
  for (const s of servers) await s.c.stop();
  return out;
}

interface ProcessRun { launchToJoinS: number | null; launchToSolvedS: number | null; launchToExitS: number; solved: boolean; trainingToSolvedS: number | null }

/** One `node bin/tabswarm.js start` in `dir`, its cache in `cacheHome`. */
async function processRun(dir: string, cacheHome: string): Promise<ProcessRun> {
  const runDir = await mkdtemp(join(tmpdir(), 'tabswarm-startup-'));
  const t0 = performance.now();
  const since = () => (performance.now() - t0) / 1000;
  const p = spawn('node', ['bin/tabswarm.js', 'start', '--port', '0', '--workers', '2', '--run-dir', runDir], {
    cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: cacheHome },
  });
  let launchToJoinS: number | null = null;
  let launchToSolvedS: number | null = null;
  let stdout = '';
  let polling: Promise<void> | null = null;
  const poll = async (origin: string) => {
    while (p.exitCode === null && launchToSolvedS === null) {
      try {
        const { status } = (await (await fetch(`${origin}/api/status`)).json()) as { status: RunStatus };
        if (launchToJoinS === null && status.trainingWallS !== null) launchToJoinS = since();
        if (status.state === 'solved') launchToSolvedS = since();
      } catch { /* not up yet, or gone */ }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  p.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    const m = /dashboard: (http:\/\/[^/\s]+)\//.exec(stdout);
    if (m && !polling) polling = poll(m[1]);
  });
  p.stderr.on('data', (b: Buffer) => process.stderr.write(b));
  await new Promise((r) => p.on('close', r));
  const launchToExitS = since();
  await polling;
  const summary = JSON.parse(await readFile(join(runDir, 'summary.json'), 'utf8')) as { solved: boolean; solvedAtWallS: number | null };
  return { launchToJoinS, launchToSolvedS, launchToExitS, solved: summary.solved, trainingToSolvedS: summary.solvedAtWallS };
}

async function processRuns(): Promise<Record<string, ProcessRun[]>> {
  const n = Number(opts.processRuns);
  const out: Record<string, ProcessRun[]> = {};
  if (n === 0) return out;
  const variants: { label: string; dir: string; cache: () => Promise<string> }[] = [];
  for (const t of trees) variants.push({ label: `${t.label}, first launch`, dir: t.dir, cache: () => mkdtemp(join(tmpdir(), 'tabswarm-cache-')) });
  const shared = await mkdtemp(join(tmpdir(), 'tabswarm-cache-'));
  // One untimed launch fills the shared choices file.
  console.log('filling the choices file:', JSON.stringify(await processRun(resolve('.'), shared)));
  variants.push({ label: 'after, later launch', dir: resolve('.'), cache: async () => shared });
  for (const v of variants) out[v.label] = [];
  for (let i = 0; i < n; i++) {
    for (const v of variants) {
      const r = await processRun(v.dir, await v.cache());
      console.log(v.label, JSON.stringify(r));
      out[v.label].push(r);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const loadBefore = loadavg().map((x) => x.toFixed(2)).join(', ');
  const started = new Date().toISOString();
  const pages = await pageRuns();
  const procs = await processRuns();
  const loadAfter = loadavg().map((x) => x.toFixed(2)).join(', ');
  const s = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
  const m = (xs: (number | null)[]) => fmt(median(xs.filter((x): x is number => x !== null)), 1);
  const lines = [
    '# Start-up: page open to joined, and `npm start` to solved',
    '',
    `Measured ${started.slice(0, 16).replace('T', ' ')} UTC on ${machineLine()}; the machine was shared with other jobs`,
    `(load average ${loadBefore} at the start, ${loadAfter} at the end). Command: \`npm run bench:startup --${opts.before ? ` --before ${opts.before}` : ''} --runs ${opts.runs} --process-runs ${opts.processRuns}\`.`,
    '',
    '## A worker tab: from opening the page to joining',
    '',
    'Seconds from `page.goto("/worker.html")` to the coordinator\'s join (CartPole-v1, backend chosen by the page), one tab at a time. "first visit":',
    'a freshly launched browser, so the tab times backends; "returning": a second page in the same browser context after the first closed.',
    '',
    '| tree | visit | median s | runs (s) |',
    '|---|---|---:|---|',
    ...Object.entries(pages).flatMap(([label, r]) => [
      `| ${label} | first visit | ${m(r.first)} | ${s(r.first)} |`,
      `| ${label} | returning | ${m(r.returning)} | ${s(r.returning)} |`,
    ]),
    '',
  ];
  if (Object.keys(procs).length) {
    lines.push(
      '## `npm start`: from process launch to solved',
      '',
      '`node bin/tabswarm.js start --workers 2` (what `npm start` runs: CartPole-v1 with its config), seconds from launch; each tree',
      'measured as it starts (the client already built where it builds only when a source changed; see the notes for what "before" is). "first launch": an empty backend',
      'choices file, so the first tab times backends and the second starts from its choice; "later launch": the file a previous launch wrote.',
      '',
      '| variant | solved | median launch to first join | median launch to solved | median training to solved | median launch to exit |',
      '|---|---|---:|---:|---:|---:|',
      ...Object.entries(procs).map(([label, rs]) => `| ${label} | ${rs.filter((r) => r.solved).length}/${rs.length} | ${m(rs.map((r) => r.launchToJoinS))} | ${m(rs.map((r) => r.launchToSolvedS))} | ${m(rs.map((r) => r.trainingToSolvedS))} | ${m(rs.map((r) => r.launchToExitS))} |`),
      '',
      '### Every run',
      '',
      '| variant | launch to first join | launch to solved | training to solved | launch to exit |',
      '|---|---:|---:|---:|---:|',
      ...Object.entries(procs).flatMap(([label, rs]) => rs.map((r) => `| ${label} | ${fmt(r.launchToJoinS)} | ${fmt(r.launchToSolvedS)} | ${fmt(r.trainingToSolvedS)} | ${fmt(r.launchToExitS)} |`)),
      '',
    );
  }
  await writeReport(opts.out, lines.join('\n'), '## Notes');
  console.log(lines.join('\n'));
  process.exit(0);
}

void main();
