/**
 * `tabswarm start` (what `npm start` runs): build the worker and dashboard pages, start the
 * coordinator, open headless worker tabs, train until solved or out of budget, then write a
 * checkpoint and a summary into the run's folder. Exit code 0 = solved, 1 = not, 2 = bad input.
 * Crash-safe: checkpoint.ckpt is saved every config.checkpointEverySec while training, each history
 * point is appended to history.jsonl as it is made, and SIGTERM ends the run like Ctrl-C (SIGINT).
 */
import { Command, Option } from 'commander';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { configFor, defaultConfig, parseConfigFile, validateConfig, ConfigError, type TrainConfig } from '../shared/config.ts';
import { BACKENDS, stageShares, type Backend, type RunStatus } from '../shared/protocol.ts';
import { envIds } from '../shared/envs/registry.ts';
import { UPDATE_CODECS, type UpdateCodec } from '../shared/updateCodec.ts';
import { Coordinator } from '../server/coordinator.ts';
import { parseOrigin } from '../server/net/origins.ts';
import { saveCheckpoint, loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { PeriodicCheckpoints } from '../server/checkpoint/periodic.ts';
import { importEnvModules, numberArg, parsedBy } from './args.ts';
import { LINK_NAMES, linkProfile, type LinkProfile, type WanRelay } from '../fleet/wanRelay.ts';
import { M } from '../shared/metrics.ts';
import { defaultChoiceFile } from '../fleet/choiceCache.ts';
import { clientUpToDate } from './clientBuild.ts';

const int = (name: string) => numberArg(name, { integer: true });

/** `--link mobile` or `--link loopback,continental`: the named link profiles, one per tab (the last one for the remaining tabs). */
const parseLinks = parsedBy((v) => v.split(',').map((name) => linkProfile(name.trim())));
/** One `--allowed-origin`, checked now so that a typo is a usage error. */
const parseOriginArg = (v: string, all: string[]) => [...all, parsedBy(parseOrigin)(v)];

export const startCommand = (onExit: (code: number) => void) => new Command('start')
  .description('Train PPO on volunteered browser tabs: coordinator, dashboard and headless worker tabs.')
  .option('--port <n>', 'HTTP and Socket.IO port', int('--port'), 3000)
  .option('--host <addr>', 'address to listen on (0.0.0.0 to let other machines contribute)', '127.0.0.1')
  .option('--workers <n>', 'headless Chromium worker tabs to launch (0 for none)', int('--workers'), 2)
  .option('--serve', 'keep serving after the run ends', false)
  .option('--config <file>', 'JSON file of TrainConfig overrides')
  .option('--env <id>', `environment (${envIds().join(', ')}, or one an --env-module registers)`)
  .option('--env-module <file>', 'a file that registers environments with registerEnv (repeatable)', (f: string, all: string[]) => [...all, f], [] as string[])
  .option('--total-timesteps <n>', 'env step budget', int('--total-timesteps'))
  .option('--seed <n>', 'seed', int('--seed'))
  .option('--max-staleness <n>', 'staleness bound S: apply an update iff current - v\' <= S', int('--max-staleness'))
  .addOption(new Option('--update-mode <mode>', 'async: one step per gradient; sync: average one gradient per worker per step; local: each tab pushes one delta per rollout').choices(['async', 'sync', 'local']))
  .option('--staleness-scaling', 'scale each accepted update\'s step by 1 / (1 + staleness)')
  .addOption(new Option('--codec <codec>', 'how gradients cross the wire').choices(UPDATE_CODECS))
  .option('--slow-tabs <n>', 'make the last n launched tabs simulated slow devices', int('--slow-tabs'), 0)
  .option('--slow-delay-ms <ms>', 'extra ms per full-size gradient on a slow tab', int('--slow-delay-ms'), 100)
  .addOption(new Option('--backend <name>', 'force a tfjs backend on every tab').choices([...BACKENDS, 'auto']))
  .option('--token <token>', 'require this token from workers (?token= on the worker page)')
  .option('--allowed-origin <origin>', 'also accept worker and dashboard pages from this origin, e.g. https://swarm.example.org (repeatable; the coordinator\'s own and loopback origins always are)', parseOriginArg, [] as string[])
  .option('--resume <checkpoint>', 'continue a run from its checkpoint (params, optimizer, version, counts, env steps)')
  .option('--max-wall <seconds>', 'stop the run this many seconds after launch (0 = no limit)', int('--max-wall'), 0)
  .option('--run-dir <dir>', 'where the checkpoint and summary go (default runs/<time>-<env>)')
  .option('--link <profiles>', `emulate each tab's network link through a relay: one profile, or one per tab comma-separated (${LINK_NAMES.join(', ')})`, parseLinks)
  .option('--headed', 'show the worker browser windows', false)
  .option('--isolate', 'send COOP/COEP so tabs can use wasm threads (helps with more than 2 cores)', false)
  .option('--no-build', 'serve the client as already built in dist/client (the benchmarks build it once)')
  .exitOverride()
  .action(async (o: Options) => onExit(await start(o)));

interface Options {
  envModule: string[];
  port: number; host: string; workers: number; serve: boolean; config?: string; env?: string; totalTimesteps?: number;
  seed?: number; maxStaleness?: number; backend?: Backend | 'auto'; updateMode?: TrainConfig['updateMode']; stalenessScaling?: boolean; codec?: UpdateCodec;
  slowTabs: number; slowDelayMs: number; token?: string; allowedOrigin: string[]; resume?: string; maxWall: number; runDir?: string; headed: boolean; isolate: boolean;
  build: boolean; link?: LinkProfile[];
}

async function readConfigFile(path: string): Promise<Partial<TrainConfig>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  return parseConfigFile(text, path);
}

/** The env's defaults, then the resumed run's config, then the config file, then flags. */
async function buildConfig(o: Options, resumed: TrainConfig | undefined): Promise<TrainConfig> {
  const file = o.config ? await readConfigFile(o.config) : {};
  const flags: Partial<TrainConfig> = {};
  if (o.totalTimesteps !== undefined) flags.totalTimesteps = o.totalTimesteps;
  if (o.seed !== undefined) flags.seed = o.seed;
  if (o.maxStaleness !== undefined) flags.maxStaleness = o.maxStaleness;
  if (o.updateMode !== undefined) flags.updateMode = o.updateMode;
  if (o.stalenessScaling) flags.stalenessScaling = true;
  if (o.codec !== undefined) flags.updateCodec = o.codec;
  if (o.backend !== undefined) flags.backend = o.backend;
  return validateConfig(configFor(o.env ?? file.envId ?? resumed?.envId ?? defaultConfig.envId, { ...resumed, ...file, ...flags }));
}

/** Bytes each tab's relay carried up (tab to coordinator) and down, and both per env step of the run. */
function network(relays: (WanRelay | null)[], envSteps: number) {
  const tabs = relays.map((r) => r && { link: r.link.name, bytesUp: r.bytes.up, bytesDown: r.bytes.down });
  const total = (k: 'bytesUp' | 'bytesDown') => tabs.reduce((n, t) => n + (t?.[k] ?? 0), 0);
  return { tabs, bytesUpPerEnvStep: total('bytesUp') / Math.max(envSteps, 1), bytesDownPerEnvStep: total('bytesDown') / Math.max(envSteps, 1) };
}

function statusLine(s: RunStatus, workers: number): Record<string, string> {
  const rejected = Object.values(s.rejected).reduce((a, b) => a + b, 0);
  return {
    state: s.state,
    ret: s.meanReturn === null ? '-' : s.meanReturn.toFixed(1),
    workers: String(workers),
    acc: String(s.accepted),
    rej: String(rejected),
    wall: s.trainingWallS === null ? '0' : s.trainingWallS.toFixed(1),
  };
}

/**
 * Builds the client pages: into dist/client, or with the user's env modules bundled in, into a
 * build of this run's own. Returns the folder to serve.
 */
async function buildClient(envModules: string[], runDir: string, build: boolean): Promise<string> {
  const paths = await importEnvModules(envModules);
  const outDir = paths.length ? join(runDir, 'client') : resolve('dist/client');
  // dist/client is built again only when a source is newer than it (clientBuild.ts).
  if (!paths.length && (!build || await clientUpToDate(outDir, resolve('.')))) return outDir;
  process.env.TABSWARM_ENV_MODULES = paths.join(',');
  const vite = await import('vite');
  await vite.build({ configFile: resolve('vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/**
 * Appends JSON lines to `path` (truncated first: a resumed run's history starts anew, as its
 * history.json does). A failed write is reported once and ends the log, not the run.
 */
function historyWriter(path: string): { write(point: unknown): void; close(): void } {
  let fd: number | null = openSync(path, 'w');
  const fail = (e: unknown) => {
    console.error(`tabswarm: cannot append to ${path}, history streaming stops: ${e instanceof Error ? e.message : String(e)}`);
    if (fd !== null) try { closeSync(fd); } catch { /* already failing */ }
    fd = null;
  };
  return {
    write(point) {
      if (fd === null || point === undefined) return;
      try { writeSync(fd, `${JSON.stringify(point)}\n`); } catch (e) { fail(e); }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

async function start(o: Options): Promise<number> {
  const runDir = resolve(o.runDir ?? join('runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${o.env ?? defaultConfig.envId}`));
  const staticDir = await buildClient(o.envModule, runDir, o.build);
  const resumed = o.resume ? await loadCheckpoint(o.resume) : undefined;
  const config = await buildConfig(o, resumed?.config);
  if (resumed && resumed.envId !== config.envId) throw new ConfigError(`checkpoint ${o.resume} is for ${resumed.envId}, not ${config.envId}`);
  await mkdir(runDir, { recursive: true });

  const coordinator = new Coordinator({
    config, port: o.port, host: o.host, token: o.token, staticDir, resume: resumed, crossOriginIsolation: o.isolate, allowedOrigins: o.allowedOrigin,
  });
  if (coordinator.tracker.finished) {
    throw new ConfigError(`the run in ${o.resume} is already over (${coordinator.tracker.state} at ${coordinator.tracker.envSteps.toLocaleString()} env steps): raise --total-timesteps to continue it`);
  }
  // Each history point goes to disk as it is made (before start(), so the first ticks are not missed):
  // a killed coordinator loses at most the tick in progress. Synchronous appends keep the file in tick order.
  const historyLog = historyWriter(join(runDir, 'history.jsonl'));
  coordinator.on('tick', () => historyLog.write(coordinator.tracker.history.at(-1)));
  const port = await coordinator.start();
  const ckptPath = join(runDir, 'checkpoint.ckpt');
  const periodic = new PeriodicCheckpoints(ckptPath, () => coordinator.checkpoint(), (e) => {
    console.error(`tabswarm: periodic checkpoint to ${ckptPath} failed (training goes on): ${e instanceof Error ? e.message : String(e)}`);
  });
  periodic.start(config.checkpointEverySec);
  const origin = `http://localhost:${port}`;
  console.log(`tabswarm: training ${config.envId} (solve: mean of last ${config.solveWindow} returns >= ${config.solveThreshold}, budget ${config.totalTimesteps.toLocaleString()} env steps)`);
  console.log(`dashboard: ${origin}/   contribute a tab: ${origin}/worker.html${o.token ? `?token=${o.token}` : ''}`);
  console.log(`run folder: ${runDir}`);

  // Playwright is loaded only when there are tabs to launch: a serving coordinator stays lighter.
  const fleet = o.workers === 0 ? null : new (await import('../fleet/fleet.ts')).Fleet({
    url: `http://127.0.0.1:${port}`,
    workers: o.workers,
    headless: !o.headed,
    backend: config.backend === 'auto' ? undefined : config.backend,
    delays: Array.from({ length: o.workers }, (_, i) => (i >= o.workers - o.slowTabs ? o.slowDelayMs : 0)),
    onLog: (i, line) => console.error(`[worker tab ${i}] ${line}`),
    plain: true,
    link: o.link && Array.from({ length: o.workers }, (_, i) => o.link![Math.min(i, o.link!.length - 1)]),
    ownSignals: true, // the browser must outlive SIGINT/SIGTERM: the run ends first, then the fleet stops
    rememberChoices: defaultChoiceFile(), // tabs skip timing backends once this browser and device have timed them
  });
  await fleet?.start();
  const relays = fleet?.relays() ?? [];

  const bar = new cliProgress.SingleBar({
    format: '{bar} {value}/{total} steps | {state} | {sps} steps/s | return {ret} | workers {workers} | updates {acc} ok, {rej} rejected | {wall}s',
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(config.totalTimesteps, 0, { ...statusLine(coordinator.status(), 0), sps: '0' });
  coordinator.on('tick', (s) => {
    const last = coordinator.tracker.history.at(-1)?.metrics;
    bar.update(Math.min(s.envSteps, config.totalTimesteps), { ...statusLine(s, last?.[M.workers] ?? 0), sps: (last?.[M.sps] ?? 0).toFixed(0) });
  });

  if (o.maxWall > 0) setTimeout(() => coordinator.endRun(), o.maxWall * 1000).unref();
  // Ctrl-C and a service manager's stop end the run the same way: tabs told, final files written, exit.
  process.once('SIGINT', () => coordinator.endRun());
  process.once('SIGTERM', () => coordinator.endRun());
  await new Promise<RunStatus>((resolveDone) => coordinator.once('done', resolveDone));
  await periodic.stop(); // a periodic save still being written lands before the final one
  bar.stop();
  await fleet?.stop();
  const final = coordinator.status(); // after the tabs are gone, so late decisions are counted too

  await saveCheckpoint(ckptPath, coordinator.checkpoint());
  const summary = {
    envId: config.envId,
    solved: final.state === 'solved',
    state: final.state,
    envSteps: final.envSteps,
    trainingWallS: final.trainingWallS,
    solvedAtEnvSteps: final.solvedAtEnvSteps,
    solvedAtWallS: final.solvedAtWallS,
    meanReturn: final.meanReturn,
    episodes: final.episodes,
    version: final.version,
    updates: { accepted: final.accepted, rejected: final.rejected, stalenessHistogram: final.stalenessHistogram },
    workers: coordinator.workerList().map((w) => ({
      workerId: w.workerId, backend: w.backend, adapter: w.adapter, accepted: w.accepted, rejected: w.rejected, envSteps: w.envSteps,
      meanStaleness: w.meanStaleness, numSteps: w.numSteps, timings: w.timings, stageSeconds: w.stageSeconds,
    })),
    network: o.link ? network(relays, final.envSteps) : null,
    config,
    checkpoint: ckptPath,
  };
  await writeFile(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));
  await writeFile(join(runDir, 'history.json'), JSON.stringify(coordinator.tracker.history));

  const rejected = Object.entries(final.rejected).filter(([, n]) => n > 0).map(([r, n]) => `${r} ${n}`).join(', ') || 'none';
  console.log(`\n${final.state === 'solved' ? 'SOLVED' : 'NOT SOLVED'} ${config.envId}: ${final.state}`);
  if (final.solvedAtEnvSteps !== null) console.log(`  solved at ${final.solvedAtEnvSteps.toLocaleString()} env steps, ${final.solvedAtWallS!.toFixed(1)} s of training`);
  console.log(`  env steps ${final.envSteps.toLocaleString()}, mean return ${final.meanReturn?.toFixed(1) ?? '-'}, updates accepted ${final.accepted}, rejected: ${rejected}`);
  for (const w of summary.workers) console.log(`  worker ${w.workerId}: backend ${w.backend} (${w.adapter}), ${w.accepted} accepted, ${w.rejected} rejected, ${w.envSteps} env steps; time: ${stageShares(w.stageSeconds)}`);
  console.log(`  checkpoint ${ckptPath}\n  summary ${join(runDir, 'summary.json')}`);

  if (o.serve) {
    console.log(`serving ${origin}/ until interrupted (Ctrl-C)`);
    await new Promise<void>((r) => { process.once('SIGINT', () => r()); process.once('SIGTERM', () => r()); });
  }
  await coordinator.stop();
  historyLog.close();
  return final.state === 'solved' ? 0 : 1;
}
