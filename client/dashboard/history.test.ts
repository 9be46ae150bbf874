import { describe, expect, it } from 'vitest';
import { appendHistory, TickBuffer } from './history.ts';
import type { DashboardTick, HistoryPoint, RunStatus } from '../../shared/protocol.ts';

const point = (i: number): HistoryPoint => ({ wallS: i, envSteps: 10 * i, version: i, metrics: {} });
const tick = (i: number): DashboardTick => ({ status: { envSteps: 10 * i } as RunStatus, workers: [], points: [point(i)] });

describe('TickBuffer', () => {
  it('merges the ticks since the last take: the newest status, every point in order', () => {
    const b = new TickBuffer();
    expect(b.take()).toBeNull();
    for (let i = 1; i <= 4; i++) b.add(tick(i));
    const t = b.take()!;
    expect(t.status.envSteps).toBe(40);
    expect(t.points.map((p) => p.version)).toEqual([1, 2, 3, 4]);
    expect(b.take()).toBeNull();
    b.add(tick(5));
    expect(b.take()!.points.map((p) => p.version)).toEqual([5]);
    b.add(tick(6));
    b.clear();
    expect(b.take()).toBeNull();
  });
});

describe('appendHistory', () => {
  it('keeps at most max points, the newest always, in order', () => {
    let h: HistoryPoint[] = [];
    for (let i = 0; i < 1000; i++) h = appendHistory(h, [point(i)], 100);
    expect(h.length).toBeLessThanOrEqual(100);
    expect(h.length).toBeGreaterThan(50);
    expect(h.at(-1)!.version).toBe(999);
    for (let i = 1; i < h.length; i++) expect(h[i].version).toBeGreaterThan(h[i - 1].version);
  });
});
