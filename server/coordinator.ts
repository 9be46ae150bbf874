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
import type { TrainConfig } from '../shared/config.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, type ClientToServerEvents, type DashboardClientToServer,
  type DashboardServerToClient, type NormStatsWire, type PushReply, type RejectReason, type RolloutAck, type RunStatus,
  type ServerToClientEvents, type WorkerInfo,
} from '../shared/protocol.ts';
import { M } from '../shared/metrics.ts';
import { envSpec } from '../shared/envs/registry.ts';
import { policyHead } from '../shared/ppo/policyHead.ts';
import { actorCriticLayout, initParams, paramCount } from '../shared/ppo/model.ts';
import { RunningMeanStd } from '../shared/ppo/runningStats.ts';
import type { NormStats } from '../shared/ppo/normalizer.ts';
import { decodeF64, encodeF64 } from '../shared/codec.ts';
import { ParameterServer } from './parameterServer.ts';
import { LatencyWindow, type LatencySummary } from './latency.ts';
import { RunTracker } from './runTracker.ts';
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

interface WorkerRecord extends WorkerInfo {
  /** Token bucket for the push rate limit. */
  tokens: number;
  refilledAt: number;
}

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
  private paramsCache: { version: number; bytes: Buffer } | null = null;
  /** Milliseconds from a push's arrival to its decision (decode, checks, optimizer step), last pushes. */
  readonly pushLatency = new LatencyWindow(10_000);
  /** Observation and return statistics merged from every worker's rollouts; null when off. */
  readonly obsRms: RunningMeanStd | null;
  readonly retRms: RunningMeanStd | null;

  constructor(private readonly opts: CoordinatorOptions) {
    super();
    this.config = opts.config;
    const spec = envSpec(this.config.envId);
    const layout = actorCriticLayout(spec.obsDim, policyHead(spec), this.config.hiddenSizes);
    const params = opts.initialParams ?? initParams(layout, this.config.seed, this.config.logStdInit);
    const expected = paramCount(layout);
    if (params.length !== expected) throw new Error(`initial params have ${params.length} values, the model needs ${expected}`);
    this.ps = new ParameterServer(params, this.config);
    const stats = (on: boolean, dim: number, saved?: Float64Array) => (!on ? null : saved ? RunningMeanStd.fromArray(dim, saved) : new RunningMeanStd(dim));
    this.obsRms = stats(this.config.normObs, spec.obsDim, opts.initialNorm?.obs);
    this.retRms = stats(this.config.normReward, 1, opts.initialNorm?.ret);
    this.tracker = new RunTracker(this.config.solveWindow, this.config.solveThreshold, this.config.totalTimesteps);

    const serveStatic = opts.staticDir && existsSync(opts.staticDir) ? sirv(opts.staticDir, { dev: false, etag: true }) : null;
    this.http = createServer((req, res) => {
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
      pingInterval: 5000,
      pingTimeout: 10000,
      serveClient: false,
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
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.tracker.stop();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }

  /** Learning rate for the next step: linearly annealed to 0 over the step budget when enabled. */
  learningRate(): number {
    const c = this.config;
    if (!c.annealLr) return c.learningRate;
    return c.learningRate * Math.max(0, 1 - this.tracker.envSteps / c.totalTimesteps);
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
    return [...this.workers.values()].map(({ tokens: _t, refilledAt: _r, ...info }) => info);
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
      const w: WorkerRecord = {
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
        tokens: this.config.maxPushesPerSecond,
        refilledAt: performance.now(),
      };
      socket.data.worker = w;
      this.workers.set(w.workerId, w);
      this.tracker.start();
      ack({
        ok: true, workerId: w.workerId, workerIndex: w.workerIndex, config: this.config, version: this.ps.version, params: this.paramsBytes(), norm: this.normWire(),
      });
    });

    socket.on('push', (req, ack) => {
      if (typeof ack !== 'function') return;
      const t0 = performance.now();
      const reply = this.onPush(socket.data.worker, req);
      this.pushLatency.add(performance.now() - t0);
      ack(reply);
    });

    socket.on('rollout', (report, ack) => {
      const reply = (r: RolloutAck) => { if (typeof ack === 'function') ack(r); };
      const w = socket.data.worker;
      if (!w) return reply({ ok: false, error: 'join first' });
      const parsed = rolloutSchema.safeParse(report);
      if (!parsed.success) return reply({ ok: false, error: `bad rollout report: ${describeIssue(parsed.error)}` });
      if (this.tracker.finished) return reply({ ok: false, error: `the run is over (${this.tracker.state})` });
      const r = parsed.data;
      const expected = this.config.numEnvs * this.config.numSteps;
      if (r.envSteps !== expected) return reply({ ok: false, error: `a rollout is ${expected} env steps, got ${r.envSteps}` });
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
      if (this.tracker.addRollout(r.envSteps, r.episodeReturns, r.losses)) this.finish();
      reply({ ok: true, norm: this.normWire() });
    });

    socket.on('disconnect', () => {
      const w = socket.data.worker;
      if (w) w.connected = false;
      socket.data.worker = undefined;
    });
  }

  private onPush(w: WorkerRecord | undefined, req: unknown): PushReply {
    const done = this.tracker.finished;
    const reject = (reason: RejectReason, error: string): PushReply => {
      this.ps.reject(reason, error);
      if (w) w.rejected++;
      return { ok: false, accepted: false, reason, error, done };
    };
    if (!w) return reject('notJoined', 'join before pushing');
    const parsed = pushSchema.safeParse(req);
    if (!parsed.success) return reject('malformed', `bad push: ${describeIssue(parsed.error)}`);
    if (done) return reject('finished', `the run is over (${this.tracker.state})`);
    if (!this.takeToken(w)) return reject('rateLimited', `more than ${this.config.maxPushesPerSecond} pushes per second`);
    const { version, rolloutVersion, grad } = parsed.data;
    const res = this.ps.apply(grad, version, this.learningRate(), rolloutVersion);
    const params = this.ps.version !== version ? this.paramsBytes() : undefined;
    if (!res.accepted) {
      w.rejected++;
      return { ok: true, accepted: false, reason: res.reason, error: res.error, version: this.ps.version, params, done };
    }
    w.accepted++;
    this.stalenessSum += res.staleness;
    this.stalenessN++;
    return { ok: true, accepted: true, version: this.ps.version, params, done };
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

  /** The current params as bytes, copied once per version (the live array keeps changing under socket writes). */
  private paramsBytes(): Buffer {
    if (this.paramsCache?.version !== this.ps.version) {
      const p = this.ps.params;
      this.paramsCache = { version: this.ps.version, bytes: Buffer.from(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength)) };
    }
    return this.paramsCache.bytes;
  }

  /** Ends the run early (time limit, Ctrl-C): workers are told, and 'done' fires with state 'stopped'. */
  endRun(): void {
    if (this.tracker.finished) return;
    this.tracker.stop();
    this.finish();
  }

  private finish(): void {
    const status = this.status();
    this.workerNs.emit('done', status);
    this.tick();
    this.emit('done', status);
  }

  private tick(): void {
    const connected = this.workerList().filter((w) => w.connected).length;
    const point = this.tracker.point(this.ps.version, {
      [M.version]: this.ps.version,
      [M.accepted]: this.ps.counts.accepted,
      [M.rejected]: Object.values(this.ps.counts.rejected).reduce((a, b) => a + b, 0),
      [M.learningRate]: this.learningRate(),
      [M.workers]: connected,
      ...(this.stalenessN > 0 ? { [M.staleness]: this.stalenessSum / this.stalenessN } : {}),
    });
    this.stalenessSum = 0;
    this.stalenessN = 0;
    const status = this.status();
    this.dashNs.emit('tick', { status, workers: this.workerList(), points: [point] });
    this.emit('tick', status);
  }
}
