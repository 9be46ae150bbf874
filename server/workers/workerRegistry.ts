/**
 * The worker registry: who has joined, through which socket, and each worker's lifecycle. A
 * worker joins (or resumes with the token its join gave, keeping its identity), is seen with each
 * push and report, and is dropped when its connection closes, when it is silent for
 * workerTimeoutMs, or by an operator. Nothing sent on a dropped connection counts any more.
 * A dropped worker's record is kept for workerRecordTtlMs so that it can resume, then forgotten;
 * at most maxDisconnected dropped records are kept in all (the oldest drop is forgotten first), so
 * workers that join and leave cannot grow the registry or the dashboard's list without bound.
 */
import { randomUUID } from 'node:crypto';
import { MIN_FLEET } from '../updates/robustAcceptance.ts';
import type { TrainConfig } from '../../shared/config.ts';
import { noStageSeconds, type Backend, type JoinRequest, type WorkerInfo } from '../../shared/protocol.ts';
import { TicketBook, usesPerTicket } from './tickets.ts';
import { AddressMarks } from './addressMarks.ts';
import { MIN_OFFENCES, leftInDisgrace, trustScore } from './trust.ts';

/** What the coordinator keeps per worker beyond what the dashboard sees. */
export interface WorkerRecord<S = unknown> extends WorkerInfo {
  /** Token bucket for the push rate limit. */
  tokens: number;
  refilledAt: number;
  /** Proves a resuming worker is this one. */
  resumeToken: string;
  /** The socket it works through now; null while dropped. */
  socket: S | null;
  /** performance.now() of its last join, push or rollout report. */
  lastSeenAt: number;
  /** Updates computed before this version predate its last resume and are rejected as 'dropped'. */
  minVersion: number;
  /** Steps per env of the rollout its current pushes come from (numSteps is the next one's). */
  updateSteps: number;
  /**
   * The rollout lengths it was last assigned, oldest first, numSteps last: in local mode a tab
   * learns of a new length maxPushesInFlight replies late, so a report may be of an earlier one.
   */
  assignedSteps: number[];
  /** Local mode: its idle share smoothed since numSteps was set (link sizing, schedules.ts); null before a first interval. */
  idle: number | null;
  /** accepted and envSteps at the last metrics tick, for per-worker throughput. */
  atTick: { accepted: number; envSteps: number };
  /**
   * Whether its next rollout report may count (async and sync modes): yes after a join or resume
   * and after a push decided since its last report, no right after a report. Every env step counted
   * is then tied to a rollout whose updates the coordinator saw (see Coordinator.rollout).
   */
  mayReport: boolean;
  /** performance.now() of its drop; null while connected. */
  droppedAt: number | null;
  /** The tickets of the params it was sent (tickets.ts). */
  tickets: TicketBook;
  /**
   * Async and sync modes: pushes it may still make, one rollout's worth (updateEpochs x
   * numMinibatches) after it joins and after each counted rollout report, so its updates cannot
   * outnumber what its reported rollouts justify; beyond it pushes are refused as 'overQuota'.
   */
  pushAllowance: number;
  /** Checks its messages failed (workers/trust.ts). */
  offences: number;
  /** Accepted updates since its offences, halved by each (workers/trust.ts): its fair share grows with it. */
  clean: number;
  /** The address it joined from (net/clientAddress.ts), for quarantine marks (addressMarks.ts). */
  address: string;
  /** performance.now() of its join or resume, or of its last update accepted (a sync round's quorum counts recent contributors). */
  contributedAt: number;
  /**
   * Moving average of its accepted updates per second over metrics ticks (SHARE_EWMA), started at
   * the rate of its first whole tick (the tick it joined in is part of one); null until then.
   */
  rate: number | null;
  /** Metrics ticks since it joined. */
  ticks: number;
  /** Token bucket of its fair share (see SHARE_FACTOR): refilled at its share of updates per second. */
  shareTokens: number;
  shareRefilledAt: number;
}

/** What a checkpoint keeps of a worker's record (WorkerRegistry.saved). */
const SAVED_WORKER_KEYS = [
  'workerId', 'workerIndex', 'resumeToken', 'backend', 'adapter', 'joinedAt', 'accepted', 'rejected', 'envSteps', 'offences', 'clean', 'quarantined',
  'probation', 'address',
] as const satisfies readonly (keyof WorkerRecord)[];
export type SavedWorker = Pick<WorkerRecord, (typeof SAVED_WORKER_KEYS)[number]>;

const WORKER_INFO_KEYS = [
  'workerId', 'workerIndex', 'backend', 'adapter', 'timings', 'joinedAt', 'connected', 'accepted', 'rejected', 'envSteps', 'rolloutSps',
  'stageSeconds', 'numSteps', 'meanStaleness', 'updatesPerS', 'envStepsPerS', 'trust', 'quarantined', 'probation',
] as const satisfies readonly (keyof WorkerInfo)[];

/** Weight of the newest update in a worker's moving average of staleness. */
const STALENESS_EWMA = 0.1;

/** Weight of the last tick in a worker's moving average of accepted updates per second. */
const SHARE_EWMA = 0.3;
/**
 * Fair share (async and local modes, 3 or more contributing workers): each worker may land at most
 * its share factor times the median of the contributing workers' moving averages of accepted
 * updates per second, plus SHARE_SLACK per second (a token bucket holding one second's worth, so
 * the limit holds from a worker's first second); beyond it its pushes are refused as 'overShare'.
 * The factor starts at SHARE_FACTOR and grows by one per SHARE_EARN_UPDATES clean accepted updates
 * (accepted updates since its offences, each offence halving the count: trust.ts), up to
 * MAX_SHARE_FACTOR. A fresh worker pushing as fast as round trips allow (a flood of made-up
 * updates) then lands about as many updates as SHARE_FACTOR median ones, and an honest tab that
 * really is faster than the median earns a share of up to MAX_SHARE_FACTOR median ones.
 */
export const SHARE_FACTOR = 2;
export const MAX_SHARE_FACTOR = 8;
export const SHARE_EARN_UPDATES = 16;
export const SHARE_SLACK = 1;

/** The factor of `w`'s fair share (see SHARE_FACTOR). */
export function shareFactor(w: { clean: number }): number {
  return Math.min(MAX_SHARE_FACTOR, SHARE_FACTOR + w.clean / SHARE_EARN_UPDATES);
}

/** Most dropped workers' records kept for resuming (see the file's comment). */
export const MAX_DISCONNECTED_RECORDS = 1000;

export class WorkerRegistry<S> {
  readonly workers = new Map<string, WorkerRecord<S>>();
  /** Median of the contributing workers' `rate` at the last tick (0 with fewer than 3 contributing). */
  fairRate = 0;
  /** The dropped workers, by workerId, oldest drop first. */
  private readonly dropped = new Map<string, WorkerRecord<S>>();
  private nextWorkerIndex = 0;
  /** Quarantine marks by address (addressMarks.ts). */
  readonly marks: AddressMarks;

  constructor(
    private readonly config: TrainConfig,
    private readonly onDrop: (w: WorkerRecord<S>, socket: S | null) => void,
    private readonly maxDisconnected = MAX_DISCONNECTED_RECORDS,
  ) {
    this.marks = new AddressMarks(config.quarantineHalfLifeMs);
  }

  /**
   * A new worker, or the one `req.resume` names when its token matches (a connection it left
   * behind is dropped first). Updates it computed before `version` will count as 'dropped'. A new
   * worker from `address` is refused, or starts on probation, by the address's quarantine marks.
   */
  join(req: JoinRequest, socket: S, version: number, now = performance.now(), address = 'unknown'): WorkerRecord<S> | string {
    let w: WorkerRecord<S>;
    if (req.resume) {
      const known = this.workers.get(req.resume.workerId);
      if (!known || known.resumeToken !== req.resume.resumeToken) return 'cannot resume: unknown worker or wrong resume token';
      w = known;
      if (w.socket) this.drop(w);
      this.dropped.delete(w.workerId);
      w.minVersion = version;
      w.tickets.clear();
    } else {
      const standing = this.marks.standing(address, now);
      if (standing.refusedForMs > 0) {
        return `workers from this address were quarantined ${Math.ceil(standing.marks)} times lately: new workers from it are refused for ${Math.ceil(standing.refusedForMs / 1000)} s more`;
      }
      w = this.newRecord(randomUUID().slice(0, 8), this.nextWorkerIndex++, req.backend, req.adapter, randomUUID(), address, now);
      w.timings = req.timings;
      w.probation = standing.probation;
      this.workers.set(w.workerId, w);
    }
    w.connected = true;
    w.socket = socket;
    w.lastSeenAt = now;
    w.mayReport = true;
    w.pushAllowance = this.rolloutPushes();
    w.contributedAt = now;
    w.droppedAt = null;
    return w;
  }

  /** Marks a worker gone; `onDrop` closes its socket and takes back what it had waiting. It may resume until its record expires. */
  drop(w: WorkerRecord<S>, now = performance.now()): void {
    // Leaving before its quarantine does not shed it: the address keeps the marks it had coming.
    if (w.socket && leftInDisgrace(w)) this.marks.mark(w.address, Math.min(1, w.offences / MIN_OFFENCES), now);
    const socket = w.socket;
    w.connected = false;
    w.socket = null;
    w.droppedAt = now;
    this.dropped.set(w.workerId, w);
    this.capDropped();
    this.onDrop(w, socket);
  }

  /** Over maxDisconnected dropped records, the oldest drops are forgotten now rather than at their expiry. */
  private capDropped(): void {
    for (const old of this.dropped.values()) {
      if (this.dropped.size <= this.maxDisconnected) break;
      this.forget(old);
    }
  }

  /** `w` was quarantined now: its address is marked (addressMarks.ts). */
  markQuarantined(w: WorkerRecord<S>, now = performance.now()): void {
    this.marks.mark(w.address, 1, now);
  }

  private forget(w: WorkerRecord<S>): void {
    this.dropped.delete(w.workerId);
    this.workers.delete(w.workerId);
  }

  /** A record with nothing done yet, not connected. */
  private newRecord(workerId: string, workerIndex: number, backend: Backend, adapter: string, resumeToken: string, address: string, now: number): WorkerRecord<S> {
    return {
      workerId,
      workerIndex,
      backend,
      adapter,
      timings: [],
      joinedAt: Date.now(),
      connected: false,
      accepted: 0,
      rejected: 0,
      envSteps: 0,
      rolloutSps: 0,
      stageSeconds: noStageSeconds(),
      numSteps: this.config.numSteps,
      updateSteps: this.config.numSteps,
      assignedSteps: [this.config.numSteps],
      idle: null,
      meanStaleness: 0,
      updatesPerS: 0,
      envStepsPerS: 0,
      tokens: this.config.maxPushesPerSecond,
      refilledAt: now,
      resumeToken,
      socket: null,
      lastSeenAt: now,
      minVersion: 0,
      atTick: { accepted: 0, envSteps: 0 },
      mayReport: true,
      droppedAt: null,
      tickets: new TicketBook(usesPerTicket(this.config)),
      pushAllowance: 0,
      offences: 0,
      clean: 0,
      address,
      trust: 1,
      quarantined: false,
      probation: false,
      contributedAt: now,
      rate: null,
      ticks: 0,
      shareTokens: 1,
      shareRefilledAt: now,
    };
  }

  /**
   * What a checkpoint keeps of each worker the registry remembers: who it is, what it did and how
   * far it is trusted, so that after a resume a tab resuming with its token carries on with its
   * record (a quarantined worker stays quarantined).
   */
  saved(): SavedWorker[] {
    return [...this.workers.values()].map((w) => Object.fromEntries(SAVED_WORKER_KEYS.map((k) => [k, w[k]])) as SavedWorker);
  }

  /**
   * The records of a checkpoint's workers, as workers dropped `now`: each may resume with its token
   * until workerRecordTtlMs from now, and is then forgotten like any dropped worker.
   */
  restore(saved: SavedWorker[], now = performance.now()): void {
    for (const s of saved) {
      const w = Object.assign(this.newRecord(s.workerId, s.workerIndex, s.backend, s.adapter, s.resumeToken, s.address, now), s);
      w.atTick = { accepted: s.accepted, envSteps: s.envSteps };
      w.trust = trustScore(s.accepted, s.offences);
      this.workers.set(w.workerId, w);
      this.nextWorkerIndex = Math.max(this.nextWorkerIndex, s.workerIndex + 1);
      w.droppedAt = now;
      this.dropped.set(w.workerId, w);
    }
    this.capDropped();
  }

  /** One token of the push rate limit (maxPushesPerSecond, bursts up to one second's worth); false when none is left. */
  takeToken(w: WorkerRecord<S>, now = performance.now()): boolean {
    const rate = this.config.maxPushesPerSecond;
    w.tokens = Math.min(rate, w.tokens + ((now - w.refilledAt) / 1000) * rate);
    w.refilledAt = now;
    if (w.tokens < 1) return false;
    w.tokens -= 1;
    return true;
  }

  /** Pushes one rollout gives in async and sync modes (one per minibatch per epoch). */
  rolloutPushes(): number {
    return this.config.updateEpochs * this.config.numMinibatches;
  }

  /** Folds the staleness of one update the worker pushed into its moving average (work sizing reads it). */
  noteStaleness(w: WorkerRecord<S>, staleness: number): void {
    w.meanStaleness += STALENESS_EWMA * (staleness - w.meanStaleness);
  }

  connectedCount(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.connected) n++;
    return n;
  }

  /**
   * Connected workers whose updates count (not quarantined), and with `within` only those that
   * joined or had an update accepted in the last `within` ms.
   */
  contributingCount(within = Infinity, now = performance.now()): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.connected && !w.quarantined && now - w.contributedAt <= within) n++;
    return n;
  }

  /**
   * Per tick: forgets workers dropped more than workerRecordTtlMs ago, drops workers silent for
   * workerTimeoutMs and updates each one's rates over the last `dt` seconds.
   */
  tick(dt: number, now = performance.now()): void {
    for (const w of this.dropped.values()) {
      if (now - w.droppedAt! <= this.config.workerRecordTtlMs) break; // oldest drop first: the rest are younger
      this.forget(w);
    }
    this.marks.prune(now);
    for (const w of this.workers.values()) {
      if (w.connected && now - w.lastSeenAt > this.config.workerTimeoutMs) this.drop(w);
      w.updatesPerS = (w.accepted - w.atTick.accepted) / dt;
      w.envStepsPerS = (w.envSteps - w.atTick.envSteps) / dt;
      // Started at its first sample, not at 0: from 0 every rate, the median too, would take several
      // ticks to come up to what the workers do, and meanwhile the share would refuse honest updates.
      if (++w.ticks >= 2) w.rate = w.rate === null ? w.updatesPerS : w.rate + SHARE_EWMA * (w.updatesPerS - w.rate);
      w.atTick.accepted = w.accepted;
      w.atTick.envSteps = w.envSteps;
    }
    const rates: number[] = [];
    for (const w of this.workers.values()) if (w.connected && !w.quarantined && w.rate !== null) rates.push(w.rate);
    rates.sort((a, b) => a - b);
    this.fairRate = rates.length >= MIN_FLEET ? rates[rates.length >> 1] : 0;
  }

  /** Whether `w` has used up its fair share of accepted updates for now (see SHARE_FACTOR). */
  overShare(w: WorkerRecord<S>, now = performance.now()): boolean {
    const rate = shareFactor(w) * this.fairRate + SHARE_SLACK;
    w.shareTokens = Math.min(rate, w.shareTokens + ((now - w.shareRefilledAt) / 1000) * rate);
    w.shareRefilledAt = now;
    return this.fairRate > 0 && w.shareTokens < 1;
  }

  /** One accepted update of `w` against its fair share (none while there is no share to hold to, so no debt builds up). */
  spendShare(w: WorkerRecord<S>): void {
    if (this.fairRate > 0) w.shareTokens = Math.max(0, w.shareTokens - 1);
  }

  /** The dashboard's view of every worker. */
  list(): WorkerInfo[] {
    const list: WorkerInfo[] = [];
    for (const w of this.workers.values()) {
      const info: Partial<Record<keyof WorkerInfo, unknown>> = {};
      for (const k of WORKER_INFO_KEYS) info[k] = w[k];
      list.push(info as WorkerInfo);
    }
    return list;
  }
}
