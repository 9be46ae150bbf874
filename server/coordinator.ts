/**
 * The coordinator wires the run together: HTTP for the built client (net/httpServer.ts), Socket.IO
 * for workers (/worker) and dashboards (/dashboard), the worker registry (workers/), the update
 * pipeline and parameter server (updates/), the merged normalization statistics (stats/), and the
 * run's progress and history (metrics/), and the dashboards' admin controls (admin/). Workers join,
 * push updates and report rollouts.
 *
 * Nothing that ends or sizes the run rests on a tab's word: a solve is confirmed by the
 * coordinator's own evaluation (metrics/solveCheck.ts); a report must be possible for the run
 * (metrics/reportBounds.ts) and is counted only at the pace of its worker's pushes (`rollout`);
 * its statistics are merged robustly (stats/normStats.ts); a sample of counted reports is
 * spot-checked by replaying one of their episodes (workers/spotCheck.ts); only pages of allowed origins connect
 * (net/origins.ts); dropped workers are forgotten after workerRecordTtlMs; and every message that
 * nothing answers is counted (`ignoredMessages`). Every update is decided in updates/updatePipeline.ts
 * (tickets, quotas, fair share, robust acceptance, trust and quarantine: docs/TRUST.md), and
 * connections are bounded by net/connectionLimits.ts.
 */
import { EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Server, type Namespace, type Socket } from 'socket.io';
import { validateConfig, type TrainConfig } from '../shared/config.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, describeIssue, joinSchema, rolloutSchema, type ClientToServerEvents, type DashboardClientToServer,
  type DashboardServerToClient, type IgnoredMessages, type JoinReply, type RolloutAck, type RolloutReport, type RunStatus, type ServerToClientEvents,
  type SolveChecks, type WorkerInfo,
} from '../shared/protocol.ts';
import { M, rejectedMetric, workerMetric } from '../shared/metrics.ts';
import { envSpec } from '../shared/envs/registry.ts';
import { initParams } from '../shared/ppo/params.ts';
import { modelFor } from '../shared/ppo/modelSpec.ts';
import type { Checkpoint } from './checkpoint/checkpoint.ts';
import { checkpointRunState, runStateExtra } from './checkpoint/runState.ts';
import { createHttpServer, type WebServer } from './net/httpServer.ts';
import { certificateDnsNames, type TlsFiles } from './net/tls.ts';
import { ParamsSnapshots, TrackingWebSocketServer } from './net/paramsSnapshots.ts';
import { ParameterServer } from './updates/parameterServer.ts';
import { UpdatePipeline } from './updates/updatePipeline.ts';
import { clipCoef, learningRate, sizeForLink, sizeWork } from './updates/schedules.ts';
import { WorkerRegistry, type WorkerRecord } from './workers/workerRegistry.ts';
import { SpotChecker } from './workers/spotCheck.ts';
import { MergedNormStats } from './stats/normStats.ts';
import { LatencyWindow, type LatencySummary } from './metrics/latency.ts';
import { RunTracker } from './metrics/runTracker.ts';
import { SolveCheck } from './metrics/solveCheck.ts';
import { impossibleReport } from './metrics/reportBounds.ts';
import { metricsRoute } from './metrics/prometheus.ts';
import { historyCsv, historyJsonl } from './metrics/historyExport.ts';
import { OriginPolicy } from './net/origins.ts';
import { handleAdmin, type AdminTarget } from './admin/adminControls.ts';
import { policyRoute } from './net/policyRoute.ts';
import { ConnectionLimits, boundedParser } from './net/connectionLimits.ts';
import { clientAddress } from './net/clientAddress.ts';

export interface CoordinatorOptions {
  config: TrainConfig;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Built client (dist/client); the HTTP server serves it when present. */
  staticDir?: string;
  /** Required join token; none when undefined. */
  token?: string;
  /** Continue from this checkpoint: params, optimizer, version, counts, normalization statistics, progress. */
  resume?: Checkpoint;
  /** Milliseconds between dashboard ticks (history points). */
  tickMs?: number;
  /** Send COOP/COEP headers (see HttpOptions.crossOriginIsolation). */
  crossOriginIsolation?: boolean;
  /**
   * Origins whose pages may connect besides the coordinator's own and loopback ones, e.g.
   * https://swarm.example.org (see net/origins.ts). A browser connection from any other page is refused.
   */
  allowedOrigins?: string[];
  /** Required for the dashboard's admin controls (shared/admin.ts); without it they are open to anyone who reaches the dashboard. */
  adminToken?: string;
  /** Saves a checkpoint of the run now and returns where (the admin's "checkpoint now"); without it that control is refused. */
  saveCheckpoint?: () => Promise<string>;
  /** Serve HTTPS with this certificate and key (net/tls.ts); the certificate's DNS names count as the coordinator's own origins. */
  tls?: TlsFiles;
  /** Milliseconds a message's binary attachments may take to arrive before its connection is closed (net/connectionLimits.ts). */
  halfSentTimeoutMs?: number;
}

export interface CoordinatorPerf {
  version: number;
  accepted: number;
  pushMs: LatencySummary;
  rssBytes: number;
  heapUsedBytes: number;
  cpuUserS: number;
  cpuSystemS: number;
  connectedWorkers: number;
}

/** History points carry per-worker throughput while at most this many workers are connected. */
export const PER_WORKER_HISTORY_MAX = 64;

type WorkerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { worker?: WorkerRecord<WorkerSocket> }>;

/** What a tab is told while an admin holds training (`paused`). */
const ADMIN_PAUSED = 'an admin paused training';

/** The events a worker may send; anything else is counted in ignoredMessages.unknownEvent. */
const WORKER_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>(['join', 'push', 'rollout']);

export class Coordinator extends EventEmitter<{ done: [RunStatus]; tick: [RunStatus]; solveCheck: [SolveChecks]; dashboards: [number] }> implements AdminTarget {
  readonly config: TrainConfig;
  readonly ps: ParameterServer;
  readonly updates: UpdatePipeline<WorkerSocket>;
  readonly tracker: RunTracker;
  readonly registry: WorkerRegistry<WorkerSocket>;
  readonly norm: MergedNormStats;
  /** The params copies that replies carry, reused once written. */
  readonly snapshots: ParamsSnapshots;
  /** Milliseconds from a push's arrival to its decision (decode, checks, optimizer step), last pushes. */
  readonly pushLatency = new LatencyWindow(10_000);
  /** The coordinator's own evaluations that confirm (or not) what the solve window says. */
  readonly solveCheck: SolveCheck;
  /** Replays of reported episodes, each failure an offence of its worker ('failedCheck'). */
  readonly spotChecks: SpotChecker<WorkerRecord<WorkerSocket>>;
  readonly ignoredMessages: IgnoredMessages = { noAck: 0, unknownEvent: 0, refusedConnections: 0 };
  private readonly origins: OriginPolicy;
  private readonly http: WebServer;
  private readonly io: Server;
  private readonly workerNs: Namespace<ClientToServerEvents, ServerToClientEvents>;
  private readonly dashNs: Namespace<DashboardClientToServer, DashboardServerToClient>;
  private timer: NodeJS.Timeout | null = null;
  private lastTickAt = performance.now();

  constructor(private readonly opts: CoordinatorOptions) {
    super();
    this.config = opts.config;
    const resume = opts.resume;
    const { spec, layout, numParams } = modelFor(this.config);
    const params = resume?.params ?? initParams(layout, this.config.seed, this.config);
    if (params.length !== numParams) throw new Error(`initial params have ${params.length} values, the model needs ${numParams}`);
    const saved = resume ? checkpointRunState(resume) : undefined;

    this.ps = new ParameterServer(params, this.config);
    this.solveCheck = new SolveCheck(this.config);
    this.spotChecks = new SpotChecker(this.config, (w, f) => {
      this.updates.counts.rejected.failedCheck++;
      this.updates.offence(w, f.atOnce);
    });
    this.origins = new OriginPolicy(opts.allowedOrigins);
    this.tracker = new RunTracker(this.config.solveWindow, this.config.solveThreshold, this.config.totalTimesteps);
    this.norm = new MergedNormStats(this.config, spec.obsDim, saved?.norm);
    this.snapshots = new ParamsSnapshots(this.ps.params);
    this.registry = new WorkerRegistry<WorkerSocket>(this.config, (w, socket) => {
      if (socket) {
        socket.data.worker = undefined;
        socket.disconnect(true);
      }
      this.updates.workerLeft(w);
    });
    this.updates = new UpdatePipeline(
      this.ps, this.config, this.registry, this.tracker, () => this.snapshots.current(this.ps.version), (w, r) => this.takeReport(w, r, false),
    );
    if (resume) {
      this.ps.adam.loadState(resume.adam);
      this.ps.version = resume.version;
      if (saved?.counts) Object.assign(this.updates.counts, saved.counts);
      if (saved?.stalenessHistogram) this.updates.stalenessHistogram.splice(0, Infinity, ...saved.stalenessHistogram);
      this.tracker.restore(saved?.tracker ?? { envSteps: resume.envSteps, episodes: 0, recentReturns: [] });
      if (saved?.outerVelocity) {
        if (saved.outerVelocity.length !== numParams) throw new Error(`checkpoint's outer momentum has ${saved.outerVelocity.length} values, the model needs ${numParams}`);
        this.ps.outer.velocity.set(saved.outerVelocity);
      }
      if (saved?.workers) this.registry.restore(saved.workers);
    }

    this.http = createHttpServer({
      staticDir: opts.staticDir,
      crossOriginIsolation: opts.crossOriginIsolation,
      tls: opts.tls,
      routes: {
        '/api/config': () => this.config,
        '/api/status': () => ({ status: this.status(), workers: this.workerList() }),
        '/api/perf': (q) => {
          const body = this.perf();
          if (q.get('reset') === '1') this.pushLatency.reset();
          return body;
        },
        '/metrics': metricsRoute(this),
        '/api/history.csv': () => historyCsv(this.config.envId, this.tracker.history),
        '/api/history.jsonl': () => historyJsonl(this.config.envId, this.tracker.history),
        '/api/policy': () => policyRoute(this.config, this.ps, this.norm),
      },
    });
    const limits = new ConnectionLimits(this.config.maxConnections, this.config.maxConnectionsPerIp, opts.halfSentTimeoutMs);
    this.io = new Server(this.http, {
      maxHttpBufferSize: params.byteLength * 2 + (1 << 20),
      pingInterval: this.config.heartbeatMs,
      pingTimeout: this.config.heartbeatTimeoutMs,
      serveClient: false,
      wsEngine: TrackingWebSocketServer,
      parser: boundedParser,
      // Browser pages of other sites (net/origins.ts), and connections over the limits (net/connectionLimits.ts), are refused before any handshake.
      allowRequest: (req, callback) => {
        if (!this.origins.allows(req.headers.origin)) return callback('origin not allowed', false);
        const refusal = limits.refusal(req);
        if (refusal) this.ignoredMessages.refusedConnections++;
        callback(refusal, refusal === null);
      },
    });
    this.io.engine.on('connection', (raw) => limits.opened(raw));
    this.workerNs = this.io.of(WORKER_NAMESPACE);
    this.dashNs = this.io.of(DASHBOARD_NAMESPACE);
    this.workerNs.on('connection', (s) => this.onWorker(s));
    this.dashNs.on('connection', (s) => {
      // Dashboards listen, and send admin requests; anything else is counted, not answered.
      s.onAny((event: string) => { if (event !== 'admin') this.ignoredMessages.unknownEvent++; });
      s.on('admin', (req, ack) => {
        if (typeof ack !== 'function') return void this.ignoredMessages.noAck++;
        void handleAdmin(this, this.opts.adminToken, req).then(ack);
      });
      s.on('disconnect', () => this.emit('dashboards', this.dashNs.sockets.size));
      s.emit('snapshot', { config: this.config, status: this.status(), workers: this.workerList(), history: this.tracker.history });
      this.emit('dashboards', this.dashNs.sockets.size);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.origins.listening(this.opts.host ?? '127.0.0.1', this.port, this.opts.tls ? certificateDnsNames(this.opts.tls.cert) : []);
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 500);
    return this.port;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /** Dashboards connected now. */
  get dashboards(): number {
    return this.dashNs.sockets.size;
  }

  async stop(): Promise<void> {
    this.updates.finish();
    this.solveCheck.cancel();
    this.spotChecks.stop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracker.stop();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  /** Learning rate of the next full-size step (annealed over the budget when enabled). */
  learningRate(): number {
    return learningRate(this.config, this.tracker.envSteps);
  }

  /** Everything needed to continue this run exactly: see CoordinatorOptions.resume. */
  checkpoint(): Checkpoint {
    return {
      envId: this.config.envId, config: this.config, version: this.ps.version, envSteps: this.tracker.envSteps,
      params: this.ps.params.slice(), adam: this.ps.adam.state(),
      extra: runStateExtra({
        norm: this.norm.arrays(), counts: this.updates.counts, stalenessHistogram: this.updates.stalenessHistogram, tracker: this.tracker.saved(),
        outerVelocity: this.ps.outer.momentum > 0 ? this.ps.outer.velocity : undefined, workers: this.registry.saved(),
      }),
    };
  }

  status(): RunStatus {
    const t = this.tracker;
    return {
      envId: this.config.envId,
      state: t.state,
      envSteps: t.envSteps,
      version: this.ps.version,
      episodes: t.episodes,
      meanReturn: t.meanReturn(),
      accepted: this.updates.counts.accepted,
      rejected: { ...this.updates.counts.rejected },
      stalenessHistogram: [...this.updates.stalenessHistogram],
      updateMode: this.config.updateMode,
      trainingWallS: t.wallS(),
      solvedAtEnvSteps: t.solvedAtEnvSteps,
      solvedAtWallS: t.solvedAtWallS,
      solveChecks: this.solveCheck.status(),
      spotChecks: { ...this.spotChecks.counts },
      ignoredMessages: { ...this.ignoredMessages },
      controls: {
        paused: this.updates.paused, adminTokenRequired: this.opts.adminToken !== undefined,
        learningRate: this.config.learningRate, maxStaleness: this.config.maxStaleness,
      },
    };
  }

  // Admin controls (admin/adminControls.ts): each says what it did, or throws saying why it did nothing.
  // The next tick records the change in the history and shows it on the dashboards.

  /** Holds training: pushes are refused as 'paused' and the workers are told to wait. */
  pause(): string {
    if (this.tracker.finished) throw new Error(`the run is over (${this.tracker.state})`);
    if (this.updates.paused) return 'training is already paused';
    this.updates.pause();
    this.workerNs.emit('paused', true, ADMIN_PAUSED);
    return 'training paused';
  }

  resume(): string {
    if (this.tracker.finished) throw new Error(`the run is over (${this.tracker.state})`);
    if (!this.updates.paused) return 'training is not paused';
    this.updates.paused = false;
    this.workerNs.emit('paused', false, 'an admin resumed training');
    return 'training resumed';
  }

  stopRun(): string {
    if (this.tracker.finished) throw new Error(`the run is already over (${this.tracker.state})`);
    this.endRun();
    return 'run stopped';
  }

  async checkpointNow(): Promise<string> {
    if (!this.opts.saveCheckpoint) throw new Error('this coordinator has no checkpoint file to save to');
    return `checkpoint saved to ${await this.opts.saveCheckpoint()}`;
  }

  /** The base learning rate of every step from now on (annealing, when on, still scales it); recorded in the history. */
  setLearningRate(value: number): string {
    validateConfig({ ...this.config, learningRate: value });
    this.config.learningRate = value;
    return `learning rate set to ${value}`;
  }

  /** The staleness bound of the gate from now on; recorded in the history. */
  setMaxStaleness(value: number): string {
    if (this.config.updateMode === 'sync') throw new Error('a sync run applies only gradients of the current version: it has no staleness bound to change');
    validateConfig({ ...this.config, maxStaleness: value });
    this.config.maxStaleness = value;
    return `staleness bound set to ${value}`;
  }

  /** The coordinator's own cost: push decision latency percentiles and process memory (GET /api/perf). */
  perf(): CoordinatorPerf {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      version: this.ps.version,
      accepted: this.updates.counts.accepted,
      pushMs: this.pushLatency.summary(),
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      connectedWorkers: this.workerNs.sockets.size,
    };
  }

  workerList(): WorkerInfo[] {
    return this.registry.list();
  }

  private onWorker(socket: WorkerSocket): void {
    socket.onAny((event: string) => {
      if (!WORKER_EVENTS.has(event)) this.ignoredMessages.unknownEvent++;
    });

    socket.on('join', (req, ack) => {
      if (typeof ack !== 'function') return void this.ignoredMessages.noAck++;
      ack(this.join(socket, req));
    });

    socket.on('push', (req, ack) => {
      if (typeof ack !== 'function') return void this.ignoredMessages.noAck++;
      const t0 = performance.now();
      this.updates.push(socket.data.worker, req, ack);
      this.pushLatency.add(performance.now() - t0);
    });

    socket.on('rollout', (report, ack) => {
      if (typeof ack !== 'function') return void this.ignoredMessages.noAck++;
      ack(this.rollout(socket.data.worker, report));
    });

    socket.on('disconnect', () => {
      const w = socket.data.worker;
      if (w?.socket === socket) this.registry.drop(w);
    });
  }

  private join(socket: WorkerSocket, req: unknown): JoinReply {
    const parsed = joinSchema.safeParse(req);
    if (!parsed.success) return { ok: false, error: `bad join: ${describeIssue(parsed.error)}` };
    if (this.opts.token !== undefined && parsed.data.token !== this.opts.token) return { ok: false, error: 'bad token' };
    if (this.tracker.finished) return { ok: false, error: `the run is over (${this.tracker.state})`, over: true };
    if (socket.data.worker) return { ok: false, error: 'already joined' };
    const w = this.registry.join(parsed.data, socket, this.ps.version, performance.now(), clientAddress(socket.handshake.address));
    if (typeof w === 'string') return { ok: false, error: w };
    socket.data.worker = w;
    this.tracker.start();
    // A tab joining a paused run is told to wait (after its join reply, which goes out first).
    if (this.updates.paused) setImmediate(() => socket.emit('paused', true, ADMIN_PAUSED));
    return {
      ok: true, workerId: w.workerId, workerIndex: w.workerIndex, resumeToken: w.resumeToken, config: this.config, version: this.ps.version,
      params: this.snapshots.current(this.ps.version), ticket: w.tickets.issue(this.ps.version), norm: this.norm.wire(), numSteps: w.numSteps,
    };
  }

  /**
   * A rollout report on its own (async and sync modes; in local mode reports ride with the pushes).
   * Paced: a worker's first report after it joins, then one per rollout whose updates it pushed (a
   * push decided since its last report, WorkerRecord.mayReport), so the budget counts only env
   * steps tied to updates the coordinator saw, at most one report per push.
   */
  private rollout(w: WorkerRecord<WorkerSocket> | undefined, report: unknown): RolloutAck {
    if (!w) return { ok: false, error: 'join first' };
    if (this.config.updateMode === 'local') return { ok: false, error: 'this run is in local mode: send each report with its delta' };
    const parsed = rolloutSchema.safeParse(report);
    if (!parsed.success) return { ok: false, error: `bad rollout report: ${describeIssue(parsed.error)}` };
    if (this.tracker.finished) return { ok: false, error: `the run is over (${this.tracker.state})` };
    w.lastSeenAt = performance.now();
    return this.takeReport(w, parsed.data, true);
  }

  /**
   * Counts a well-formed report's env steps and episodes and merges its statistics, if it is
   * possible for this run (reportBounds.ts) and, when `paced`, the worker may report now.
   */
  private takeReport(w: WorkerRecord<WorkerSocket>, r: RolloutReport, paced: boolean): RolloutAck {
    const impossible = impossibleReport(this.config, envSpec(this.config.envId), w.assignedSteps, this.ps.version, r);
    if (impossible) {
      this.updates.offence(w);
      return { ok: false, error: impossible };
    }
    const norm = this.norm.check(r.norm, r.envSteps, this.config.numEnvs);
    if (typeof norm === 'string') {
      this.updates.offence(w);
      return { ok: false, error: `bad rollout report: ${norm}` };
    }
    if (w.quarantined) return { ok: false, error: `worker ${w.workerId} is quarantined: its reports no longer count` };
    if (paced) {
      if (!w.mayReport) return { ok: false, error: 'one rollout report per rollout: push this rollout\'s updates before reporting the next one (report not counted)' };
      w.mayReport = false;
      w.pushAllowance = this.registry.rolloutPushes();
    }
    this.norm.merge(norm);
    w.envSteps += r.envSteps;
    const socket = w.socket;
    if (socket) this.spotChecks.consider(w, r, (req) => socket.timeout(this.config.spotCheckTimeoutMs).emitWithAck('spotCheck', req));
    w.rolloutSps = r.rolloutSps;
    const local = this.config.updateMode === 'local';
    if (local) Object.assign(w, sizeForLink(this.config, w, w.stageSeconds, r.stageSeconds));
    else w.numSteps = sizeWork(this.config, w.numSteps, w.meanStaleness);
    w.stageSeconds = r.stageSeconds;
    if (this.tracker.addRollout(r.envSteps, r.episodeReturns, r.losses, r.episodeLengths)) {
      // The budget ran out: a solve check under way judges params from within it, so its verdict
      // comes first (it finishes the run as solved if they pass).
      this.solveCheck.finishNow();
      if (this.tracker.state === 'budgetExhausted') this.finish();
    } else if (this.tracker.windowSolved() && this.solveCheck.due(this.tracker.envSteps)) this.checkSolved();
    w.updateSteps = r.envSteps / this.config.numEnvs;
    // A local-mode tab hears of a new length with a later reply; any other starts its next rollout with it.
    if (w.numSteps !== w.assignedSteps.at(-1)) w.assignedSteps = [...w.assignedSteps, w.numSteps].slice(local ? -(this.config.maxPushesInFlight + 1) : -1);
    const envSteps = this.tracker.envSteps;
    return {
      ok: true, norm: this.norm.wire(), numSteps: w.numSteps, clipCoef: clipCoef(this.config, envSteps), learningRate: learningRate(this.config, envSteps),
      accepted: { worker: w.accepted, run: this.updates.counts.accepted },
    };
  }

  /** Drops a worker now (an operator's choice; a silent worker is dropped by the tick). It may resume. */
  dropWorker(workerId: string): boolean {
    const w = this.registry.workers.get(workerId);
    if (!w?.connected) return false;
    this.registry.drop(w);
    return true;
  }

  /**
   * Ends the run early (time limit, Ctrl-C): 'done' fires with state 'stopped'. Workers are told
   * the run is done, or, given `pausedReason` (the coordinator stops to be resumed), that training
   * is paused, so that they wait and carry on when it comes back.
   */
  endRun(pausedReason?: string): void {
    if (this.tracker.finished) return;
    this.tracker.stop();
    this.finish(pausedReason);
  }

  /**
   * The solve window says solved: evaluate the current params (in slices, see SolveCheck) and end
   * the run as solved only if their mean return reaches the threshold; training goes on meanwhile.
   */
  private checkSolved(): void {
    const atEnvSteps = this.tracker.envSteps;
    const at = performance.now();
    this.solveCheck.start(this.ps.params.slice(), this.norm.obs?.toArray() ?? null, atEnvSteps, (mean) => {
      if (mean !== null && mean >= this.config.solveThreshold && this.tracker.markSolved(atEnvSteps, at)) this.finish();
      this.emit('solveCheck', this.solveCheck.status());
    });
  }

  private finish(pausedReason?: string): void {
    this.updates.finish();
    this.solveCheck.cancel();
    this.spotChecks.stop();
    const status = this.status();
    if (pausedReason === undefined) this.workerNs.emit('done', status);
    else this.workerNs.emit('paused', true, pausedReason);
    this.tick();
    this.emit('done', status);
  }

  /** One metrics tick: drops silent workers, adds a history point, and sends it to dashboards. */
  private tick(): void {
    const now = performance.now();
    const dt = Math.max(1e-3, (now - this.lastTickAt) / 1000);
    this.lastTickAt = now;
    // Paused tabs send nothing, as they are told: their silence is not a reason to drop them.
    if (this.updates.paused) for (const w of this.registry.workers.values()) if (w.connected) w.lastSeenAt = now;
    this.registry.tick(dt, now);
    const connected = this.registry.connectedCount();
    // Per-worker series only for fleets small enough to read them: at 1,000 workers they would be 2,000 numbers a point.
    const metrics: Partial<Record<string, number>> = {};
    if (connected <= PER_WORKER_HISTORY_MAX) {
      for (const w of this.registry.workers.values()) {
        if (!w.connected) continue;
        metrics[workerMetric(w.workerIndex, 'updatesPerS')] = w.updatesPerS;
        metrics[workerMetric(w.workerIndex, 'envStepsPerS')] = w.envStepsPerS;
      }
    }
    const counts = this.updates.counts;
    let rejected = 0;
    for (const [reason, n] of Object.entries(counts.rejected)) {
      rejected += n;
      if (n > 0) metrics[rejectedMetric(reason)] = n;
    }
    metrics[M.version] = this.ps.version;
    metrics[M.accepted] = counts.accepted;
    metrics[M.rejected] = rejected;
    metrics[M.learningRate] = this.learningRate();
    metrics[M.stalenessBound] = this.config.maxStaleness;
    metrics[M.paused] = this.updates.paused ? 1 : 0;
    metrics[M.workers] = connected;
    const sinceTick = this.updates.takeTick();
    if (sinceTick) {
      metrics[M.staleness] = sinceTick.meanStaleness;
      metrics[M.maxStaleness] = sinceTick.maxStaleness;
      metrics[M.gradNorm] = sinceTick.meanGradNorm;
    }
    const point = this.tracker.point(this.ps.version, metrics, now);
    const status = this.status();
    // Socket.IO encodes a broadcast before it looks for recipients: with no dashboard open, skip it.
    if (this.dashNs.sockets.size > 0) this.dashNs.emit('tick', { status, workers: this.workerList(), points: [point] });
    this.emit('tick', status);
  }
}
