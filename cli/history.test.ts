import { describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyUpTo, historyWriter, readHistoryLines } from './history.ts';

const point = (version: number, envSteps: number) => ({ wallS: version / 2, envSteps, version, metrics: { v: version } });

describe('run history on disk', () => {
  it('a resumed run keeps the points up to its checkpoint, drops the lost ones after it, and appends its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabswarm-history-'));
    const path = join(dir, 'history.jsonl');
    // a killed run: points past its last checkpoint (version 2), and a line cut short by the kill
    await writeFile(path, [point(1, 100), point(2, 200), point(3, 300)].map((p) => JSON.stringify(p)).join('\n') + '\n');
    await appendFile(path, '{"wallS": 2, "envS');
    const read = await readHistoryLines(path);
    expect(read).toEqual([point(1, 100), point(2, 200), point(3, 300)]);
    const kept = historyUpTo(read, 2, 200);
    expect(kept).toEqual([point(1, 100), point(2, 200)]);
    // a tick after the checkpoint that saw no progress is after it all the same
    expect(historyUpTo(read, 2, 200, 0.9)).toEqual([point(1, 100)]);

    const log = await historyWriter(path, kept, (m) => { throw new Error(m); });
    log.write(point(3, 256));
    log.write(undefined);
    log.close();
    expect(await readHistoryLines(path)).toEqual([point(1, 100), point(2, 200), point(3, 256)]);
    expect((await readFile(path, 'utf8')).endsWith('\n')).toBe(true);
  });

  it('a missing file is an empty history', async () => {
    expect(await readHistoryLines(join(tmpdir(), 'no-such-dir-tabswarm', 'history.jsonl'))).toEqual([]);
  });
});
