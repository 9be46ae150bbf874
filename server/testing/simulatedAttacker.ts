/**
 * A simulated hostile worker (bench/trust.ts, e2e/trust.spec.ts): it joins like a tab and pushes
 * harmful but well-formed updates as fast as the replies come, each with a rollout report that is
 * possible for the run (local mode carries it with the delta; the other modes send it first).
 * It computes nothing: it estimates an honest update from how the params it is sent move between
 * replies (the fleet's last steps, times the number of workers), and
 *   signFlip   pushes that estimate negated,
 *   scaled     negated and scaled to just under maxUpdateNorm,
 *   noise      Gaussian noise of the estimate's norm,
 *   constant   one fixed random direction of the estimate's norm, every time,
 *   replay     its first sign-flipped update again and again with the ticket it first had,
 *   lies       a zero update with reports of the best returns a rollout can hold; asked for an
 *              episode's trace (a spot check), it makes one up: a random seed and actions of the
 *              reported length, as a liar who played no such episode can do no better;
 *   turncoat   the estimate itself (an honest-looking update) until TURN_AFTER of its updates
 *              were accepted, enough to be past the newcomer's updates (VOUCHED_UPDATES judged
 *              ones, server/updates/robustAcceptance.ts), then the estimate negated;
 *   turncoatNoise  the same, then Gaussian noise of the estimate's norm.
 */
import { io, type Socket } from 'socket.io-client';
import type { TrainConfig } from '../../shared/config.ts';
import { decodeF32, encodeF32 } from '../../shared/codec.ts';
import { Rng } from '../../shared/rng.ts';
import { envSpec } from '../../shared/envs/registry.ts';
import { actionDim, encodeActions } from '../../shared/envs/trace.ts';
import { VOUCHED_UPDATES } from '../updates/robustAcceptance.ts';
import {
  WORKER_NAMESPACE, type ClientToServerEvents, type PushReply, type RejectReason, type RolloutReport, type ServerToClientEvents,
} from '../../shared/protocol.ts';

export const ATTACKS = ['signFlip', 'scaled', 'noise', 'constant', 'replay', 'lies', 'turncoat', 'turncoatNoise'] as const;
export type Attack = (typeof ATTACKS)[number];
/**
 * Accepted updates a turncoat pushes honestly before it turns: its first updates may come before
 * the fleet has a reference to judge them by, and only judged ones earn trust, hence a margin.
 */
export const TURN_AFTER = VOUCHED_UPDATES + 8;

/** How long it waits for a reply (the coordinator shares its process with tabs in bench/trust.ts). */
const ACK_TIMEOUT_MS = 120_000;

export interface AttackerStats {
  /** Its worker id (from the join reply). */
  workerId: string | null;
  pushes: number;
  accepted: number;
  /** Updates accepted after it turned (turncoat attacks: from its TURN_AFTER-th accepted update on). */
  acceptedTurned: number;
  rejected: Partial<Record<RejectReason, number>>;
  /** Set when the coordinator said it is quarantined. */
  quarantined: boolean;
  /** Why it stopped early (a lost connection, an ack that did not come). */
  error?: string;
}

export class SimulatedAttacker {
  readonly stats: AttackerStats = { workerId: null, pushes: 0, accepted: 0, acceptedTurned: 0, rejected: {}, quarantined: false };
  private socket: Socket<ServerToClientEvents, ClientToServerEvents> | null = null;
  private stopped = false;

  constructor(private readonly url: string, readonly attack: Attack, private readonly seed = 1) {}

  stop(): void {
    this.stopped = true;
  }

  /** Joins and attacks until the run is over, the attacker is quarantined, or stop(). */
  async run(): Promise<AttackerStats> {
    const s: Socket<ServerToClientEvents, ClientToServerEvents> = io(this.url + WORKER_NAMESPACE, { transports: ['websocket'], reconnection: false, forceNew: true });
    this.socket = s;
    let over = false;
    s.on('done', () => { over = true; });
    let seq = 0;
    const traceRng = new Rng(this.seed + 7);
    s.on('spotCheck', (_req, ack) => {
      if (typeof ack !== 'function' || envId === null) return;
      const spec = envSpec(envId);
      const actions = Float32Array.from({ length: spec.maxEpisodeSteps * actionDim(spec) }, () => (spec.actionSpace.type === 'discrete' ? traceRng.int(spec.actionSpace.n) : traceRng.uniform(-1, 1)));
      ack({ ok: true, seed: traceRng.nextUint32(), actions: encodeActions(spec, actions) });
    });
    let envId: string | null = null;
    try {
      await new Promise<void>((resolve, reject) => { s.once('connect', resolve); s.once('connect_error', reject); });
      const join = await s.timeout(ACK_TIMEOUT_MS).emitWithAck('join', { backend: 'cpu', adapter: 'simulated', timings: [], userAgent: `attacker ${this.attack}` });
      if (!join.ok) throw new Error(`join refused: ${join.error}`);
      this.stats.workerId = join.workerId;
      const config = join.config;
      envId = config.envId;
      const n = join.params.byteLength / 4;
      const rng = new Rng(this.seed);
      let params = decodeF32(join.params, n).slice();
      let prev = params.slice();
      let version = join.version;
      let prevVersion = version;
      let ticket = join.ticket;
      const constant = Float32Array.from({ length: n }, () => rng.normal());
      let first: { bytes: ArrayBuffer; version: number; ticket: number } | null = null;
      while (!this.stopped && !over && s.connected) {
        // The fleet's honest update, estimated: the last movement of the params times the workers sharing each step.
        // A turncoat takes the movement per version, one step's worth: its own accepted update is part of the
        // movement, so the whole movement would grow its estimate at every reply until the norm test refused it.
        const turncoat = this.attack === 'turncoat' || this.attack === 'turncoatNoise';
        const k = 3 / (turncoat ? Math.max(1, version - prevVersion) : 1);
        const est = new Float32Array(n);
        for (let i = 0; i < n; i++) est[i] = k * (params[i] - prev[i]);
        const estNorm = norm(est) || 0.05;
        const turned = turncoat && this.stats.accepted >= TURN_AFTER;
        let update: Float32Array;
        switch (this.attack) {
          case 'signFlip': case 'replay': update = est.map((x) => -x); break;
          case 'scaled': update = scaleTo(est.map((x) => -x), 0.99 * config.maxUpdateNorm); break;
          case 'noise': update = scaleTo(Float32Array.from({ length: n }, () => rng.normal()), estNorm); break;
          case 'constant': update = scaleTo(constant.slice(), estNorm); break;
          case 'lies': update = new Float32Array(n); break;
          case 'turncoat': update = turned ? est.map((x) => -x) : est; break;
          case 'turncoatNoise': update = turned ? scaleTo(Float32Array.from({ length: n }, () => rng.normal()), estNorm) : est; break;
        }
        const report = { ...fakeRollout(config, version, this.attack === 'lies'), seq: seq++ };
        if (config.updateMode !== 'local') {
          const ack = await s.timeout(ACK_TIMEOUT_MS).emitWithAck('rollout', report);
          if (!ack.ok && /quarantined/.test(ack.error)) this.stats.quarantined = true;
        }
        let req = { version, ticket, rolloutVersion: version, grad: encodeF32(update), ...(config.updateMode === 'local' && { report }) };
        if (this.attack === 'replay') {
          first ??= { bytes: req.grad, version, ticket };
          req = { ...req, version: first.version, rolloutVersion: first.version, ticket: first.ticket, grad: first.bytes };
        }
        const reply: PushReply = await s.timeout(ACK_TIMEOUT_MS).emitWithAck('push', req);
        this.stats.pushes++;
        if (reply.accepted) {
          this.stats.accepted++;
          if (turned) this.stats.acceptedTurned++;
        } else this.stats.rejected[reply.reason] = (this.stats.rejected[reply.reason] ?? 0) + 1;
        if (!reply.accepted && reply.reason === 'quarantined') {
          this.stats.quarantined = true;
          break;
        }
        if (reply.done) break;
        if (reply.ok && reply.params && reply.ticket !== undefined) {
          prev = params;
          prevVersion = version;
          params = decodeF32(reply.params, n).slice();
          version = reply.version;
          ticket = reply.ticket;
        }
        // Refused for its pace: wait a little, as a tab would between rollouts.
        if (!reply.accepted && (reply.reason === 'overShare' || reply.reason === 'rateLimited')) await new Promise((r) => setTimeout(r, 20));
      }
    } catch (e) {
      this.stats.error = e instanceof Error ? e.message : String(e);
    } finally {
      s.disconnect();
    }
    return this.stats;
  }
}

function norm(x: Float32Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}

function scaleTo(x: Float32Array, target: number): Float32Array {
  const k = target / (norm(x) || 1);
  for (let i = 0; i < x.length; i++) x[i] *= k;
  return x;
}

/** A report possible for one rollout of the run; with `best`, the best returns it can hold (a full window of solved episodes before long). */
function fakeRollout(config: TrainConfig, rolloutVersion: number, best: boolean): RolloutReport {
  const envSteps = config.numEnvs * config.numSteps;
  const episodes = best ? config.numEnvs : 0;
  const length = envSpec(config.envId).maxEpisodeSteps;
  return {
    rolloutVersion, envSteps, episodeReturns: new Array<number>(episodes).fill(length), episodeLengths: new Array<number>(episodes).fill(length),
    losses: {}, rolloutSps: 10_000, stageSeconds: { collect: 1, gradient: 1, push: 0, setParams: 0 }, norm: {},
  };
}
