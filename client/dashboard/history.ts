import type { DashboardTick, HistoryPoint } from '../../shared/protocol.ts';

/** Most history points the dashboard keeps; beyond this it thins the history so long runs stay light. */
export const MAX_HISTORY_POINTS = 5000;

/**
 * Appends `points` to `history` (without mutating it). While the result is longer than `max`,
 * every other point is dropped, always keeping the newest, so the curve keeps its shape at half
 * the resolution.
 */
export function appendHistory(
  history: readonly HistoryPoint[],
  points: readonly HistoryPoint[],
  max = MAX_HISTORY_POINTS,
): HistoryPoint[] {
  let out = history.concat(points);
  while (out.length > max) {
    const last = out.length - 1;
    out = out.filter((_, i) => (last - i) % 2 === 0);
  }
  return out;
}

/**
 * Ticks received since the page last redrew, merged: the newest status and workers, and every
 * history point of all of them in order. The page takes them at its own pace (UPDATE_INTERVAL_MS).
 */
export class TickBuffer {
  private latest: DashboardTick | null = null;
  private points: HistoryPoint[] = [];

  add(t: DashboardTick): void {
    this.latest = t;
    this.points.push(...t.points);
  }

  /** The merged ticks since the last call (null when none came), and empties the buffer. */
  take(): DashboardTick | null {
    if (!this.latest) return null;
    const merged = { ...this.latest, points: this.points };
    this.latest = null;
    this.points = [];
    return merged;
  }

  /** Forgets what is buffered (a fresh snapshot replaces it). */
  clear(): void {
    this.latest = null;
    this.points = [];
  }
}
