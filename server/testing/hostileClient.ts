/**
 * A hand-written hostile worker for tests: a plain socket.io-client socket that speaks the
 * worker protocol but sends whatever a test tells it to (fake reports, pushes without acks,
 * unknown events, a forged Origin, made-up answers to spot checks), as a modified tab could.
 */
import { io, type Socket } from 'socket.io-client';
import type { TrainConfig } from '../../shared/config.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, type ClientToServerEvents, type JoinReply, type PushReply, type PushRequest, type RolloutAck, type RolloutReport,
  type ServerToClientEvents, type SpotCheckReply, type SpotCheckRequest,
} from '../../shared/protocol.ts';

export type HostileSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const hostileJoin = { backend: 'cpu' as const, adapter: 'hostile', timings: [], userAgent: 'hostile' };

export interface ConnectOptions {
  /** The Origin header the WebSocket handshake carries, as a browser page of that origin would send it; none by default. */
  origin?: string;
  namespace?: typeof WORKER_NAMESPACE | typeof DASHBOARD_NAMESPACE;
}

/** Opens a WebSocket-only connection; rejects with the connect error when the coordinator refuses it. */
export async function connectHostile(url: string, opts: ConnectOptions = {}): Promise<HostileSocket> {
  const s: HostileSocket = io(url + (opts.namespace ?? WORKER_NAMESPACE), {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    // In Node the WebSocket transport hands these to ws as the handshake's headers.
    ...(opts.origin !== undefined && { extraHeaders: { Origin: opts.origin } }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('connect_error', reject);
    });
  } catch (e) {
    s.disconnect();
    throw e;
  }
  return s;
}

/** Connects and joins; the reply's fields for the test to use. */
export async function joinHostile(url: string, opts: ConnectOptions = {}): Promise<{ s: HostileSocket; reply: Extract<JoinReply, { ok: true }> }> {
  const s = await connectHostile(url, opts);
  const reply = await s.timeout(5000).emitWithAck('join', hostileJoin);
  if (!reply.ok) throw new Error(reply.error);
  noteTicket(s, reply);
  return { s, reply };
}

/** The tickets each socket was sent, by the version of the params they came with (the newest for each version). */
const ticketsOf = new WeakMap<HostileSocket, Map<number, number>>();

/** Keeps the ticket a join or push reply carries, to name it in pushes of that version (see `push`). */
export function noteTicket(s: HostileSocket, reply: { ok: boolean; version?: number; ticket?: number }): void {
  if (!reply.ok || reply.ticket === undefined || reply.version === undefined) return;
  let m = ticketsOf.get(s);
  if (!m) ticketsOf.set(s, (m = new Map()));
  m.set(reply.version, reply.ticket);
}

/** The ticket `s` was last sent with params at `version` (undefined if none). */
export function ticketFor(s: HostileSocket, version: number): number | undefined {
  return ticketsOf.get(s)?.get(version);
}

/** A rollout report of the size the coordinator assigns (numEnvs x numSteps env steps) with `overrides`, anything at all. */
export function fakeReport(config: TrainConfig, overrides: Record<string, unknown> = {}): RolloutReport {
  const report = {
    rolloutVersion: 0, envSteps: config.numEnvs * config.numSteps, episodeReturns: [], episodeLengths: [], losses: {}, rolloutSps: 1000,
    stageSeconds: { collect: 1, gradient: 1, push: 0, setParams: 0 }, norm: {}, ...overrides,
  };
  return report as RolloutReport;
}

/** `n` episodes that each last `length` steps and return `ret`. */
export function episodes(n: number, length: number, ret = length): { episodeReturns: number[]; episodeLengths: number[] } {
  return { episodeReturns: new Array<number>(n).fill(ret), episodeLengths: new Array<number>(n).fill(length) };
}

export function report(s: HostileSocket, r: unknown): Promise<RolloutAck> {
  return s.timeout(5000).emitWithAck('rollout', r as RolloutReport);
}

/**
 * Pushes `req` as it is, except that an object naming a version but no ticket gets the ticket `s`
 * was sent with params at that version, as a worker would name it; the reply's ticket is kept.
 */
export async function push(s: HostileSocket, req: unknown): Promise<PushReply> {
  let sent = req;
  if (typeof req === 'object' && req !== null && !('ticket' in req) && 'version' in req && typeof req.version === 'number') {
    const ticket = ticketFor(s, req.version);
    if (ticket !== undefined) sent = { ...req, ticket };
  }
  const reply = await s.timeout(5000).emitWithAck('push', sent as PushRequest);
  noteTicket(s, reply);
  return reply;
}

/** Emits any event with any arguments and no ack callback. */
export function emitRaw(s: HostileSocket, event: string, ...args: unknown[]): void {
  (s as unknown as Socket).emit(event, ...args);
}

/** Answers every spot check `s` is sent with `answer(request)`, whatever it returns (a trace, a refusal, garbage). */
export function answerSpotChecks(s: HostileSocket, answer: (req: SpotCheckRequest) => unknown): void {
  s.on('spotCheck', (req, ack) => ack(answer(req) as SpotCheckReply));
}
