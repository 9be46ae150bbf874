/**
 * RolloutWorker: one tab's training loop. Joins the coordinator, then repeats: roll out the
 * tab's envs with the params it holds (version v), compute GAE, and for each epoch and minibatch
 * push the PPO gradient at the params it currently holds (v'), adopting fresh params from each
 * reply. If the connection drops it reconnects, resumes with its token and starts a fresh rollout
 * at the params it is given; what it was computing when it dropped is thrown away.
 * No DOM here, so the same loop runs in Node tests with the tfjs cpu backend.
 */
import { io, type Socket } from 'socket.io-client';
import { derive } from '../../shared/config.ts';
import {
  WORKER_NAMESPACE, noStageSeconds, type Backend, type BackendTiming, type ClientToServerEvents, type JoinReply,
  type NormStatsWire, type PushReply, type RolloutAck, type ServerToClientEvents, type StageSeconds,
} from '../../shared/protocol.ts';
import { decodeF32, decodeF64, encodeF64 } from '../../shared/codec.ts';
import { ErrorFeedback } from '../../shared/updateCodec.ts';
import { envSpec } from '../../shared/envs/registry.ts';
import { policyHead } from '../../shared/ppo/policyHead.ts';
import { modelFor } from '../../shared/ppo/modelSpec.ts';
import { Learner } from '../../shared/ppo/learner.ts';
import { lossCoefs } from '../../shared/ppo/loss.ts';
import { RolloutCollector } from '../../shared/ppo/rollout.ts';
import { M, PPO_STATS, type PpoStats } from '../../shared/metrics.ts';

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
  /** How long to keep trying to reconnect and resume after the connection drops (ms). */
  resumeWithinMs?: number;
  /**
   * Simulated slow device (benchmarks, tests): extra milliseconds per gradient on a full-size
   * minibatch, scaled by the size of the minibatch actually computed.
   */
  delayMs?: number;
  onStatus?: (s: WorkerStatus) => void;
}

export interface WorkerStatus {
  state: 'connecting' | 'training' | 'done' | 'error';
  message: string;
  workerId: string | null;
  version: number;
  rollouts: number;
  envSteps: number;
  accepted: number;
  rejected: number;
  rolloutSps: number;
  /** Steps per env of the current rollout, as the coordinator sized it. */
  numSteps: number;
  /** Times this worker resumed after its connection dropped. */
  resumes: number;
  /** Cumulative wall seconds by stage. */
  seconds: StageSeconds;
}

type WorkerClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Joined = Extract<JoinReply, { ok: true }>;

/** The connection to the coordinator dropped; the worker resumes. */
class Disconnected extends Error {
  override name = 'Disconnected';
  constructor() {
    super('disconnected from the coordinator');
  }
}

export class RolloutWorker {
  readonly status: WorkerStatus = {
    state: 'connecting', message: '', workerId: null, version: 0, rollouts: 0, envSteps: 0, accepted: 0, rejected: 0, rolloutSps: 0,
    numSteps: 0, resumes: 0, seconds: noStageSeconds(),
  };
  private socket: WorkerClientSocket | null = null;
  private stopped = false;
  private learner: Learner | null = null;
  private resumeToken = '';
  /** The tab's envs and rollout buffers, once training has started (the page draws env 0). */
  collector: RolloutCollector | null = null;

  constructor(private readonly opts: RolloutWorkerOptions) {}

  /** Connects, joins and trains until the run is done or stop() is called. */
  async run(): Promise<WorkerStatus> {
    const socket: WorkerClientSocket = io(this.opts.url + WORKER_NAMESPACE, {
      transports: ['websocket'], reconnectionDelay: 250, reconnectionDelayMax: 2000,
    });
    this.socket = socket;
    socket.on('done', (s) => this.finish(`run over: ${s.state}`));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (e) => reject(new Error(`cannot reach ${this.opts.url}: ${e.message}`)));
      });
      const join = await this.join();
      await this.train(join);
      if (this.status.state !== 'done') this.finish('stopped');
    } catch (e) {
      if (this.status.state !== 'done') this.update({ state: 'error', message: e instanceof Error ? e.message : String(e) });
    } finally {
      this.learner?.dispose();
      this.learner = null;
      socket.disconnect();
    }
    return this.status;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Joins, or resumes as the worker it was when it has a workerId (a fresh join if the coordinator no longer knows it). */
  private async join(): Promise<Joined> {
    const base = { token: this.opts.token, backend: this.opts.backend, adapter: this.opts.adapter, timings: this.opts.timings, userAgent: this.opts.userAgent };
    const id = this.status.workerId;
    let reply = id ? await this.ack((s) => s.emitWithAck('join', { ...base, resume: { workerId: id, resumeToken: this.resumeToken } })) : null;
    if (!reply?.ok) reply = await this.ack((s) => s.emitWithAck('join', base));
    if (!reply.ok) throw new Error(`join refused: ${reply.error}`);
    this.status.workerId = reply.workerId;
    this.resumeToken = reply.resumeToken;
    return reply;
  }

  /** After the connection dropped: reconnect within resumeWithinMs and join again. */
  private async resume(): Promise<Joined> {
    const socket = this.socket!;
    this.update({ message: 'connection lost: reconnecting' });
    if (!socket.connected) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`could not reconnect to ${this.opts.url} within ${this.resumeWithinMs / 1000} s`)), this.resumeWithinMs);
        socket.once('connect', () => { clearTimeout(timer); resolve(); });
        // Dropped by the coordinator: Socket.IO does not retry that on its own.
        if (!socket.active) socket.connect();
      });
    }
    const join = await this.join();
    this.update({ resumes: this.status.resumes + 1, message: 'training' });
    return join;
  }

  private get resumeWithinMs(): number {
    return this.opts.resumeWithinMs ?? 60_000;
  }

  private async train(join0: Joined): Promise<void> {
    const { config } = join0;
    const { spec, head, layout, numParams } = modelFor(config);
    const learner = new Learner(layout, decodeF32(join0.params, numParams), spec.obsDim, head);
    this.learner = learner;
    let version = join0.version;
    let numSteps = join0.numSteps;
    const collector = new RolloutCollector(config.envId, config.numEnvs, config.numSteps, config.seed + join0.workerIndex * 1000, config);
    this.collector = collector;
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
    this.update({ state: 'training', message: 'training', version, numSteps });

    /** One rollout and its update epochs; throws Disconnected if the connection drops. */
    const rollout = async (): Promise<void> => {
      const rolloutVersion = version;
      const { minibatchSize } = derive(config, numSteps);
      if (mb.size !== minibatchSize) mb = collector.allocMinibatch(minibatchSize);
      const t0 = performance.now();
      const r = await collector.collect(learner, config.gamma, config.gaeLambda, numSteps);
      const seconds = (performance.now() - t0) / 1000;
      this.status.seconds.collect += seconds;
      const rolloutSps = r.envSteps / Math.max(seconds, 1e-6);
      const deltas = collector.normalizer.takeDeltas();
      const report = await this.ack((s) => s.emitWithAck('rollout', {
        rolloutVersion,
        envSteps: r.envSteps,
        episodeReturns: r.episodes.map((e) => e.return),
        episodeLengths: r.episodes.map((e) => e.length),
        losses: { ...lastLosses, ...(Number.isFinite(r.explainedVariance) ? { [M.explainedVariance]: r.explainedVariance } : {}) },
        rolloutSps,
        stageSeconds: { ...this.status.seconds },
        norm: {
          ...(deltas.obs ? { obs: encodeF64(deltas.obs) } : {}),
          ...(deltas.ret ? { ret: encodeF64(deltas.ret) } : {}),
        },
      }));
      if (!report.ok) throw new Error(`rollout report refused: ${report.error}`);
      adoptNorm(report.norm);
      const coefs = { ...lossCoefs(config), clipCoef: report.clipCoef };
      this.update({ rollouts: this.status.rollouts + 1, envSteps: this.status.envSteps + r.envSteps, rolloutSps });

      const sums = Object.fromEntries(PPO_STATS.map((name) => [name, 0])) as PpoStats;
      let n = 0;
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
        if (reply.accepted) this.status.accepted++;
        else this.status.rejected++;
        if (reply.ok && reply.params) {
          const t1 = performance.now();
          learner.setParams(decodeF32(reply.params, numParams));
          t.setParams += (performance.now() - t1) / 1000;
          version = reply.version;
        }
        if (reply.done) { this.finish('run over'); return false; }
        if (!reply.ok) throw new Error(`push refused: ${reply.error}`);
        return reply.accepted || reply.reason !== 'policyLag';
      };
      try {
        update: for (let epoch = 0; epoch < config.updateEpochs; epoch++) {
          const idx = collector.shuffledIndices();
          const epochKl = { sum: 0, n: 0 };
          for (let start = 0; start + mb.size <= idx.length; start += mb.size) {
            if (this.stopped || this.status.state !== 'training') break update;
            const t0 = performance.now();
            const gradVersion = version;
            const { grad, stats } = await learner.gradient(collector.gather(idx, start, mb), coefs);
            if (this.opts.delayMs) await new Promise((r) => setTimeout(r, (this.opts.delayMs! * mb.size) / fullMinibatch));
            t.gradient += (performance.now() - t0) / 1000;
            for (const name of PPO_STATS) sums[name] += stats[name];
            n++;
            epochKl.sum += stats[M.approxKl];
            epochKl.n++;
            // With pipelining the previous push's round trip overlapped this gradient.
            if (!(await settle())) break update;
            pending = this.ack((s) => s.emitWithAck('push', { version: gradVersion, rolloutVersion, grad: codec.encode(grad) }));
            if (!config.pipelinePushes && !(await settle())) break update;
          }
          // Target-KL early stop (CleanRL): the policy moved far enough from the rollout's.
          if (config.targetKl !== null && epochKl.sum / epochKl.n > config.targetKl) break;
        }
        await settle();
      } finally {
        // A push abandoned by an error must not surface later as an unhandled rejection.
        (pending as Promise<PushReply> | null)?.catch(() => {});
      }
      lastLosses = Object.fromEntries(PPO_STATS.map((name) => [name, sums[name] / Math.max(n, 1)]));
      numSteps = report.numSteps;
      this.update({ version, numSteps });
    };

    while (!this.stopped && this.status.state === 'training') {
      try {
        await rollout();
      } catch (e) {
        if (!(e instanceof Disconnected) || this.stopped || this.status.state !== 'training') throw e;
        const join = await this.resume();
        learner.setParams(decodeF32(join.params, numParams));
        adoptNorm(join.norm);
        version = join.version;
        numSteps = join.numSteps;
        codec.reset();
        this.update({ version, numSteps });
      }
    }
  }

  /** One acknowledged emit, `call(socket with the ack timeout)`; Disconnected when the connection is gone. */
  private async ack<T>(call: (timed: ReturnType<WorkerClientSocket['timeout']>) => Promise<T>): Promise<T> {
    const socket = this.socket!;
    if (!socket.connected) throw new Disconnected();
    try {
      return await call(socket.timeout(this.opts.ackTimeoutMs ?? 30_000));
    } catch (e) {
      // Socket.IO fails the acks of a connection that closed; a timeout on a live one is a real error.
      if (!socket.connected) throw new Disconnected();
      throw e;
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
