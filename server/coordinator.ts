/**
 * The coordinator: HTTP for the built client, Socket.IO for workers (/worker) and dashboards
 * (/dashboard), the parameter server and the run's progress. Workers join, push gradients and
 * report rollouts; every decision on an update is made by the ParameterServer and counted.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { Server, type Namespace, type Socket } from 'socket.io';
import { minNumSteps, type TrainConfig } from '../shared/config.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, noStageSeconds, type ClientToServerEvents, type DashboardClientToServer,
  type DashboardServerToClient, type NormStatsWire, type PushReply, type RejectReason, type RolloutAck, type RunStatus,
  type ServerToClientEvents, type WorkerInfo,
} from '../shared/protocol.ts';
import { M, rejectedMetric, workerMetric } from '../shared/metrics.ts';
import { envSpec } from '../shared/envs/registry.ts';
import { policyHead } from '../shared/ppo/policyHead.ts';
import { actorCriticLayout, initParams, paramCount } from '../shared/ppo/params.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';
import type { NormStats } from '../shared/ppo/normalizer.ts';
import { decodeF64, encodeF64, l2Norm } from '../shared/codec.ts';
import { ParamsSnapshots, TrackingWebSocketServer } from './net/paramsSnapshots.ts';
import { ParameterServer } from './updates/parameterServer.ts';
import { LatencyWindow, type LatencySummary } from './metrics/latency.ts';
import { SyncRound } from './updates/syncRound.ts';
import { RunTracker } from './metrics/runTracker.ts';
import { describeIssue, joinSchema, pushSchema, rolloutSchema } from './schemas.ts';

export interface CoordinatorOptions {
  config: TrainConfig;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Built client (dist/client); the HTTP server serves it when present. */
  staticDir?: string;
  /** Required join token; none when undefined. */
  token?: string;
  /** Starting parameters (a checkpoint's); fresh orthogonal init when undefined. */
  initialParams?: Float32Array;
  /** Milliseconds between dashboard ticks (history points). */
  tickMs?: number;
  /** Starting normalization statistics (a checkpoint's), RunningMeanStd arrays. */
  initialNorm?: NormStats;
  /**
   * Send COOP/COEP headers so pages are cross-origin isolated and tabs may run wasm with threads
   * (tfjs uses half the logical cores: on a 2-core machine that is 1, and the threaded build is slower).
   */
  crossOriginIsolation?: boolean;
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

/** What the coordinator keeps per worker beyond what the dashboard sees. */
interface WorkerRecord extends WorkerInfo {
  /** Token bucket for the push rate limit. */
  tokens: number;
  refilledAt: number;
  /** Proves a resuming worker is this one. */
  resumeToken: string;
  /** The socket it works through now; null while dropped. */
  socket: WorkerSocket | null;
  /** performance.now() of its last join, push or rollout report. */
  lastSeenAt: number;
  /** Updates computed before this version predate its last resume and are rejected as 'dropped'. */
  minVersion: number;
  /** Steps per env of the rollout its current pushes come from (numSteps is the next one's). */
  updateSteps: number;
  /** accepted and envSteps at the last metrics tick, for per-worker throughput. */
  atTick: { accepted: number; envSteps: number };
}

/** A sync-mode push waiting for its round to close. */
interface PendingSyncPush {
  worker: WorkerRecord;
  ack: (reply: PushReply) => void;
}

const WORKER_INFO_KEYS = [
  'workerId', 'workerIndex', 'backend', 'adapter', 'timings', 'joinedAt', 'connected', 'accepted', 'rejected', 'envSteps', 'rolloutSps',
  'stageSeconds', 'numSteps', 'meanStaleness', 'updatesPerS', 'envStepsPerS',
] as const satisfies readonly (keyof WorkerInfo)[];

/** History points carry per-worker throughput while at most this many workers are connected. */
export const PER_WORKER_HISTORY_MAX = 64;

/** Weight of the newest update in a worker's moving average of staleness. */
const STALENESS_EWMA = 0.1;

type WorkerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { worker?: WorkerRecord }>;

export class Coordinator extends EventEmitter<{ done: [RunStatus]; tick: [RunStatus] }> {
  readonly config: TrainConfig;
  readonly ps: ParameterServer;
  readonly tracker: RunTracker;
  readonly workers = new Map<string, WorkerRecord>();
  private readonly http: HttpServer;
  private readonly io: Server;
  private readonly workerNs: Namespace<ClientToServerEvents, ServerToClientEvents>;
  private readonly dashNs: Namespace<DashboardClientToServer, DashboardServerToClient>;
  private nextWorkerIndex = 0;
  private timer: NodeJS.Timeout | null = null;
  private stalenessSum = 0;
  private stalenessN = 0;
  private stalenessMax = 0;
  private lastTickAt = performance.now();
  /** Sync mode: the open round, its straggler-cutoff timer, and where its mean is written. */
  private readonly round: SyncRound<PendingSyncPush>;
  private roundTimer: NodeJS.Timeout | null = null;
  private readonly syncMean: Float32Array;
  /** The params copies that replies carry, reused once written. */
  readonly snapshots: ParamsSnapshots;
  /** Milliseconds from a push's arrival to its decision (decode, checks, optimizer step), last pushes. */
  readonly pushLatency = new LatencyWindow(10_000);
  /** Observation and return statistics merged from every worker's rollouts; null when off. */
  readonly obsRms: RunningMeanStd | null;
  readonly retRms: RunningMeanStd | null;

  constructor(private readonly opts: CoordinatorOptions) {
    super();
    this.config = opts.config;
    const spec = envSpec(this.config.envId);
    const layout = actorCriticLayout(spec.obsDim, policyHead(spec), this.config.hiddenSizes, this.config.gsde);
    const params = opts.initialParams ?? initParams(layout, this.config.seed, this.config);
    const expected = paramCount(layout);
    if (params.length !== expected) throw new Error(`initial params have ${params.length} values, the model needs ${expected}`);
    this.ps = new ParameterServer(params, this.config);
    this.snapshots = new ParamsSnapshots(this.ps.params);
    this.round = new SyncRound(params.length);
    this.syncMean = new Float32Array(params.length);
    const stats = (on: boolean, dim: number, saved?: Float64Array) => (!on ? null : saved ? RunningMeanStd.fromArray(dim, saved) : new RunningMeanStd(dim));
    this.obsRms = stats(this.config.normObs, spec.obsDim, opts.initialNorm?.obs);
    this.retRms = stats(this.config.normReward, 1, opts.initialNorm?.ret);
    this.tracker = new RunTracker(this.config.solveWindow, this.config.solveThreshold, this.config.totalTimesteps);

    const serveStatic = opts.staticDir && existsSync(opts.staticDir) ? sirv(opts.staticDir, { dev: false, etag: true }) : null;
    this.http = createServer((req, res) => {
      if (opts.crossOriginIsolation) {
        res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
        res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
      }
      const json = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/api/config') return json(this.config);
      if (req.url === '/api/status') return json({ status: this.status(), workers: this.workerList() });
      if (req.url === '/api/perf' || req.url === '/api/perf?reset=1') {
        const body = this.perf();
        if (req.url.endsWith('reset=1')) this.pushLatency.reset();
        return json(body);
      }
      if (req.url === '/worker' || req.url?.startsWith('/worker?')) {
        res.writeHead(302, { location: req.url.replace('/worker', '/worker.html') });
        res.end();
        return;
      }
      if (serveStatic) return serveStatic(req, res, () => { res.writeHead(404); res.end('not found'); });
      res.writeHead(404);
      res.end('client not built: run `npm run build`');
    });
    this.io = new Server(this.http, {
      maxHttpBufferSize: params.byteLength * 2 + (1 << 20),
      pingInterval: this.config.heartbeatMs,
      pingTimeout: this.config.heartbeatTimeoutMs,
      serveClient: false,
      wsEngine: TrackingWebSocketServer,
    });
    this.workerNs = this.io.of(WORKER_NAMESPACE);
    this.dashNs = this.io.of(DASHBOARD_NAMESPACE);
    this.workerNs.on('connection', (s) => this.onWorker(s));
    this.dashNs.on('connection', (s) => {
      s.emit('snapshot', { status: this.status(), workers: this.workerList(), history: this.tracker.history });
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 500);
    return this.port;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracker.stop();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  /** The fraction of the env-step budget left, which annealed values are scaled by. */
  private budgetLeft(): number {
    return Math.max(0, 1 - this.tracker.envSteps / this.config.totalTimesteps);
  }

  /** Learning rate for the next step: linearly annealed to 0 over the step budget when enabled. */
  learningRate(): number {
    return this.config.learningRate * (this.config.annealLr ? this.budgetLeft() : 1);
  }

  /** PPO clip coefficient for the next rollout's epochs: linearly annealed to 0 when enabled. */
  clipCoef(): number {
    return this.config.clipCoef * (this.config.annealClip ? this.budgetLeft() : 1);
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
      accepted: this.ps.counts.accepted,
      rejected: { ...this.ps.counts.rejected },
      stalenessHistogram: [...this.ps.stalenessHistogram],
      updateMode: this.config.updateMode,
      trainingWallS: t.wallS(),
      solvedAtEnvSteps: t.solvedAtEnvSteps,
      solvedAtWallS: t.solvedAtWallS,
    };
  }

  /** The coordinator's own cost: push decision latency percentiles and process memory (GET /api/perf). */
  perf(): CoordinatorPerf {
    const m = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      version: this.ps.version,
      accepted: this.ps.counts.accepted,
      pushMs: this.pushLatency.summary(),
      rssBytes: m.rss,
      heapUsedBytes: m.heapUsed,
      cpuUserS: cpu.user / 1e6,
      cpuSystemS: cpu.system / 1e6,
      connectedWorkers: this.workerNs.sockets.size,
    };
  }

  workerList(): WorkerInfo[] {
    const list: WorkerInfo[] = [];
    for (const w of this.workers.values()) {
      const info: Partial<Record<keyof WorkerInfo, unknown>> = {};
      for (const k of WORKER_INFO_KEYS) info[k] = w[k];
      list.push(info as WorkerInfo);
    }
    return list;
  }

  private onWorker(socket: WorkerSocket): void {
    socket.on('join', (req, ack) => {
      if (typeof ack !== 'function') return;
      const parsed = joinSchema.safeParse(req);
      if (!parsed.success) return ack({ ok: false, error: `bad join: ${describeIssue(parsed.error)}` });
      if (this.opts.token !== undefined && parsed.data.token !== this.opts.token) return ack({ ok: false, error: 'bad token' });
      if (this.tracker.finished) return ack({ ok: false, error: `the run is over (${this.tracker.state})` });
      if (socket.data.worker) return ack({ ok: false, error: 'already joined' });
      const j = parsed.data;
      const now = performance.now();
      let w: WorkerRecord;
      if (j.resume) {
        const known = this.workers.get(j.resume.workerId);
        if (!known || known.resumeToken !== j.resume.resumeToken) return ack({ ok: false, error: 'cannot resume: unknown worker or wrong resume token' });
        w = known;
        // The token proves it is the same worker: a connection it left behind is closed, not counted.
        if (w.socket) this.drop(w);
        w.minVersion = this.ps.version;
      } else {
        w = {
          workerId: randomUUID().slice(0, 8),
          workerIndex: this.nextWorkerIndex++,
          backend: j.backend,
          adapter: j.adapter,
          timings: j.timings,
          joinedAt: Date.now(),
          connected: true,
          accepted: 0,
          rejected: 0,
          envSteps: 0,
          rolloutSps: 0,
          stageSeconds: noStageSeconds(),
          numSteps: this.config.numSteps,
          updateSteps: this.config.numSteps,
          meanStaleness: 0,
          updatesPerS: 0,
          envStepsPerS: 0,
          tokens: this.config.maxPushesPerSecond,
          refilledAt: now,
          resumeToken: randomUUID(),
          socket: null,
          lastSeenAt: now,
          minVersion: 0,
          atTick: { accepted: 0, envSteps: 0 },
        };
        this.workers.set(w.workerId, w);
      }
      w.connected = true;
      w.socket = socket;
      w.lastSeenAt = now;
      socket.data.worker = w;
      this.tracker.start();
      ack({
        ok: true, workerId: w.workerId, workerIndex: w.workerIndex, resumeToken: w.resumeToken, config: this.config, version: this.ps.version,
        params: this.paramsBytes(), norm: this.normWire(), numSteps: w.numSteps,
      });
    });

    socket.on('push', (req, ack) => {
      if (typeof ack !== 'function') return;
      const t0 = performance.now();
      const reply = this.onPush(socket.data.worker, req, ack);
      this.pushLatency.add(performance.now() - t0);
      if (reply) ack(reply);
    });

    socket.on('rollout', (report, ack) => {
      const reply = (r: RolloutAck) => { if (typeof ack === 'function') ack(r); };
      const w = socket.data.worker;
      if (!w) return reply({ ok: false, error: 'join first' });
      const parsed = rolloutSchema.safeParse(report);
      if (!parsed.success) return reply({ ok: false, error: `bad rollout report: ${describeIssue(parsed.error)}` });
      if (this.tracker.finished) return reply({ ok: false, error: `the run is over (${this.tracker.state})` });
      const r = parsed.data;
      w.lastSeenAt = performance.now();
      const expected = this.config.numEnvs * w.numSteps;
      if (r.envSteps !== expected) return reply({ ok: false, error: `your rollouts are ${this.config.numEnvs} envs x ${w.numSteps} steps = ${expected} env steps, got ${r.envSteps}` });
      const maxLen = envSpec(this.config.envId).maxEpisodeSteps;
      if (r.episodeLengths.some((l) => l > maxLen)) return reply({ ok: false, error: `episodes last at most ${maxLen} steps` });
      let deltas: { obs: RunningMeanStd | null; ret: RunningMeanStd | null };
      try {
        deltas = { obs: this.decodeStats(this.obsRms, r.norm.obs, 'obs'), ret: this.decodeStats(this.retRms, r.norm.ret, 'ret') };
      } catch (e) {
        return reply({ ok: false, error: `bad rollout report: ${e instanceof Error ? e.message : String(e)}` });
      }
      if (deltas.obs) this.obsRms!.merge(deltas.obs);
      if (deltas.ret) this.retRms!.merge(deltas.ret);
      w.envSteps += r.envSteps;
      w.rolloutSps = r.rolloutSps;
      w.stageSeconds = r.stageSeconds;
      if (this.tracker.addRollout(r.envSteps, r.episodeReturns, r.losses)) this.finish();
      w.updateSteps = w.numSteps;
      this.sizeWork(w);
      reply({ ok: true, norm: this.normWire(), numSteps: w.numSteps, clipCoef: this.clipCoef() });
    });

    socket.on('disconnect', () => {
      const w = socket.data.worker;
      if (w?.socket === socket) this.drop(w);
    });
  }

  /** Drops a worker now (an operator's choice; a silent worker is dropped by the tick). It may resume. */
  dropWorker(workerId: string): boolean {
    const w = this.workers.get(workerId);
    if (!w?.connected) return false;
    this.drop(w);
    return true;
  }

  /**
   * Drops a worker: its socket is closed, and a gradient it has waiting in a sync round is taken
   * out (counted as 'dropped'). Nothing it sent on that socket counts any more; it may resume.
   */
  private drop(w: WorkerRecord): void {
    const socket = w.socket;
    w.connected = false;
    w.socket = null;
    if (socket) {
      socket.data.worker = undefined;
      socket.disconnect(true);
    }
    if (this.round.remove(w.workerId)) {
      this.ps.reject('dropped', `worker ${w.workerId} left before its sync round closed`);
      w.rejected++;
    }
    if (this.config.updateMode === 'sync' && this.round.count > 0 && this.round.count >= this.syncTarget()) this.closeRound();
  }

  /**
   * Work sizing (async, maxStaleness >= 1): a worker whose updates arrive more than maxStaleness
   * versions old on average, so that most are rejected, gets proportionally shorter rollouts, so
   * smaller minibatches and quicker gradients; one whose updates arrive at under half that grows
   * back by a quarter, up to numSteps. (At S = 0 no size makes a gradient fresher than the others'.)
   */
  private sizeWork(w: WorkerRecord): void {
    const c = this.config;
    if (!c.workSizing || c.updateMode !== 'async' || c.maxStaleness < 1) return;
    const target = c.maxStaleness;
    if (w.meanStaleness > target) w.numSteps = Math.max(minNumSteps(c), Math.floor((w.numSteps * target) / w.meanStaleness));
    else if (w.meanStaleness < target / 2) w.numSteps = Math.min(c.numSteps, Math.ceil(w.numSteps * 1.25));
  }

  /** Decides one push; null when the reply is deferred until the sync round closes. */
  private onPush(w: WorkerRecord | undefined, req: unknown, ack: (reply: PushReply) => void): PushReply | null {
    const done = this.tracker.finished;
    if (!w) return this.unusable(w, 'notJoined', 'join before pushing');
    const parsed = pushSchema.safeParse(req);
    if (!parsed.success) return this.unusable(w, 'malformed', `bad push: ${describeIssue(parsed.error)}`);
    if (done) return this.unusable(w, 'finished', `the run is over (${this.tracker.state})`);
    w.lastSeenAt = performance.now();
    if (!this.takeToken(w)) return this.unusable(w, 'rateLimited', `more than ${this.config.maxPushesPerSecond} pushes per second`);
    const { version, rolloutVersion, grad } = parsed.data;
    if (version < w.minVersion) return this.unusable(w, 'dropped', `update computed at version ${version}, before this worker resumed at version ${w.minVersion}`);
    if (version <= this.ps.version) w.meanStaleness += STALENESS_EWMA * (this.ps.version - version - w.meanStaleness);
    if (this.config.updateMode === 'sync') return this.syncPush(w, version, rolloutVersion, grad, ack);
    // A minibatch from a shortened rollout holds fewer samples: its step is scaled to match.
    const res = this.ps.apply(grad, version, (this.learningRate() * w.updateSteps) / this.config.numSteps, rolloutVersion);
    if (!res.accepted) return this.refusal(w, res.reason, res.error, version);
    w.accepted++;
    this.stalenessSum += res.staleness;
    this.stalenessN++;
    this.stalenessMax = Math.max(this.stalenessMax, res.staleness);
    return { ok: true, accepted: true, version: this.ps.version, params: this.paramsBytes(), done };
  }

  /** The reply to a push refused before its gradient is looked at (ok false: no params, whatever the version). */
  private unusable(w: WorkerRecord | undefined, reason: RejectReason, error: string): PushReply {
    this.ps.reject(reason, error);
    if (w) w.rejected++;
    return { ok: false, accepted: false, reason, error, done: this.tracker.finished };
  }

  /** The reply to a well-formed update the ParameterServer refused: the reason, and fresh params if the worker's are behind. */
  private refusal(w: WorkerRecord, reason: RejectReason, error: string, version: number): PushReply {
    w.rejected++;
    const params = version !== this.ps.version ? this.paramsBytes() : undefined;
    return { ok: true, accepted: false, reason, error, version: this.ps.version, params, done: this.tracker.finished };
  }

  /** Sync mode: a gradient at the current version joins the round; the reply waits for the round's step. */
  private syncPush(w: WorkerRecord, version: number, rolloutVersion: number, grad: unknown, ack: (reply: PushReply) => void): PushReply | null {
    const c = this.ps.check(grad, version, rolloutVersion, 0);
    if (!c.accepted) return this.refusal(w, c.reason, c.error, version);
    if (!this.round.add(w.workerId, c.grad, { worker: w, ack })) {
      return this.refusal(w, 'malformed', this.ps.reject('malformed', 'one gradient per worker per sync round: wait for the reply').error, version);
    }
    if (this.round.count >= this.syncTarget()) this.closeRound();
    else if (this.round.count === 1) this.roundTimer = setTimeout(() => this.closeRound(), this.config.syncTimeoutMs);
    return null;
  }

  /** Gradients a sync round waits for: syncGradients, or one per connected worker, whichever is fewer. */
  private syncTarget(): number {
    let connected = 0;
    for (const w of this.workers.values()) if (w.connected) connected++;
    return Math.max(1, Math.min(this.config.syncGradients ?? Infinity, connected));
  }

  /** Steps with the mean of the round's gradients and answers every worker in it. */
  private closeRound(): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    const n = this.round.count;
    if (n === 0) return;
    const pending = this.round.close(this.syncMean);
    this.ps.step(this.syncMean, l2Norm(this.syncMean), this.learningRate(), 0, n);
    this.stalenessN += n;
    for (const p of pending) {
      p.worker.accepted++;
      p.ack({ ok: true, accepted: true, version: this.ps.version, params: this.paramsBytes(), done: this.tracker.finished });
    }
  }

  /** A worker's statistics delta, checked; required exactly when the run keeps those stats. */
  private decodeStats(global: RunningMeanStd | null, bin: unknown, name: 'obs' | 'ret'): RunningMeanStd | null {
    if (!global) {
      if (bin !== undefined) throw new Error(`norm.${name} sent but this run does not normalize ${name}`);
      return null;
    }
    if (bin === undefined) throw new Error(`norm.${name} is required: this run normalizes ${name}`);
    try {
      return RunningMeanStd.fromArray(global.dim, decodeF64(bin, 1 + 2 * global.dim));
    } catch (e) {
      throw new Error(`norm.${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The merged statistics as they go on the wire. */
  normWire(): NormStatsWire {
    return {
      ...(this.obsRms ? { obs: encodeF64(this.obsRms.toArray()) } : {}),
      ...(this.retRms ? { ret: encodeF64(this.retRms.toArray()) } : {}),
    };
  }

  private takeToken(w: WorkerRecord): boolean {
    const now = performance.now();
    const rate = this.config.maxPushesPerSecond;
    w.tokens = Math.min(rate, w.tokens + ((now - w.refilledAt) / 1000) * rate);
    w.refilledAt = now;
    if (w.tokens < 1) return false;
    w.tokens -= 1;
    return true;
  }

  /** The current params as bytes for one reply (copied once per version: the live array keeps changing under socket writes). */
  private paramsBytes(): Buffer {
    return this.snapshots.current(this.ps.version);
  }

  /** Ends the run early (time limit, Ctrl-C): workers are told, and 'done' fires with state 'stopped'. */
  endRun(): void {
    if (this.tracker.finished) return;
    this.tracker.stop();
    this.finish();
  }

  private finish(): void {
    if (this.roundTimer) clearTimeout(this.roundTimer);
    this.roundTimer = null;
    for (const p of this.round.clear()) {
      const error = `the run is over (${this.tracker.state})`;
      this.ps.reject('finished', error);
      p.worker.rejected++;
      p.ack({ ok: false, accepted: false, reason: 'finished', error, done: true });
    }
    const status = this.status();
    this.workerNs.emit('done', status);
    this.tick();
    this.emit('done', status);
  }

  private tick(): void {
    const now = performance.now();
    const dt = Math.max(1e-3, (now - this.lastTickAt) / 1000);
    this.lastTickAt = now;
    let connected = 0;
    for (const w of this.workers.values()) {
      if (w.connected && now - w.lastSeenAt > this.config.workerTimeoutMs) this.drop(w);
      w.updatesPerS = (w.accepted - w.atTick.accepted) / dt;
      w.envStepsPerS = (w.envSteps - w.atTick.envSteps) / dt;
      w.atTick.accepted = w.accepted;
      w.atTick.envSteps = w.envSteps;
      if (w.connected) connected++;
    }
    // Per-worker series only for fleets small enough to read them: at 1,000 workers they would be 2,000 numbers a point.
    const perWorker: Partial<Record<string, number>> = {};
    if (connected <= PER_WORKER_HISTORY_MAX) {
      for (const w of this.workers.values()) {
        if (!w.connected) continue;
        perWorker[workerMetric(w.workerIndex, 'updatesPerS')] = w.updatesPerS;
        perWorker[workerMetric(w.workerIndex, 'envStepsPerS')] = w.envStepsPerS;
      }
    }
    const rejectedBy: Partial<Record<string, number>> = {};
    for (const [reason, n] of Object.entries(this.ps.counts.rejected)) if (n > 0) rejectedBy[rejectedMetric(reason)] = n;
    const point = this.tracker.point(this.ps.version, {
      [M.version]: this.ps.version,
      [M.accepted]: this.ps.counts.accepted,
      [M.rejected]: Object.values(this.ps.counts.rejected).reduce((a, b) => a + b, 0),
      ...rejectedBy,
      [M.learningRate]: this.learningRate(),
      [M.workers]: connected,
      ...(this.stalenessN > 0 ? { [M.staleness]: this.stalenessSum / this.stalenessN, [M.maxStaleness]: this.stalenessMax } : {}),
      ...perWorker,
    }, now);
    this.stalenessSum = 0;
    this.stalenessN = 0;
    this.stalenessMax = 0;
    const status = this.status();
    // Socket.IO encodes a broadcast before it looks for recipients: with no dashboard open, skip it.
    if (this.dashNs.sockets.size > 0) this.dashNs.emit('tick', { status, workers: this.workerList(), points: [point] });
    this.emit('tick', status);
  }
}
