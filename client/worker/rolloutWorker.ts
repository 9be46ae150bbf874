/**
 * RolloutWorker: one tab's training loop. Joins the coordinator, then repeats: roll out the
 * tab's envs with the params it holds (version v), compute GAE, and for each epoch and minibatch
 * push the PPO gradient at the params it currently holds (v'), adopting fresh params from each
 * reply. If the connection drops it reconnects (Socket.IO's backoff, no deadline), resumes with its
 * token and starts a fresh rollout at the params it is given; what it was computing when it dropped
 * is thrown away. While the coordinator holds the run (`paused`) it sends nothing and waits,
 * connected. With waitForNextRun, a run that ends leaves it connected, waiting for the next run at
 * the same URL (a new coordinator there), which it joins.
 * No DOM here, so the same loop runs in Node tests with the tfjs cpu backend.
 */
import { io, type Socket } from 'socket.io-client';
import { derive } from '../../shared/config.ts';
import {
  WORKER_NAMESPACE, noStageSeconds, type Backend, type BackendTiming, type ClientToServerEvents, type JoinReply,
  type Binary, type NormStatsWire, type PushReply, type RejectReason, type RolloutReport, type ServerToClientEvents, type StageSeconds,
} from '../../shared/protocol.ts';
import { decodeF32, decodeF64, encodeF64 } from '../../shared/codec.ts';
import { ErrorFeedback } from '../../shared/updateCodec.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { Learner, type MinibatchArrays } from '../../shared/ppo/learner.ts';
import { Adam } from '../../shared/ppo/adam.ts';
import { lossCoefs, type LossCoefs } from '../../shared/ppo/loss.ts';
import { RolloutCollector } from '../../shared/ppo/rollout.ts';
import { M, PPO_STATS, type PpoStats } from '../../shared/metrics.ts';
import { KEEP_REPORTS, TraceBook } from './traceBook.ts';

export interface RolloutWorkerOptions {
  /** Coordinator origin, e.g. http://localhost:3000. */
  url: string;
  backend: Backend;
  adapter: string;
  timings: BackendTiming[];
  userAgent: string;
  token?: string;
  /** Milliseconds to wait for any reply before treating the coordinator as gone. */
  ackTimeoutMs?: number;
  /** When the run ends, wait for the next one at the same URL and join it (the worker page); else run() returns. */
  waitForNextRun?: boolean;
  /**
   * Simulated slow device (benchmarks, tests): extra milliseconds per gradient on a full-size
   * minibatch, scaled by the size of the minibatch actually computed.
   */
  delayMs?: number;
  /**
   * A simulated attacker only (server/testing/fabricatedAttacker.ts; a real tab leaves it unset):
   * rewrites each minibatch in place before its gradient, so the tab's updates are computed on data
   * it did not collect while its reports and traces stay its real episodes.
   */
  fabricateMinibatch?: (mb: MinibatchArrays) => void;
  onStatus?: (s: WorkerStatus) => void;
}

export interface WorkerStatus {
  state: 'connecting' | 'training' | 'done' | 'stopped' | 'error';
  message: string;
  /** The env of the run it trains (or last trained); null before it joined one. */
  envId: string | null;
  /** Why the coordinator holds the run (training waits, connected); null while it does not. */
  paused: string | null;
  /** This worker's and the whole run's accepted updates, as of its last rollout report's reply; null before one. */
  acceptedShare: { worker: number; run: number } | null;
  workerId: string | null;
  version: number;
  rollouts: number;
  envSteps: number;
  accepted: number;
  rejected: number;
  /** `rejected` by the coordinator's reason. */
  rejectedBy: Partial<Record<RejectReason, number>>;
  rolloutSps: number;
  /** Steps per env of the current rollout, as the coordinator sized it. */
  numSteps: number;
  /** Times this worker resumed after its connection dropped. */
  resumes: number;
  /** Replies this worker has waited for while training (a round trip it sat idle through). */
  roundTripsWaited: number;
  /** Cumulative wall seconds by stage. */
  seconds: StageSeconds;
}

type WorkerClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Joined = Extract<JoinReply, { ok: true }>;

/** stop() was called while the worker waited. */
class Stopped extends Error {
  override name = 'Stopped';
  constructor() {
    super('stopped');
  }
}

/** The connection to the coordinator dropped; the worker resumes. */
class Disconnected extends Error {
  override name = 'Disconnected';
  constructor() {
    super('disconnected from the coordinator');
  }
}

export class RolloutWorker {
  readonly status: WorkerStatus = {
    state: 'connecting', message: '', envId: null, paused: null, acceptedShare: null, workerId: null, version: 0, rollouts: 0, envSteps: 0, accepted: 0, rejected: 0, rejectedBy: {}, rolloutSps: 0,
    numSteps: 0, resumes: 0, roundTripsWaited: 0, seconds: noStageSeconds(),
  };
  private socket: WorkerClientSocket | null = null;
  private stopped = false;
  private learner: Learner | null = null;
  private resumeToken = '';
  /** Settles what the worker waits for (a connection, the end of a pause) when it stops, disconnects or is unpaused. */
  private wake = new EventTarget();
  /** The tab's envs and rollout buffers, once training has started (the page draws env 0). */
  collector: RolloutCollector | null = null;
  /** Its reports' episode traces, for the coordinator's spot checks (traceBook.ts); one per run. */
  private traces: TraceBook | null = null;

  constructor(private readonly opts: RolloutWorkerOptions) {}

  /** Connects, joins and trains until the run is done (with waitForNextRun: until stop() is called). */
  async run(): Promise<WorkerStatus> {
    const socket: WorkerClientSocket = io(this.opts.url + WORKER_NAMESPACE, {
      transports: ['websocket'], reconnectionDelay: 250, reconnectionDelayMax: 4000,
    });
    this.socket = socket;
    socket.on('done', (s) => this.finish(`run over: ${s.state}`));
    socket.on('paused', (paused, reason) => this.setPaused(paused ? String(reason).slice(0, 500) || 'paused' : null));
    socket.on('spotCheck', (req, ack) => {
      if (typeof ack === 'function') ack(this.traces?.answer(req) ?? { ok: false, error: 'no traces: not training' });
    });
    // A new connection is told afresh whether the run is held.
    socket.on('disconnect', () => this.setPaused(null));
    try {
      for (;;) {
        let join: Joined | null = await this.connectAndJoin();
        while (join) join = await this.train(join);
        this.learner?.dispose();
        this.learner = null;
        if (this.stopped || this.status.state !== 'done' || !this.opts.waitForNextRun) break;
        this.update({ message: `${this.status.message}; waiting for the next run at ${this.opts.url}` });
        await this.nextConnection();
        this.newRun();
      }
    } catch (e) {
      if (!this.stopped && this.status.state !== 'done') {
        // On the console too: a headless fleet passes it to its terminal.
        console.error(`tabswarm: training stopped: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
        this.update({ state: 'error', message: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      this.learner?.dispose();
      this.learner = null;
      socket.disconnect();
    }
    if (this.stopped) this.update({ state: 'stopped', message: 'stopped: this tab no longer trains', paused: null });
    return this.status;
  }

  /** Stops training and disconnects; run() then resolves with state 'stopped'. */
  stop(): void {
    this.stopped = true;
    this.socket?.disconnect();
    this.wake.dispatchEvent(new Event('wake'));
  }

  /**
   * Waits until `ready()` holds, re-checking whenever the socket connects or disconnects, the
   * pause changes or stop() is called; Stopped once stopped.
   */
  private async until(ready: () => boolean): Promise<void> {
    const socket = this.socket!;
    while (!ready()) {
      if (this.stopped) throw new Stopped();
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('connect', done);
          socket.off('disconnect', done);
          this.wake.removeEventListener('wake', done);
          resolve();
        };
        socket.on('connect', done);
        socket.on('disconnect', done);
        this.wake.addEventListener('wake', done);
      });
    }
    if (this.stopped) throw new Stopped();
  }

  /** Waits for a connection, without a deadline: Socket.IO retries with backoff, and a connection the coordinator closed is reopened. */
  private async connected(): Promise<void> {
    const socket = this.socket!;
    if (socket.connected) return;
    const onError = (e: Error) => this.update({ message: `cannot reach ${this.opts.url} (${e.message}): retrying` });
    socket.on('connect_error', onError);
    try {
      // Closed by the coordinator (or never opened): Socket.IO does not retry that on its own.
      if (!socket.active) socket.connect();
      await this.until(() => socket.connected);
    } finally {
      socket.off('connect_error', onError);
    }
  }

  /** After a run ended: waits for the connection to a new coordinator at the same URL (the old one closes, a new one answers). */
  private async nextConnection(): Promise<void> {
    const socket = this.socket!;
    if (socket.connected) {
      let dropped = false;
      const onDrop = () => { dropped = true; };
      socket.on('disconnect', onDrop);
      try {
        await this.until(() => dropped);
      } finally {
        socket.off('disconnect', onDrop);
      }
    }
    await this.connected();
  }

  /** A new run begins: its counts start at zero (the worker's identity there is a new one). */
  private newRun(): void {
    this.status.workerId = null;
    this.update({
      state: 'connecting', message: 'joining the next run', version: 0, rollouts: 0, envSteps: 0, accepted: 0, rejected: 0, rejectedBy: {}, rolloutSps: 0,
      acceptedShare: null, seconds: noStageSeconds(),
    });
  }

  /** Connects (no deadline) and joins; a connection that drops meanwhile is waited for again. */
  private async connectAndJoin(): Promise<Joined> {
    for (;;) {
      await this.connected();
      try {
        return await this.join();
      } catch (e) {
        if (!(e instanceof Disconnected)) throw e;
      }
    }
  }

  private setPaused(reason: string | null): void {
    if (reason === this.status.paused) return;
    this.update({ paused: reason });
    this.wake.dispatchEvent(new Event('wake'));
  }

  /** Joins, or resumes as the worker it was when it has a workerId (a fresh join if the coordinator no longer knows it). */
  private async join(): Promise<Joined> {
    const base = { token: this.opts.token, backend: this.opts.backend, adapter: this.opts.adapter, timings: this.opts.timings, userAgent: this.opts.userAgent };
    const id = this.status.workerId;
    let reply = id ? await this.ack((s) => s.emitWithAck('join', { ...base, resume: { workerId: id, resumeToken: this.resumeToken } })) : null;
    if (!reply?.ok) reply = await this.ack((s) => s.emitWithAck('join', base));
    if (!reply.ok) {
      // Joined a run that has ended: with waitForNextRun, wait for the next one there.
      if (reply.over && this.opts.waitForNextRun) {
        this.finish(reply.error);
        this.update({ message: `${reply.error}: waiting for the next run at ${this.opts.url}` });
        await this.nextConnection();
        this.newRun();
        return this.connectAndJoin();
      }
      throw new Error(`join refused: ${reply.error}`);
    }
    this.status.workerId = reply.workerId;
    this.resumeToken = reply.resumeToken;
    return reply;
  }

  /** After the connection dropped: reconnect (no deadline) and join again. */
  private async resume(): Promise<Joined> {
    this.update({ message: 'connection lost: reconnecting' });
    const join = await this.connectAndJoin();
    this.update({ resumes: this.status.resumes + 1, message: 'training' });
    return join;
  }

  /**
   * Trains on the run `join0` joined until it ends or the worker stops. Returns the join of a
   * different run (another config) found on reconnecting, to train on that instead.
   */
  private async train(join0: Joined): Promise<Joined | null> {
    const { config } = join0;
    const { spec, head, layout, numParams } = modelFor(config);
    const learner = new Learner(layout, decodeF32(join0.params, numParams), spec.obsDim, head);
    this.learner = learner;
    let version = join0.version;
    let numSteps = join0.numSteps;
    // Room for the longest rollout the coordinator may assign (link sizing in local mode).
    const maxSteps = config.numSteps * (config.updateMode === 'local' ? config.maxRolloutScale : 1);
    const collector = new RolloutCollector(config.envId, config.numEnvs, maxSteps, config.seed + join0.workerIndex * 1000, config);
    this.collector = collector;
    const traces = new TraceBook(spec, Math.max(KEEP_REPORTS, config.maxPushesInFlight + 4));
    this.traces = traces;
    const adoptNorm = (n: NormStatsWire) => collector.normalizer.setGlobal({
      obs: n.obs === undefined ? undefined : decodeF64(n.obs, 1 + 2 * spec.obsDim),
      ret: n.ret === undefined ? undefined : decodeF64(n.ret, 3),
    });
    adoptNorm(join0.norm);
    // The quantization error of lossy codecs is carried into the next update, not lost.
    const codec = new ErrorFeedback(config.updateCodec, numParams);
    const fullMinibatch = derive(config).minibatchSize;
    let mb = collector.allocMinibatch(derive(config, numSteps).minibatchSize);
    let lastLosses: Record<string, number> = {};
    this.update({ state: 'training', message: 'training', envId: config.envId, version, numSteps });

    /** Collects one rollout of numSteps per env (with the minibatch buffer sized to it) and makes its report. */
    const collect = async (rolloutVersion: number): Promise<RolloutReport> => {
      const { minibatchSize } = derive(config, numSteps);
      if (mb.size !== minibatchSize) mb = collector.allocMinibatch(minibatchSize);
      const t0 = performance.now();
      const r = await collector.collect(learner, config.gamma, config.gaeLambda, numSteps);
      const seconds = (performance.now() - t0) / 1000;
      this.status.seconds.collect += seconds;
      const rolloutSps = r.envSteps / Math.max(seconds, 1e-6);
      const deltas = collector.normalizer.takeDeltas();
      this.update({ rollouts: this.status.rollouts + 1, envSteps: this.status.envSteps + r.envSteps, rolloutSps });
      return {
        rolloutVersion,
        seq: traces.add(r.episodes.map((e) => e.trace)),
        envSteps: r.envSteps,
        episodeReturns: r.episodes.map((e) => e.return),
        episodeLengths: r.episodes.map((e) => e.length),
        losses: Number.isFinite(r.explainedVariance) ? { [M.explainedVariance]: r.explainedVariance } : {},
        rolloutSps,
        stageSeconds: { ...this.status.seconds },
        norm: {
          ...(deltas.obs ? { obs: encodeF64(deltas.obs) } : {}),
          ...(deltas.ret ? { ret: encodeF64(deltas.ret) } : {}),
        },
      };
    };

    /**
     * A rollout's PPO epochs: a fresh shuffle per epoch, and for each minibatch the gradient at the
     * learner's current params handed to `use` (false ends the update). An epoch whose mean
     * approximate KL passes targetKl ends it too (CleanRL's early stop). Returns the means of the
     * minibatches' statistics, for the next report.
     */
    const runEpochs = async (coefs: LossCoefs, use: (grad: Float32Array) => Promise<boolean> | boolean): Promise<Record<string, number>> => {
      const sums = Object.fromEntries(PPO_STATS.map((name) => [name, 0])) as PpoStats;
      let n = 0;
      update: for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
        const idx = collector.shuffledIndices();
        let epochKl = 0;
        let epochN = 0;
        for (let start = 0; start + mb.size <= idx.length; start += mb.size) {
          if (this.stopped || this.status.state !== 'training') break update;
          const t0 = performance.now();
          const batch = collector.gather(idx, start, mb);
          this.opts.fabricateMinibatch?.(batch);
          const { grad, stats } = await learner.gradient(batch, coefs);
          if (this.opts.delayMs) await new Promise((r) => setTimeout(r, (this.opts.delayMs! * mb.size) / fullMinibatch));
          this.status.seconds.gradient += (performance.now() - t0) / 1000;
          for (const name of PPO_STATS) sums[name] += stats[name];
          n++;
          epochKl += stats[M.approxKl];
          epochN++;
          if (!(await use(grad))) break update;
        }
        if (config.targetKl !== null && epochKl / epochN > config.targetKl) break;
      }
      return Object.fromEntries(PPO_STATS.map((name) => [name, sums[name] / Math.max(n, 1)]));
    };

    /**
     * Async and sync modes: one rollout and its update epochs, a push per minibatch, each reply's
     * params adopted before the next gradient; throws Disconnected if the connection drops.
     */
    const gradientRollout = async (): Promise<void> => {
      const rolloutVersion = version;
      const r = await collect(rolloutVersion);
      r.losses = { ...lastLosses, ...r.losses };
      const report = await this.ack((s) => s.emitWithAck('rollout', r));
      this.status.roundTripsWaited++;
      if (!report.ok) throw new Error(`rollout report refused: ${report.error}`);
      adoptNorm(report.norm);
      this.update({ acceptedShare: report.accepted });
      const coefs = { ...lossCoefs(config), clipCoef: report.clipCoef };

      const t = this.status.seconds;
      let pending: Promise<PushReply> | null = null;
      /**
       * Waits for the push in flight and adopts fresh params. False ends this rollout's update:
       * the run is over, or the rollout is too old for the coordinator (policyLag), so collect anew.
       */
      const settle = async (): Promise<boolean> => {
        if (!pending) return true;
        const t0 = performance.now();
        const reply = await pending;
        pending = null;
        t.push += (performance.now() - t0) / 1000;
        this.status.roundTripsWaited++;
        this.count(reply);
        if (reply.ok && reply.params) {
          const t1 = performance.now();
          adoptParams(reply.params, reply.version, reply.ticket);
          t.setParams += (performance.now() - t1) / 1000;
        }
        if (reply.done) { this.finish('run over'); return false; }
        if (!reply.ok) throw new Error(`push refused: ${reply.error}`);
        return reply.accepted || reply.reason !== 'policyLag';
      };
      try {
        lastLosses = await runEpochs(coefs, async (grad) => {
          // The params the gradient was computed at: replies are adopted only in settle().
          const gradVersion = version;
          const gradTicket = ticket;
          // With pipelining the previous push's round trip overlapped this gradient.
          if (!(await settle())) return false;
          pending = this.ack((s) => s.emitWithAck('push', { version: gradVersion, ticket: gradTicket, rolloutVersion, grad: codec.encode(grad) }));
          return config.pipelinePushes || settle();
        });
        await settle();
      } finally {
        // A push abandoned by an error must not surface later as an unhandled rejection.
        (pending as Promise<PushReply> | null)?.catch(() => {});
      }
      numSteps = report.numSteps;
      this.update({ version, numSteps });
    };

    // Local mode: the tab's own optimizer over the params it trains, and the params its next delta is measured from.
    const local = config.updateMode === 'local' ? new Adam(numParams, { beta1: config.adamBeta1, beta2: config.adamBeta2, eps: config.adamEps }) : null;
    const base = new Float32Array(local ? numParams : 0);
    /** The ticket that came with the params the tab holds: each push names it (server/workers/tickets.ts). */
    let ticket = join0.ticket;
    /** Adopts global params (a join's or a reply's) with their ticket; in local mode also as the local params and the next delta's base. */
    const adoptParams = (bin: Binary, v: number, t: number | undefined) => {
      const params = decodeF32(bin, numParams);
      learner.setParams(params);
      if (local) {
        local.params.set(params);
        base.set(params);
      }
      version = v;
      if (t !== undefined) ticket = t;
    };
    adoptParams(join0.params, join0.version, join0.ticket);
    let localLr = config.learningRate;
    let clipCoef = config.clipCoef;
    /** Local mode: the pushes on the wire, oldest first, each with its delta and its reply once it has come. */
    let inFlight: { reply: Promise<PushReply>; settled: PushReply | null; delta: Float32Array }[] = [];
    /** Local mode: the factor the coordinator stepped this tab's last accepted delta with (outerLr until one is). */
    let outerStep = config.outerLr;

    /**
     * Local mode with rebaseInFlight, just after adopting global params: adds back the deltas still
     * on the wire (they are not in those params yet), each at outerStep, as the coordinator will.
     */
    const rebase = (adam: Adam): void => {
      if (!config.rebaseInFlight || inFlight.length === 0) return;
      const p = adam.params;
      for (const { delta } of inFlight) for (let i = 0; i < numParams; i++) p[i] += outerStep * delta[i];
      base.set(p);
      learner.setParams(p);
    };

    /** Local mode: takes a delta's reply: its report's answer, and fresh params when they are newer than the tab's. */
    const takeReply = (reply: PushReply): void => {
      this.count(reply);
      if (reply.done) return this.finish('run over');
      if (!reply.ok) throw new Error(`push refused: ${reply.error}`);
      if (reply.rollout?.ok) {
        adoptNorm(reply.rollout.norm);
        this.status.acceptedShare = reply.rollout.accepted;
        numSteps = reply.rollout.numSteps;
        clipCoef = reply.rollout.clipCoef;
        localLr = reply.rollout.learningRate;
      } else if (reply.rollout) throw new Error(`rollout report refused: ${reply.rollout.error}`);
      if (reply.accepted && reply.step !== undefined) outerStep = reply.step;
      if (reply.params && reply.version > version) {
        const t1 = performance.now();
        adoptParams(reply.params, reply.version, reply.ticket);
        rebase(local!);
        this.status.seconds.setParams += (performance.now() - t1) / 1000;
      }
    };

    /**
     * Local mode: one rollout, its epochs with the tab's own Adam, and one push of the delta with the
     * report. The reply is not waited for unless maxPushesInFlight pushes are on the wire: the next
     * rollout is collected from the tab's own params meanwhile, and the reply's params are adopted
     * when it comes (with rebaseInFlight, plus the tab's deltas still on the wire).
     */
    const localRollout = async (adam: Adam): Promise<void> => {
      const t = this.status.seconds;
      while (inFlight[0]?.settled) takeReply(inFlight.shift()!.settled!);
      if (this.status.state !== 'training') return;
      const rolloutVersion = version;
      const rolloutTicket = ticket;
      const report = await collect(rolloutVersion);
      const losses = await runEpochs({ ...lossCoefs(config), clipCoef }, (grad) => {
        // The tab's own step, clipped to maxGradNorm as the coordinator clips a gradient.
        adam.grad.set(grad);
        adam.step(adam.grad, localLr, Math.min(1, config.maxGradNorm / (adam.gradNorm() + 1e-6)));
        learner.setParams(adam.params);
        return true;
      });
      const delta = new Float32Array(numParams);
      for (let i = 0; i < numParams; i++) delta[i] = adam.params[i] - base[i];
      base.set(adam.params);
      report.losses = { ...report.losses, ...losses };
      const entry: (typeof inFlight)[number] = {
        reply: this.ack((s) => s.emitWithAck('push', { version: rolloutVersion, ticket: rolloutTicket, rolloutVersion, grad: codec.encode(delta), report })), settled: null, delta,
      };
      entry.reply.then((r) => { entry.settled = r; }, () => {});
      inFlight.push(entry);
      while (inFlight.length >= config.maxPushesInFlight && this.status.state === 'training') {
        const t0 = performance.now();
        const reply = await inFlight[0].reply;
        t.push += (performance.now() - t0) / 1000;
        this.status.roundTripsWaited++;
        inFlight.shift();
        takeReply(reply);
      }
      this.update({ version, numSteps });
    };

    while (!this.stopped && this.status.state === 'training') {
      try {
        // Held by the coordinator: start nothing new until it lets go.
        await this.until(() => this.status.paused === null);
        if (local) await localRollout(local);
        else await gradientRollout();
      } catch (e) {
        if (e instanceof Stopped || (e instanceof Disconnected && this.stopped)) break;
        if (!(e instanceof Disconnected) || this.status.state !== 'training') throw e;
        inFlight = [];
        const join = await this.resume();
        // A new run there (this one ended meanwhile, or another config): start over on it.
        if (this.status.state !== 'training' || JSON.stringify(join.config) !== JSON.stringify(config)) {
          learner.dispose();
          this.learner = null;
          return join;
        }
        adoptParams(join.params, join.version, join.ticket);
        adoptNorm(join.norm);
        numSteps = join.numSteps;
        codec.reset();
        this.update({ version, numSteps });
      }
    }
    // What is still on the wire when the run ends is not waited for.
    for (const p of inFlight) p.reply.catch(() => {});
    return null;
  }

  /** One acknowledged emit, `call(socket with the ack timeout)`; Disconnected when the connection is gone. */
  private async ack<T>(call: (timed: ReturnType<WorkerClientSocket['timeout']>) => Promise<T>): Promise<T> {
    const socket = this.socket!;
    // While the coordinator holds the run nothing is sent (a drop or stop() ends the wait).
    if (this.status.paused !== null) await this.until(() => this.status.paused === null || !socket.connected);
    if (!socket.connected) throw new Disconnected();
    try {
      return await call(socket.timeout(this.opts.ackTimeoutMs ?? 30_000));
    } catch (e) {
      // Socket.IO fails the acks of a connection that closed; a timeout on a live one is a real error.
      if (!socket.connected) throw new Disconnected();
      throw e;
    }
  }

  /** Counts a push's reply: accepted, or rejected under its reason. */
  private count(reply: PushReply): void {
    if (reply.accepted) {
      this.status.accepted++;
    } else {
      this.status.rejected++;
      this.status.rejectedBy[reply.reason] = (this.status.rejectedBy[reply.reason] ?? 0) + 1;
    }
  }

  private finish(message: string): void {
    if (this.status.state === 'training' || this.status.state === 'connecting') this.update({ state: 'done', message });
  }

  private update(patch: Partial<WorkerStatus>): void {
    Object.assign(this.status, patch);
    this.opts.onStatus?.(this.status);
  }
}
