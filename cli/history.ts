/**
 * A run's history on disk: history.jsonl gets one line per history point as it is made, so a
 * killed coordinator loses at most the tick in progress. A resumed run continues the history of
 * the run it resumes: the points up to its checkpoint are kept, those after it (made by a
 * coordinator killed before its next checkpoint) describe training that was lost and are dropped.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { HistoryPoint } from '../shared/protocol.ts';

/** The points of a history.jsonl file (none if it does not exist; a line cut short by a kill is skipped). */
export async function readHistoryLines(path: string): Promise<HistoryPoint[]> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const points: HistoryPoint[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const p = JSON.parse(line) as HistoryPoint;
      if (typeof p?.envSteps === 'number' && typeof p.version === 'number' && typeof p.wallS === 'number') points.push(p);
    } catch {
      // the last line of a killed run may be partial
    }
  }
  return points;
}

/** The points of a run's history made before its checkpoint at `version`, `envSteps` and `wallS` training seconds (when known). */
export function historyUpTo(points: readonly HistoryPoint[], version: number, envSteps: number, wallS = Infinity): HistoryPoint[] {
  return points.filter((p) => p.version <= version && p.envSteps <= envSteps && p.wallS <= wallS);
}

export interface HistoryWriter {
  write(point: HistoryPoint | undefined): void;
  close(): void;
}

/**
 * Starts `path` anew holding `earlier` (written to a temporary file and renamed, so a crash now
 * leaves the old file or the new one), then appends each point written. A failed write is reported
 * once through `onError` and ends the log, not the run.
 */
export async function historyWriter(path: string, earlier: readonly HistoryPoint[], onError: (message: string) => void): Promise<HistoryWriter> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, earlier.map((p) => `${JSON.stringify(p)}\n`).join(''));
  await rename(tmp, path);
  let fd: number | null = openSync(path, 'a');
  const fail = (e: unknown) => {
    onError(`cannot append to ${path}, history streaming stops: ${e instanceof Error ? e.message : String(e)}`);
    if (fd !== null) try { closeSync(fd); } catch { /* already failing */ }
    fd = null;
  };
  return {
    write(point) {
      if (fd === null || point === undefined) return;
      try { writeSync(fd, `${JSON.stringify(point)}\n`); } catch (e) { fail(e); }
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
