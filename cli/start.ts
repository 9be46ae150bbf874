/**
 * `tabswarm start` (what `npm start` runs): build the worker and dashboard pages, start the
 * coordinator, open headless worker tabs, train until solved or out of budget, then write a
 * checkpoint and a summary into the run's folder. Exit code 0 = solved, 1 = not, 2 = bad input.
 * Crash-safe: checkpoint.ckpt is saved every config.checkpointEverySec while training, each history
 * point is appended to history.jsonl as it is made, and SIGTERM and Ctrl-C (SIGINT) end the process
 * with a final checkpoint, telling connected tabs that training is paused (they wait and carry on
 * when `--resume` brings the coordinator back, in the same run folder).
 * A start that fails (a port in use, no browser) leaves no run folder behind.
 */
import { Command, Option } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { configFor, defaultConfig, parseConfigFile, validateConfig, ConfigError, type TrainConfig } from '../shared/config.ts';
import { BACKENDS, stageShares, type Backend, type RunStatus } from '../shared/protocol.ts';
import { envIds } from '../shared/envs/registry.ts';
import { UPDATE_CODECS, type UpdateCodec } from '../shared/updateCodec.ts';
import { Coordinator } from '../server/coordinator.ts';
import { parseOrigin } from '../server/net/origins.ts';
import { saveCheckpoint, loadCheckpoint } from '../server/checkpoint/checkpoint.ts';
import { PeriodicCheckpoints } from '../server/checkpoint/periodic.ts';
import { checkpointRunState } from '../server/checkpoint/runState.ts';
import { reachableOrigins, ANY_HOST } from '../server/net/addresses.ts';
import { certificateDnsNames, readTlsFiles, selfSignedNames, selfSignedTls, type TlsFiles } from '../server/net/tls.ts';
import { importEnvModules, numberArg, parsedBy } from './args.ts';
import { historyUpTo, historyWriter, readHistoryLines, type HistoryWriter } from './history.ts';
import { logLevel, makeLog, type Log } from './log.ts';
import { LINK_NAMES, linkProfile, type LinkProfile, type WanRelay } from '../fleet/wanRelay.ts';
import { M } from '../shared/metrics.ts';
import { keepServing } from './keepServing.ts';
import { defaultChoiceFile } from '../fleet/choiceCache.ts';
import { clientUpToDate } from './clientBuild.ts';

const int = (name: string) => numberArg(name, { integer: true });

/** What tabs of other machines are told when the coordinator stops to be resumed (SIGINT, SIGTERM). */
export const STOPPING = 'the coordinator is stopping; training continues when it restarts';

/** `--link mobile` or `--link loopback,continental`: the named link profiles, one per tab (the last one for the remaining tabs). */
const parseLinks = parsedBy((v) => v.split(',').map((name) => linkProfile(name.trim())));
/** One `--allowed-origin`, checked now so that a typo is a usage error. */
const parseOriginArg = (v: string, all: string[]) => [...all, parsedBy(parseOrigin)(v)];

export const startCommand = (onExit: (code: number) => void) => new Command('start')
  .description('Train PPO on volunteered browser tabs: coordinator, dashboard and headless worker tabs.')
  .option('--port <n>', 'HTTP and Socket.IO port', int('--port'), 3000)
  .option('--host <addr>', 'address to listen on (0.0.0.0 to let other machines contribute)', '127.0.0.1')
  .option('--workers <n>', 'headless Chromium worker tabs to launch (0 for none)', int('--workers'), 2)
  .option('--serve', 'keep serving after the run ends until Ctrl-C (without it: only while a dashboard is open)', false)
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
  .option('--admin-token <token>', 'require this token for the dashboard\'s admin controls (pause, stop, learning rate...); without it they are open to anyone who reaches the dashboard')
  .option('--allowed-origin <origin>', 'also accept worker and dashboard pages from this origin, e.g. https://swarm.example.org (repeatable; the coordinator\'s own and loopback origins always are)', parseOriginArg, [] as string[])
  .option('--resume <checkpoint>', 'continue a run from its checkpoint file or run folder (params, optimizer, version, counts, env steps, history), in that run folder unless --run-dir says otherwise')
  .option('--max-wall <seconds>', 'stop the run this many seconds after launch (0 = no limit)', int('--max-wall'), 0)
  .option('--run-dir <dir>', 'where the checkpoint and summary go (default runs/<time>-<env>, or the resumed run\'s folder)')
  .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key): pages from other machines get WebGPU only over HTTPS')
  .option('--tls-key <file>', 'the PEM private key of --tls-cert')
  .option('--tls-self-signed', 'serve HTTPS with a self-signed certificate for this machine\'s names and addresses, kept in the run folder (browsers ask once to accept it)', false)
  .option('--tls-hostname <name>', 'a further name the self-signed certificate covers, e.g. the one volunteers type (repeatable)', (n: string, all: string[]) => [...all, n], [] as string[])
  .option('--quiet', 'print only errors and the outcome', false)
  .option('--verbose', 'also print each checkpoint saved and the certificate used', false)
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
  slowTabs: number; slowDelayMs: number; token?: string; adminToken?: string; allowedOrigin: string[]; resume?: string; maxWall: number; runDir?: string; headed: boolean; isolate: boolean;
  build: boolean; link?: LinkProfile[];
  tlsCert?: string; tlsKey?: string; tlsSelfSigned: boolean; tlsHostname: string[]; quiet: boolean; verbose: boolean;
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
    state: s.state === 'waiting' ? 'waiting for a tab to join' : s.state,
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
async function buildClient(paths: string[], runDir: string, build: boolean): Promise<string> {
  const outDir = paths.length ? join(runDir, 'client') : resolve('dist/client');
  // dist/client is built again only when a source is newer than it (clientBuild.ts).
  if (!paths.length && (!build || clientUpToDate(outDir, resolve('.')))) return outDir;
  process.env.TABSWARM_ENV_MODULES = paths.join(',');
  const vite = await import('vite');
  await vite.build({ configFile: resolve('vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

/** A checkpoint file, or a run folder's checkpoint.ckpt. */
function checkpointPath(fileOrDir: string): string {
  const path = resolve(fileOrDir);
  return existsSync(path) && statSync(path).isDirectory() ? join(path, 'checkpoint.ckpt') : path;
}

/** --tls-cert/--tls-key, or --tls-self-signed (kept in `runDir`), or none; `selfSigned` says whether this run made or kept its own. */
async function tlsFor(o: Options, runDir: string, log: Log): Promise<{ tls?: TlsFiles; selfSigned: boolean; names: string[] }> {
  if (o.tlsSelfSigned && (o.tlsCert || o.tlsKey)) throw new ConfigError('--tls-self-signed and --tls-cert/--tls-key exclude each other');
  if (o.tlsHostname.length && !o.tlsSelfSigned) throw new ConfigError('--tls-hostname names a --tls-self-signed certificate\'s further names');
  if (o.tlsSelfSigned) {
    const names = selfSignedNames(o.host, o.tlsHostname);
    const tls = await selfSignedTls(runDir, names);
    log.debug(`tabswarm: ${tls.made ? 'made a self-signed certificate' : 'serving the self-signed certificate kept'} in ${runDir} for ${names.join(', ')}`);
    return { tls, selfSigned: true, names: o.tlsHostname };
  }
  if (!o.tlsCert !== !o.tlsKey) throw new ConfigError('--tls-cert and --tls-key go together');
  if (!o.tlsCert) return { selfSigned: false, names: [] };
  const tls = await readTlsFiles(o.tlsCert, o.tlsKey!);
  return { tls, selfSigned: false, names: certificateDnsNames(tls.cert) };
}

/** The coordinator's listen() error as a one-line ConfigError where it is the user's to fix. */
function listenError(e: unknown, o: Options): unknown {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new ConfigError(`port ${o.port} on ${o.host} is in use (another tabswarm?): pick another with --port, or --port 0 for any free one`);
  if (code === 'EACCES') return new ConfigError(`no permission to listen on port ${o.port} on ${o.host}: pick a port above 1023 with --port`);
  if (code === 'EADDRNOTAVAIL') return new ConfigError(`--host ${o.host} is not an address of this machine`);
  return e;
}

async function start(o: Options): Promise<number> {
  const log = makeLog(logLevel(o));
  const envModules = await importEnvModules(o.envModule);
  const resumeFrom = o.resume === undefined ? undefined : checkpointPath(o.resume);
  const resumed = resumeFrom ? await loadCheckpoint(resumeFrom) : undefined;
  const config = await buildConfig(o, resumed?.config);
  if (resumed && resumed.envId !== config.envId) throw new ConfigError(`checkpoint ${resumeFrom} is for ${resumed.envId}, not ${config.envId}`);
  // A resumed run goes on in its own folder: its history, summary and certificate continue there.
  const runDir = resolve(o.runDir ?? (resumeFrom ? dirname(resumeFrom) : join('runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${config.envId}`)));
  const madeRunDir = !existsSync(runDir);
  let coordinator: Coordinator | undefined;
  let fleet: import('../fleet/fleet.ts').Fleet | null = null;
  let historyLog: HistoryWriter | undefined;
  let started = false;
  const ckptPath = join(runDir, 'checkpoint.ckpt');
  // Made before the coordinator, whose admin "checkpoint now" saves through it; started with the run.
  const periodic = new PeriodicCheckpoints(ckptPath, () => {
    const ck = coordinator!.checkpoint();
    log.debug(`tabswarm: checkpoint at version ${ck.version}, ${ck.envSteps.toLocaleString()} env steps -> ${ckptPath}`);
    return ck;
  }, (e) => {
    log.error(`tabswarm: periodic checkpoint to ${ckptPath} failed (training goes on): ${e instanceof Error ? e.message : String(e)}`);
  });
  try {
    await mkdir(runDir, { recursive: true });
    const staticDir = await buildClient(envModules, runDir, o.build);
    const { tls, selfSigned, names } = await tlsFor(o, runDir, log);
    try {
      coordinator = new Coordinator({
        config, port: o.port, host: o.host, token: o.token, staticDir, resume: resumed, crossOriginIsolation: o.isolate, allowedOrigins: o.allowedOrigin, tls,
        adminToken: o.adminToken, saveCheckpoint: (): Promise<string> => periodic.saveNow(),
      });
    } catch (e) {
      // a checkpoint of another network, or with run state that does not fit it
      if (resumed) throw new ConfigError(`checkpoint ${resumeFrom} does not fit this run: ${e instanceof Error ? e.message : String(e)}`);
      throw e;
    }
    if (coordinator.tracker.finished) {
      throw new ConfigError(`the run in ${resumeFrom} is already over (${coordinator.tracker.state} at ${coordinator.tracker.envSteps.toLocaleString()} env steps): raise --total-timesteps to continue it`);
    }
    // The resumed run's history up to its checkpoint, then each point as it is made (before start(),
    // so the first ticks are not missed): a killed coordinator loses at most the tick in progress.
    const earlier = resumed && resumeFrom
      ? historyUpTo(await readHistoryLines(join(dirname(resumeFrom), 'history.jsonl')), resumed.version, resumed.envSteps, checkpointRunState(resumed).tracker?.wallS)
      : [];
    coordinator.tracker.history.push(...earlier);
    historyLog = await historyWriter(join(runDir, 'history.jsonl'), earlier, (m) => log.error(`tabswarm: ${m}`));
    coordinator.on('tick', () => historyLog!.write(coordinator!.tracker.history.at(-1)));
    const port = await coordinator.start().catch((e: unknown) => { throw listenError(e, o); });
    const origins = reachableOrigins(o.host, port, tls !== undefined, names);
    log.info(`tabswarm: training ${config.envId} (solve: mean of last ${config.solveWindow} returns >= ${config.solveThreshold}, budget ${config.totalTimesteps.toLocaleString()} env steps)${resumed ? `, resumed at version ${resumed.version}, ${resumed.envSteps.toLocaleString()} env steps` : ''}`);
    log.info(`dashboard: ${origins[0]}/   contribute a tab: ${origins[0]}/worker.html${o.token ? `?token=${o.token}` : ''}`);
    for (const other of origins.slice(1)) log.info(`       or: ${other}/   contribute a tab: ${other}/worker.html${o.token ? `?token=${o.token}` : ''}`);
    if (selfSigned) log.info('  (self-signed certificate: each browser asks once to accept it, see the README)');
    log.info(`run folder: ${runDir}`);

    // Playwright is loaded only when there are tabs to launch: a serving coordinator stays lighter.
    // Over TLS the tabs open the coordinator by a name its certificate covers, resolved to this machine.
    const local = ANY_HOST.has(o.host) ? '127.0.0.1' : o.host;
    const tabHost = tls && !selfSigned && names[0] ? names[0] : local.includes(':') ? `[${local}]` : local;
    const chromiumArgs = !tls ? [] : selfSigned ? ['--ignore-certificate-errors'] : names[0] ? [`--host-resolver-rules=MAP ${names[0]} ${local}`] : [];
    fleet = o.workers === 0 ? null : new (await import('../fleet/fleet.ts')).Fleet({
      url: `${tls ? 'https' : 'http'}://${tabHost}:${port}`,
      workers: o.workers,
      headless: !o.headed,
      backend: config.backend === 'auto' ? undefined : config.backend,
      delays: Array.from({ length: o.workers }, (_, i) => (i >= o.workers - o.slowTabs ? o.slowDelayMs : 0)),
      onLog: (i, line) => log.warn(`[worker tab ${i}] ${line}`),
      plain: true,
      link: o.link && Array.from({ length: o.workers }, (_, i) => o.link![Math.min(i, o.link!.length - 1)]),
      ownSignals: true, // the browser must outlive SIGINT/SIGTERM: the run ends first, then the fleet stops
      chromiumArgs,
      token: o.token,
      rememberChoices: defaultChoiceFile(), // tabs skip timing backends once this browser and device have timed them
    });
    if (fleet) log.info(`starting ${o.workers} headless Chromium tab${o.workers === 1 ? '' : 's'}${o.link ? ` behind emulated links (${o.link.map((l) => l.name).join(', ')})` : ''}`);
    await fleet?.start();
    started = true;
    return await train(o, log, { config, coordinator, fleet, runDir, origin: origins[0], historyLog, periodic, ckptPath });
  } finally {
    if (!started) {
      await fleet?.stop().catch(() => undefined);
      await coordinator?.stop().catch(() => undefined);
      historyLog?.close();
      if (madeRunDir) await rm(runDir, { recursive: true, force: true });
    }
  }
}

/** What start() sets up for a run. */
interface Run {
  config: TrainConfig;
  coordinator: Coordinator;
  fleet: import('../fleet/fleet.ts').Fleet | null;
  runDir: string;
  /** The first URL the coordinator is reachable at. */
  origin: string;
  historyLog: HistoryWriter;
  periodic: PeriodicCheckpoints;
  ckptPath: string;
}

/** The run itself, from the tabs' start to the final files. */
async function train(o: Options, log: Log, { config, coordinator, fleet, runDir, origin, historyLog, periodic, ckptPath }: Run): Promise<number> {
  const relays = fleet?.relays() ?? [];
  periodic.start(config.checkpointEverySec);

  const bar = log.level === 'quiet' ? null : new cliProgress.SingleBar({
    format: '{bar} {value}/{total} steps | {state} | {sps} steps/s | return {ret} | workers {workers} | updates {acc} ok, {rej} rejected | {wall}s',
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar?.start(config.totalTimesteps, 0, { ...statusLine(coordinator.status(), 0), sps: '0' });
  coordinator.on('tick', (s) => {
    const last = coordinator.tracker.history.at(-1)?.metrics;
    bar?.update(Math.min(s.envSteps, config.totalTimesteps), { ...statusLine(s, last?.[M.workers] ?? 0), sps: (last?.[M.sps] ?? 0).toFixed(0) });
  });

  if (o.maxWall > 0) setTimeout(() => coordinator.endRun(), o.maxWall * 1000).unref();
  // Ctrl-C and a service manager's stop end the process the same way: final files written, exit. Tabs
  // of other machines are told training is paused: they wait, and carry on when the run is resumed.
  let signalled = false; // then it quits once the files are written, open dashboards or not (unless --serve)
  const pause = () => { signalled = true; coordinator.endRun(STOPPING); };
  process.once('SIGINT', pause);
  process.once('SIGTERM', pause);
  await new Promise<RunStatus>((resolveDone) => coordinator.once('done', resolveDone));
  await periodic.stop(); // a periodic save still being written lands before the final one
  bar?.stop();
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
  log.result(`\n${final.state === 'solved' ? 'SOLVED' : 'NOT SOLVED'} ${config.envId}: ${final.state}`);
  if (final.solvedAtEnvSteps !== null) log.result(`  solved at ${final.solvedAtEnvSteps.toLocaleString()} env steps, ${final.solvedAtWallS!.toFixed(1)} s of training`);
  log.result(`  env steps ${final.envSteps.toLocaleString()}, mean return ${final.meanReturn?.toFixed(1) ?? '-'}, updates accepted ${final.accepted}, rejected: ${rejected}`);
  for (const w of summary.workers) log.info(`  worker ${w.workerId}: backend ${w.backend} (${w.adapter}), ${w.accepted} accepted, ${w.rejected} rejected, ${w.envSteps} env steps; time: ${stageShares(w.stageSeconds)}`);
  log.result(`  checkpoint ${ckptPath}\n  summary ${join(runDir, 'summary.json')}`);

  if (o.serve || !signalled) await keepServing(coordinator, origin, o.serve);
  await coordinator.stop();
  historyLog.close();
  return final.state === 'solved' ? 0 : 1;
}
