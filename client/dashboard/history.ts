import type { HistoryPoint } from '../../shared/protocol.ts';

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
