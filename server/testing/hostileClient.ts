/**
 * A hand-written hostile worker for tests: a plain socket.io-client socket that speaks the
 * worker protocol but sends whatever a test tells it to (fake reports, pushes without acks,
 * unknown events, a forged Origin), as a modified tab could.
 */
import { io, type Socket } from 'socket.io-client';
import type { TrainConfig } from '../../shared/config.ts';
import {
  DASHBOARD_NAMESPACE, WORKER_NAMESPACE, type ClientToServerEvents, type JoinReply, type PushReply, type PushRequest, type RolloutAck, type RolloutReport,
  type ServerToClientEvents,
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
  return { s, reply };
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

export function push(s: HostileSocket, req: unknown): Promise<PushReply> {
  return s.timeout(5000).emitWithAck('push', req as PushRequest);
}

/** Emits any event with any arguments and no ack callback. */
export function emitRaw(s: HostileSocket, event: string, ...args: unknown[]): void {
  (s as unknown as Socket).emit(event, ...args);
}
