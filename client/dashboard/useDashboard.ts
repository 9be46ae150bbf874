import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import {
  DASHBOARD_NAMESPACE,
  type DashboardClientToServer,
  type DashboardServerToClient,
  type DashboardSnapshot,
} from '../../shared/protocol.ts';
import { appendHistory } from './history.ts';

export type Connection = 'connecting' | 'connected' | 'disconnected';

export interface DashboardState {
  connection: Connection;
  /** Null until the first snapshot arrives. */
  data: DashboardSnapshot | null;
}

/** Subscribes to the coordinator's dashboard namespace: a snapshot on connect, then ticks. */
export function useDashboard(): DashboardState {
  const [connection, setConnection] = useState<Connection>('connecting');
  const [data, setData] = useState<DashboardSnapshot | null>(null);

  useEffect(() => {
    const socket: Socket<DashboardServerToClient, DashboardClientToServer> = io(DASHBOARD_NAMESPACE);
    socket.on('connect', () => setConnection('connected'));
    socket.on('disconnect', () => setConnection('disconnected'));
    socket.on('connect_error', () => setConnection('disconnected'));
    socket.on('snapshot', (s) => setData(s));
    socket.on('tick', (t) =>
      setData((prev) => ({
        status: t.status,
        workers: t.workers,
        history: appendHistory(prev?.history ?? [], t.points),
      })),
    );
    return () => {
      socket.disconnect();
    };
  }, []);

  return { connection, data };
}
