/**
 * `npm run bench:wan`: training across emulated internet links. For each env x tab count x link x
 * protocol x seed, one real `tabswarm start` run (coordinator plus headless tabs, one run at a
 * time) with every tab behind a WAN relay (`--link`, fleet/wanRelay.ts). Every run is appended to
 * a JSONL file (docs/wan/runs.jsonl), so a grid can be run in parts and seeds added later; the
 * report (docs/WAN.md and docs/wan/time-to-solve.svg) is written from all runs recorded there.
 *
 *   npm run bench:wan                                         # CartPole-v1, 2 tabs, loopback..mobile, async and local, seeds 1-3
 *   npm run bench:wan -- --links loopback,mobile,loopback+mobile --protocols local,local-w4
 *   npm run bench:wan -- --envs LunarLander-v3 --seeds 1
 *   npm run bench:wan -- --report-only
 *
 * A `--links` entry `a+b` gives each tab its own link (`--link a,b`, the last repeating), to show
 * that tabs on different links all contribute accepted work.
 *
 * Defaults per env: every env runs its own defaults (shared/envDefaults.ts) under the variant;
 * LunarLander-v3 gets 300k env steps, under a third of its default, so it is compared by returns
 * (and the final deterministic evaluation) more than by time to solve. Every run is capped at
 * --max-wall: the async protocol over slow links does not solve CartPole-v1 within minutes.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { Command } from 'commander';
import { configFor, type TrainConfig } from '../shared/config.ts';
import { envIds } from '../shared/envs/registry.ts';
import { linkProfile } from '../fleet/wanRelay.ts';
import { evalCheckpoint, fmt, lineChartSvg, list, machineLine, median, spawnTabswarm, writeReport, type RunSummary } from './runs.ts';

/**
 * The protocols compared: a name and the TrainConfig fields it sets, layered over the env's
 * defaults and the base config file. Add a variant here to make it available to `--protocols`.
 */
const PROTOCOLS: Record<string, { about: string; config: Partial<TrainConfig>; envConfig?: Record<string, Partial<TrainConfig>> }> = {
  async: {
    about: 'a push per minibatch, each waiting for its reply (the previous default; for CartPole-v1 with its previous defaults, the zoo\'s 8 envs and 1 minibatch)',
    config: { updateMode: 'async' },
    envConfig: { 'CartPole-v1': { numEnvs: 8, numMinibatches: 1 } },
  },
  sync: { about: 'one gradient per connected tab averaged per step', config: { updateMode: 'sync' } },
  local: {
    about: 'PPO epochs on the tab, one delta per rollout, maxPushesInFlight (default 2) on the wire, every tab on numSteps (link sizing off; runs recorded before link sizing existed had it implicitly)',
    config: { updateMode: 'local', maxRolloutScale: 1 },
  },
  'local-sized': {
    about: 'local with link sizing: a tab waiting on replies gets rollouts up to maxRolloutScale (4) x numSteps (the default), on the env\'s defaults of the day (before 2026-12-07: no rebaseInFlight, and 2 pushes in flight for CartPole-v1)',
    config: { updateMode: 'local', maxRolloutScale: 4 },
  },
  'local-prev': {
    about: 'local mode as it was before rebaseInFlight: adopted params taken as they come, 2 pushes in flight',
    config: { updateMode: 'local', rebaseInFlight: false, maxPushesInFlight: 2 },
  },
  'local-e20': {
    about: 'local with link sizing, CartPole-v1 on its previous defaults of 20 epochs at learning rate 1e-3 (now 10 at 2e-3)',
    config: { updateMode: 'local', maxRolloutScale: 4 },
    envConfig: { 'CartPole-v1': { updateEpochs: 20, learningRate: 1e-3 } },
  },
  'local-mbsize': { about: 'local with link sizing, a stretched rollout\'s minibatches keeping their size (more of them; CartPole-v1\'s default)', config: { updateMode: 'local', stretchedMinibatches: 'size' } },
  'local-mbcount': { about: 'local with link sizing, a stretched rollout\'s minibatches keeping their number (larger ones; the default of the other envs)', config: { updateMode: 'local', stretchedMinibatches: 'count' } },
  'local-w3': { about: 'local with up to 3 pushes on the wire', config: { updateMode: 'local', maxPushesInFlight: 3 } },
  'local-w4': { about: 'local with up to 4 pushes on the wire', config: { updateMode: 'local', maxPushesInFlight: 4 } },
  'local-fp16': { about: 'local with deltas sent as fp16', config: { updateMode: 'local', updateCodec: 'fp16' } },
  'local-rebase': {
    about: 'local with link sizing, a tab adding its deltas still on the wire back onto the global params it adopts (rebaseInFlight)',
    config: { updateMode: 'local', rebaseInFlight: true },
  },
  'local-w3-rebase': { about: 'local-rebase with up to 3 pushes on the wire', config: { updateMode: 'local', rebaseInFlight: true, maxPushesInFlight: 3 } },
  'local-w4-rebase': { about: 'local-rebase with up to 4 pushes on the wire', config: { updateMode: 'local', rebaseInFlight: true, maxPushesInFlight: 4 } },
};

/** Envs whose final policy is also played deterministically from the checkpoint (bench/learn.ts does the same). */
const EVAL_ENVS = new Set(['LunarLander-v3']);
const EVAL_EPISODES = 100;

/** Seconds past --max-wall before a run counts as hung: Chromium launch, the tabs' joins, checkpoint and summary. */
const GRACE_S = 240;

const DEFAULT_OUT = 'docs/WAN.md';
const DEFAULT_JSONL = 'docs/wan/runs.jsonl';

const opts = new Command()
  .option('--envs <list>', 'environments (CartPole-v1, Acrobot-v1, LunarLander-v3, ...)', 'CartPole-v1')
  .option('--tabs <list>', 'tab counts', '2')
  .option('--links <list>', 'link profiles (fleet/wanRelay.ts); a+b gives each tab its own', 'loopback,national,continental,mobile')
  .option('--protocols <list>', `protocol variants (${Object.keys(PROTOCOLS).join(', ')})`, 'async,local')
  .option('--seeds <list>', 'seeds', '1,2,3')
  .option('--config <spec>', 'base config file under each variant: FILE for every env, or ENV=FILE,... (none: the env\'s defaults)', '')
  .option('--budget <spec>', 'env step budget (--total-timesteps): N for every env, or ENV=N,... (an env not named keeps its default)', 'LunarLander-v3=300000')
  .option('--max-wall <spec>', 'wall-clock cap per run in s: N, or ENV=N,...', '180')
  .option('--backend <name>', 'force the tabs\' backend (skips each tab\'s backend timing, so runs differ only in link and protocol)', 'wasm')
  .option('--out <file>', 'report', DEFAULT_OUT)
  .option('--jsonl <file>', 'where every run is appended, and the report read from', DEFAULT_JSONL)
  .option('--report-only', 'only rewrite the report from the recorded runs')
  .option('--keep-runs', 'keep each run\'s folder (checkpoint, summary) in the temp dir; failed runs\' folders are always kept')
  .parse()
  .opts<{
    envs: string; tabs: string; links: string; protocols: string; seeds: string; config: string; budget: string; maxWall: string;
    backend: string; out: string; jsonl: string; reportOnly?: boolean; keepRuns?: boolean;
  }>();

interface TabFigures {
  /** Worker in the coordinator's join order (not necessarily tab order). */
  accepted: number;
  rejected: number;
  envSteps: number;
  /** Share of the tab's staged time spent waiting for replies (stageSeconds.push / all stages). */
  idleShare: number | null;
}

interface RunRecord {
  /** When the bench invocation that made this run started: ratios compare runs of one invocation only. */
  invocation: string;
  command: string;
  date: string;
  machine: string;
  envId: string;
  tabs: number;
  /** The --links entry, e.g. 'mobile' or 'loopback+mobile'. */
  link: string;
  /** Each tab's link, as passed to --link. */
  tabLinks: string[];
  protocol: string;
  overrides: Partial<TrainConfig>;
  backend: string;
  baseConfig: string | null;
  budget: number | null;
  /** The budget without --budget: the base config's totalTimesteps, else the env's. */
  defaultBudget: number;
  maxWallS: number;
  seed: number;
  exitCode: number | null;
  /** Why the run counts as failed (no summary, killed at the deadline, bad input); null when it finished. */
  failure: string | null;
  launchToExitS: number;
  state: string | null;
  solved: boolean;
  solvedAtWallS: number | null;
  solvedAtEnvSteps: number | null;
  trainingWallS: number | null;
  envSteps: number | null;
  meanReturn: number | null;
  evalReturn: number | null;
  bytesUpPerEnvStep: number | null;
  bytesDownPerEnvStep: number | null;
  /** Per tab in tab order: what its relay carried. */
  relays: { link: string; bytesUp: number; bytesDown: number }[];
  accepted: number;
  /** Refused updates except 'finished' (refused only because the run had ended). */
  rejected: number;
  rejectedByReason: Record<string, number>;
  workers: TabFigures[];
}

/** `FILE` or `ENV=VALUE,ENV=VALUE,...`: the value for `envId`, or undefined. */
function perEnv(spec: string, envId: string): string | undefined {
  let all: string | undefined;
  for (const part of list(spec)) {
    const m = /^([A-Za-z][\w-]*-v\d+)=(.*)$/.exec(part);
    if (!m) all = part;
    else if (m[1] === envId) return m[2];
  }
  return all;
}

/** Per-tab links of a --links entry: 'a+b' gives tab 0 a, tab 1 b, and b to any further tab. */
const tabLinks = (entry: string, tabs: number) => {
  const parts = entry.split('+');
  return Array.from({ length: tabs }, (_, i) => parts[Math.min(i, parts.length - 1)]);
};
const isMixed = (link: string) => link.includes('+');

const shellQuote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
const COMMAND = `npm run bench:wan${process.argv.length > 2 ? ` -- ${process.argv.slice(2).map(shellQuote).join(' ')}` : ''}`;
const INVOCATION = new Date().toISOString();

/** The base config file with the variant's fields over it, as one file for --config. */
async function layeredConfig(base: string | undefined, overrides: Partial<TrainConfig>): Promise<{ file: string; fields: Partial<TrainConfig> }> {
  const file = join(tmpdir(), `tabswarm-wan-config-${process.pid}.json`);
  const fields: Partial<TrainConfig> = { ...(base ? JSON.parse(await readFile(base, 'utf8')) : {}), ...overrides };
  await writeFile(file, JSON.stringify(fields));
  return { file, fields };
}

async function runOnce(envId: string, tabs: number, link: string, protocol: string, seed: number): Promise<RunRecord> {
  const base = perEnv(opts.config, envId);
  const budgetS = perEnv(opts.budget, envId);
  const maxWallS = Number(perEnv(opts.maxWall, envId) ?? 0);
  const links = tabLinks(link, tabs);
  const overrides = { ...PROTOCOLS[protocol].config, ...PROTOCOLS[protocol].envConfig?.[envId] };
  const layered = await layeredConfig(base, overrides);
  const args = [
    '--env', envId, '--workers', String(tabs), '--seed', String(seed), '--backend', opts.backend, '--max-wall', String(maxWallS),
    '--link', links.join(','), '--config', layered.file,
    ...(budgetS ? ['--total-timesteps', budgetS] : []),
  ];
  const run = await spawnTabswarm(args, maxWallS > 0 ? maxWallS + GRACE_S : null);
  const record: RunRecord = {
    invocation: INVOCATION, command: COMMAND, date: INVOCATION.slice(0, 10), machine: machineLine(),
    envId, tabs, link, tabLinks: links, protocol, overrides, backend: opts.backend, baseConfig: base ?? null, budget: budgetS ? Number(budgetS) : null,
    defaultBudget: layered.fields.totalTimesteps ?? configFor(envId).totalTimesteps, maxWallS, seed,
    exitCode: run.exitCode, failure: run.failure, launchToExitS: run.launchToExitS,
    state: null, solved: false, solvedAtWallS: null, solvedAtEnvSteps: null, trainingWallS: null, envSteps: null, meanReturn: null, evalReturn: null,
    bytesUpPerEnvStep: null, bytesDownPerEnvStep: null, relays: [], accepted: 0, rejected: 0, rejectedByReason: {}, workers: [],
  };
  const summaryFile = join(run.runDir, 'summary.json');
  if (!existsSync(summaryFile)) return record;
  try {
    const s = JSON.parse(await readFile(summaryFile, 'utf8')) as RunSummary;
    const stageTotal = (w: RunSummary['workers'][number]) => Object.values(w.stageSeconds ?? {}).reduce((a, b) => a + b, 0);
    Object.assign(record, {
      state: s.state, solved: s.solved, solvedAtWallS: s.solvedAtWallS, solvedAtEnvSteps: s.solvedAtEnvSteps, trainingWallS: s.trainingWallS,
      envSteps: s.envSteps, meanReturn: s.meanReturn,
      bytesUpPerEnvStep: s.network?.bytesUpPerEnvStep ?? null, bytesDownPerEnvStep: s.network?.bytesDownPerEnvStep ?? null,
      relays: (s.network?.tabs ?? []).flatMap((t) => (t ? [t] : [])),
      accepted: s.updates.accepted,
      rejected: Object.entries(s.updates.rejected).reduce((n, [reason, k]) => n + (reason === 'finished' ? 0 : k), 0),
      rejectedByReason: s.updates.rejected,
      workers: s.workers.map((w) => ({
        accepted: w.accepted, rejected: w.rejected, envSteps: w.envSteps,
        idleShare: stageTotal(w) > 0 ? w.stageSeconds.push / stageTotal(w) : null,
      })),
    });
    if (EVAL_ENVS.has(envId) && !record.failure) record.evalReturn = await evalCheckpoint(s.checkpoint, EVAL_EPISODES);
  } catch (e) {
    record.failure ??= `unreadable outputs: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!record.failure && !opts.keepRuns) await rm(run.runDir, { recursive: true, force: true });
  return record;
}

async function readRuns(): Promise<RunRecord[]> {
  if (!existsSync(opts.jsonl)) return [];
  return (await readFile(opts.jsonl, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as RunRecord);
}

// ---- report -------------------------------------------------------------------------------------

interface Group { envId: string; tabs: number; protocol: string; link: string; runs: RunRecord[] }

const groupKey = (envId: string, tabs: number, protocol: string, link: string) => `${envId}|${tabs}|${protocol}|${link}`;

function groups(runs: RunRecord[]): Group[] {
  const m = new Map<string, Group>();
  for (const r of runs) {
    const k = groupKey(r.envId, r.tabs, r.protocol, r.link);
    if (!m.has(k)) m.set(k, { envId: r.envId, tabs: r.tabs, protocol: r.protocol, link: r.link, runs: [] });
    m.get(k)!.runs.push(r);
  }
  const protoOrder = (p: string) => { const i = Object.keys(PROTOCOLS).indexOf(p); return i < 0 ? 1e3 : i; };
  return [...m.values()].sort((a, b) =>
    a.envId.localeCompare(b.envId) || a.tabs - b.tabs || protoOrder(a.protocol) - protoOrder(b.protocol) || linkOrder(a.link) - linkOrder(b.link) || a.link.localeCompare(b.link));
}

/** Links sort by RTT, mixed ones after all single ones. */
function linkOrder(link: string): number {
  if (isMixed(link)) return 1e6;
  return rttOf(link) ?? 1e5;
}

function rttOf(link: string): number | null {
  try { return linkProfile(link).rttMs; } catch { return null; }
}

/** Runs that finished (a failed run has no figures worth a median). */
const finished = (rs: RunRecord[]) => rs.filter((r) => !r.failure);

/** Time (or env steps) to solve per run, an unsolved run counting as slower than any solved one. */
const toSolve = (r: RunRecord, f: 'wall' | 'steps') => (r.solved ? (f === 'wall' ? r.solvedAtWallS! : r.solvedAtEnvSteps!) : Infinity);

function medianToSolve(rs: RunRecord[], f: 'wall' | 'steps'): number | null {
  return median(finished(rs).map((r) => toSolve(r, f)));
}

const show = (x: number | null, digits: number) => (x === Infinity ? '∞' : fmt(x, digits));

function spread(rs: RunRecord[], f: 'wall' | 'steps', digits: number): string {
  const xs = finished(rs).map((r) => toSolve(r, f));
  if (!xs.length) return '-';
  const m = median(xs);
  return xs.length > 1 ? `${show(m, digits)} (${show(Math.min(...xs), digits)}–${show(Math.max(...xs), digits)})` : show(m, digits);
}

/** A session: runs of one day on one machine (a grid may be run as several invocations, one after another). */
const session = (r: RunRecord) => `${r.date}|${r.machine}`;

/** Median time to solve of `g` over that of `base`, both from the sessions that `g`'s runs come from. */
function ratio(g: Group, base: Group | undefined): string {
  if (!base) return '-';
  const sessions = new Set(g.runs.map(session));
  const same = base.runs.filter((r) => sessions.has(session(r)));
  const mg = medianToSolve(g.runs.filter((r) => same.some((b) => session(b) === session(r))), 'wall');
  const mb = medianToSolve(same, 'wall');
  if (mg === null || mb === null || mb === Infinity) return '-';
  return mg === Infinity ? '∞' : `${(mg / mb).toFixed(2)}×`;
}

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)}%`);
const medianOf = (xs: (number | null)[]) => median(xs.filter((x): x is number => x !== null && Number.isFinite(x)));
const meanOf = (xs: (number | null)[]) => { const v = xs.filter((x): x is number => x !== null); return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null; };
const rejectedShare = (r: RunRecord) => (r.accepted + r.rejected > 0 ? r.rejected / (r.accepted + r.rejected) : null);
const stepsPerS = (r: RunRecord) => (r.envSteps !== null && r.trainingWallS ? r.envSteps / r.trainingWallS : null);

/** The chart's SVG path: beside the report, in a folder named after it (docs/WAN.md -> docs/wan/time-to-solve.svg). */
const chartFile = () => join(dirname(opts.out), basename(opts.out).replace(/\.md$/i, '').toLowerCase(), 'time-to-solve.svg');

/** Median training seconds to solve by link RTT: a panel per env and tab count, a line per protocol. Null when nothing solved. */
async function chart(gs: Group[]): Promise<string | null> {
  const values = gs.flatMap((g) => {
    const rtt = isMixed(g.link) ? null : rttOf(g.link);
    const y = medianToSolve(g.runs, 'wall');
    if (rtt === null || y === null || y === Infinity) return [];
    return [{ panel: `${g.envId}, ${g.tabs} tab${g.tabs > 1 ? 's' : ''}`, rtt, link: g.link, protocol: g.protocol, y }];
  });
  if (!values.length) return null;
  const ys = values.map((v) => v.y);
  const log = Math.max(...ys) / Math.min(...ys) > 4;
  const links = [...new Map([...values].sort((a, b) => a.rtt - b.rtt).map((v) => [v.link, `${v.link} ${v.rtt}`])).values()].join(', ');
  return lineChartSvg(values, 'panel', {
    x: { field: 'rtt', type: 'quantitative', title: `link RTT, ms (${links})` },
    y: { field: 'y', type: 'quantitative', title: `median s to solve${log ? ' (log scale)' : ''}`, scale: log ? { type: 'log' } : {} },
    color: { field: 'protocol', type: 'nominal', title: 'protocol' },
  }, { width: 420, height: 240 });
}

const READING = '## Reading';

async function report(runs: RunRecord[]): Promise<void> {
  const gs = groups(runs);
  const find = (envId: string, tabs: number, protocol: string, link: string) => gs.find((g) => groupKey(g.envId, g.tabs, g.protocol, g.link) === groupKey(envId, tabs, protocol, link));
  const svg = await chart(gs);
  const svgFile = chartFile();
  if (svg) {
    await mkdir(dirname(svgFile), { recursive: true });
    await writeFile(svgFile, svg);
  }
  const relSvg = relative(dirname(opts.out), svgFile);
  const relJsonl = relative(dirname(opts.out), opts.jsonl);
  const paths = opts.jsonl === DEFAULT_JSONL && opts.out === DEFAULT_OUT ? '' : ` --jsonl ${opts.jsonl} --out ${opts.out}`;
  const distinct = <T>(xs: T[]) => [...new Set(xs)];
  const protocolsUsed = distinct(runs.map((r) => r.protocol));
  const linksUsed = distinct(runs.flatMap((r) => r.tabLinks)).sort((a, b) => linkOrder(a) - linkOrder(b));

  const lines = [
    '# Training across emulated internet links',
    '',
    `Runs from ${distinct(runs.map((r) => r.date)).join(', ')} on ${distinct(runs.map((r) => r.machine)).join('; ')}; report written ${new Date().toISOString().slice(0, 10)}`,
    `on ${cpus().length} cores. Made by:`,
    '',
    ...distinct(runs.map((r) => r.command)).map((c) => `    ${c}`),
    '',
    `The raw records, one per run, are in [${relJsonl}](${relJsonl}); \`npm run bench:wan -- --report-only${paths}\` rewrites this report from them.`,
    '',
    'Each run is `tabswarm start` (a real coordinator and headless Chromium tabs, one run at a time) with every tab behind a',
    'userspace TCP relay emulating its link (`--link`, fleet/wanRelay.ts), loopback included, so every row pays the same',
    'relay hop and every row\'s bytes are counted. The tabs\' backend is forced',
    `(\`--backend ${distinct(runs.map((r) => r.backend)).join(' or ')}\`, no per-tab timing), so runs differ only in link and protocol. Links:`,
    '',
    ...linksUsed.map((l) => { try { const p = linkProfile(l); return `- ${l}: RTT ${p.rttMs} ms ± ${p.jitterMs} ms, ${p.downMbps ?? '∞'} Mbit/s down, ${p.upMbps ?? '∞'} Mbit/s up`; } catch { return `- ${l}: (no longer a profile)`; } }),
    '',
    'Protocols (TrainConfig fields over the env\'s defaults and the base config):',
    '',
    ...protocolsUsed.map((p) => `- ${p}: \`${JSON.stringify(runs.find((r) => r.protocol === p)!.overrides)}\`${PROTOCOLS[p] ? ` — ${PROTOCOLS[p].about}` : ''}`),
    '',
    'Per env: base config, env step budget (`--total-timesteps`, which is also the horizon of any annealing) and wall cap per run:',
    '',
    ...distinct(runs.map((r) => r.envId)).map((e) => {
      const rs = runs.filter((r) => r.envId === e);
      const full = rs[0].defaultBudget ?? configFor(e).totalTimesteps;
      const short = rs.some((r) => r.budget !== null && r.budget < full);
      return `- ${e}: ${distinct(rs.map((r) => r.baseConfig ?? 'env defaults')).join(' or ')}; budget ${distinct(rs.map((r) => (r.budget === null ? 'the env default' : r.budget.toLocaleString('en-US')))).join(' or ')}`
        + `${short ? ` (shorter than its default ${full.toLocaleString('en-US')} env steps, so it may end unsolved: compare its returns and throughput)` : ''}; at most ${distinct(rs.map((r) => r.maxWallS)).join(' or ')} s`;
    }),
    '',
    'Solved = mean return of the last 100 training episodes >= the env\'s threshold. "time to solve" is training seconds from',
    'the first tab\'s join; medians and ranges are over seeds, an unsolved run counting as ∞ (slower than any solved one).',
    '"× own loopback" and "× async loopback" divide the median time to solve by that of the same protocol on loopback and of',
    'async on loopback, both from the same session only (runs of the same day on the same machine). Bytes are what the relays carried (up = tab to',
    'coordinator) per env step of the whole run. "rejected" is refused updates (except those refused because the run had',
    'ended) over all pushes; "idle" is each tab\'s time waiting for replies over its staged time (collect, gradient, push,',
    'set params), averaged over tabs. Failed runs (crashed, or killed past the wall cap plus a grace period) count in',
    '"solved" only.',
    '',
    svg ? `![median training seconds to solve by link RTT](${relSvg})` : '(No configuration solved yet, so there is no chart of time to solve.)',
    '',
  ];

  for (const envId of distinct(gs.map((g) => g.envId))) {
    for (const tabs of distinct(gs.filter((g) => g.envId === envId).map((g) => g.tabs))) {
      const rows = gs.filter((g) => g.envId === envId && g.tabs === tabs);
      const withEval = rows.some((g) => g.runs.some((r) => r.evalReturn !== null));
      lines.push(
        `## ${envId}, ${tabs} tab${tabs > 1 ? 's' : ''}`,
        '',
        `| protocol | link | solved | time to solve, s: median (min–max) | × own loopback | × async loopback | env steps to solve: median (min–max) | env steps/s | mean return at end |${withEval ? ` final eval (${EVAL_EPISODES} det. episodes) |` : ''} bytes up / env step | bytes down / env step | rejected | idle |`,
        `|---|---|---|---|---|---|---|---|---|${withEval ? '---|' : ''}---|---|---|---|`,
      );
      for (const g of rows) {
        const ok = finished(g.runs);
        const failed = g.runs.length - ok.length;
        lines.push(`| ${[
          g.protocol, g.link,
          `${ok.filter((r) => r.solved).length} of ${g.runs.length}${failed ? ` (${failed} failed)` : ''}`,
          spread(g.runs, 'wall', 1),
          ratio(g, find(envId, tabs, g.protocol, 'loopback')),
          ratio(g, find(envId, tabs, 'async', 'loopback')),
          spread(g.runs, 'steps', 0),
          fmt(medianOf(ok.map(stepsPerS)), 0),
          fmt(medianOf(ok.map((r) => r.meanReturn))),
          ...(withEval ? [fmt(medianOf(ok.map((r) => r.evalReturn)))] : []),
          fmt(medianOf(ok.map((r) => r.bytesUpPerEnvStep)), 1),
          fmt(medianOf(ok.map((r) => r.bytesDownPerEnvStep)), 1),
          pct(medianOf(ok.map(rejectedShare))),
          pct(medianOf(ok.map((r) => meanOf(r.workers.map((w) => w.idleShare))))),
        ].join(' | ')} |`);
      }
      lines.push('');
    }
  }

  const mixed = runs.filter((r) => isMixed(r.link) && !r.failure);
  if (mixed.length) {
    lines.push(
      '## Mixed links: what each tab contributed',
      '',
      'The relays are in tab order; the coordinator lists workers in join order, which need not be tab order (a tab behind a',
      'slower link can join later). "link by bytes up" pairs workers with relays by rank of pushes and bytes up, since each',
      'push of one run has the same size: an inference, not a record. A worker\'s rejected count includes pushes refused',
      'because the run had ended.',
      '',
      '| env | tabs | protocol | links | seed | relays: link, bytes up / down | workers: accepted / rejected, idle | link by bytes up |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const r of mixed) {
      const byBytes = [...r.relays.keys()].sort((a, b) => r.relays[b].bytesUp - r.relays[a].bytesUp);
      const byPushes = [...r.workers.keys()].sort((a, b) => (r.workers[b].accepted + r.workers[b].rejected) - (r.workers[a].accepted + r.workers[a].rejected));
      const inferred = r.workers.map((_, i) => r.relays[byBytes[byPushes.indexOf(i)]]?.link ?? '?');
      lines.push(`| ${[
        r.envId, r.tabs, r.protocol, r.link, r.seed,
        r.relays.map((t) => `${t.link} ${mb(t.bytesUp)} / ${mb(t.bytesDown)}`).join('; '),
        r.workers.map((w) => `${w.accepted} / ${w.rejected}, ${pct(w.idleShare)}`).join('; '),
        inferred.join('; '),
      ].join(' | ')} |`);
    }
    lines.push('');
  }

  const failures = runs.filter((r) => r.failure);
  if (failures.length) {
    lines.push('## Failed runs', '', '| env | tabs | protocol | link | seed | exit code | what happened |', '|---|---|---|---|---|---|---|');
    for (const r of failures) lines.push(`| ${r.envId} | ${r.tabs} | ${r.protocol} | ${r.link} | ${r.seed} | ${r.exitCode ?? 'signal'} | ${r.failure!.replace(/\|/g, '\\|').replace(/\s+/g, ' ')} |`);
    lines.push('');
  }

  lines.push(
    '## Every run',
    '',
    '<details><summary>One row per run</summary>',
    '',
    '| date | env | tabs | protocol | link | seed | end | training s (to solve or to end) | env steps (to solve or to end) | mean return | bytes up / down per env step | rejected | accepted per worker | idle per worker |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const r of runs) {
    lines.push(`| ${[
      r.date, r.envId, r.tabs, r.protocol, r.link, r.seed, r.failure ? `failed (exit ${r.exitCode ?? 'signal'})` : r.state,
      fmt(r.solved ? r.solvedAtWallS : r.trainingWallS), (r.solved ? r.solvedAtEnvSteps : r.envSteps) ?? '-', fmt(r.meanReturn),
      `${fmt(r.bytesUpPerEnvStep)} / ${fmt(r.bytesDownPerEnvStep)}`, pct(rejectedShare(r)),
      r.workers.map((w) => w.accepted).join(', ') || '-', r.workers.map((w) => pct(w.idleShare)).join(', ') || '-',
    ].join(' | ')} |`);
  }
  lines.push('', '</details>', '');

  // The reading is written by hand after a run; writeReport keeps it (everything from its heading on) when the report is remade.
  const existing = existsSync(opts.out) ? await readFile(opts.out, 'utf8') : '';
  const reading = existing.includes(`\n${READING}\n`) ? '' : `\n${READING}\n\n_To be written by the lead engineer from the figures above._\n`;
  await mkdir(dirname(opts.out), { recursive: true });
  await writeReport(opts.out, lines.join('\n').trimEnd() + '\n' + reading, READING);
  console.log(`wrote ${opts.out}${svg ? ` and ${svgFile}` : ''} (${runs.length} runs)`);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

async function main(): Promise<void> {
  if (!opts.reportOnly) {
    const envs = list(opts.envs);
    const known = envIds();
    for (const e of envs) if (!known.includes(e)) throw new Error(`unknown env ${e}: expected one of ${known.join(', ')}`);
    const protocols = list(opts.protocols);
    for (const p of protocols) if (!(p in PROTOCOLS)) throw new Error(`unknown protocol ${p}: expected one of ${Object.keys(PROTOCOLS).join(', ')}`);
    const links = list(opts.links);
    for (const l of links) for (const name of l.split('+')) linkProfile(name); // an unknown name fails here, before any run
    for (const e of envs) {
      const base = perEnv(opts.config, e);
      if (base && !existsSync(base)) throw new Error(`config file ${base} (for ${e}) not found`);
    }
    if (!existsSync('dist/client/worker.html')) throw new Error('dist/client is not built: run `npx vite build` (npm run bench:wan does)');
    await mkdir(dirname(opts.jsonl), { recursive: true });
    const total = envs.length * list(opts.tabs).length * links.length * protocols.length * list(opts.seeds).length;
    let n = 0;
    // Seeds outermost: the cells compared take turns, so a machine that slows down over the
    // benchmark slows them alike.
    for (const envId of envs) {
      for (const tabs of list(opts.tabs).map(Number)) {
        for (const seed of list(opts.seeds).map(Number)) {
          for (const link of links) {
            for (const protocol of protocols) {
              console.log(`bench:wan: run ${++n} of ${total}: ${envId}, ${tabs} tabs, ${link}, ${protocol}, seed ${seed}`);
              const r = await runOnce(envId, tabs, link, protocol, seed);
              console.log(JSON.stringify(r));
              await appendFile(opts.jsonl, JSON.stringify(r) + '\n');
            }
          }
        }
      }
    }
  }
  await report(await readRuns());
}

main().catch((e) => { console.error(e); process.exit(1); });
