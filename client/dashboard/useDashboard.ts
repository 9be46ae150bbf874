import { useCallback, useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  DASHBOARD_NAMESPACE,
  type DashboardClientToServer,
  type DashboardServerToClient,
  type DashboardSnapshot,
} from '../../shared/protocol.ts';
import type { AdminAction, AdminReply } from '../../shared/admin.ts';
import { appendHistory, TickBuffer } from './history.ts';

export type Connection = 'connecting' | 'connected' | 'disconnected';

/** The page redraws at most this often: ticks in between are merged (their history points all kept). */
export const UPDATE_INTERVAL_MS = 500;

export interface DashboardState {
  connection: Connection;
  /** Null until the first snapshot arrives. */
  data: DashboardSnapshot | null;
  /** Sends an admin request (shared/admin.ts) with `token`. */
  admin: (action: AdminAction, token: string | undefined) => Promise<AdminReply>;
}

type DashboardSocket = Socket<DashboardServerToClient, DashboardClientToServer>;

/**
 * Subscribes to the coordinator's dashboard namespace: a snapshot on connect, then ticks, merged
 * into one update per UPDATE_INTERVAL_MS so that a busy coordinator does not redraw the page per tick.
 */
export function useDashboard(): DashboardState {
  const [connection, setConnection] = useState<Connection>('connecting');
  const [data, setData] = useState<DashboardSnapshot | null>(null);
  const socketRef = useRef<DashboardSocket | null>(null);

  useEffect(() => {
    const socket: DashboardSocket = io(DASHBOARD_NAMESPACE);
    socketRef.current = socket;
    const ticks = new TickBuffer();
    socket.on('connect', () => setConnection('connected'));
    socket.on('disconnect', () => setConnection('disconnected'));
    socket.on('connect_error', () => setConnection('disconnected'));
    socket.on('snapshot', (s) => {
      ticks.clear();
      setData({ ...s, history: appendHistory([], s.history) });
    });
    socket.on('tick', (t) => ticks.add(t));
    const flush = setInterval(() => {
      const t = ticks.take();
      if (t) setData((prev) => prev && { config: prev.config, status: t.status, workers: t.workers, history: appendHistory(prev.history, t.points) });
    }, UPDATE_INTERVAL_MS);
    return () => {
      clearInterval(flush);
      socket.disconnect();
      socketRef.current = null;
    };
  }, []);

  const admin = useCallback(async (action: AdminAction, token: string | undefined): Promise<AdminReply> => {
    const socket = socketRef.current;
    if (!socket?.connected) return { ok: false, refused: false, error: 'not connected to the coordinator' };
    return socket.timeout(10_000).emitWithAck('admin', token === undefined ? { action } : { token, action });
  }, []);

  return { connection, data, admin };
}
