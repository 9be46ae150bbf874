import { describe, expect, it } from 'vitest';
import { envSpec } from '../../shared/envs/registry.ts';
import { decodeActions } from '../../shared/envs/trace.ts';
import { TraceBook } from './traceBook.ts';

describe('TraceBook', () => {
  const trace = (seed: number, n: number) => ({ seed, actions: Float32Array.from({ length: n }, (_, i) => i % 2) });

  it('numbers reports, answers for any episode of the last `keep` ones, and forgets older ones', () => {
    const spec = envSpec('CartPole-v1');
    const book = new TraceBook(spec, 2);
    expect(book.add([trace(1, 10), trace(2, 12)])).toBe(0);
    expect(book.add([])).toBe(1);
    const reply = book.answer({ seq: 0, episode: 1 });
    expect(reply.ok && reply.seed).toBe(2);
    expect(reply.ok && Array.from(decodeActions(spec, reply.actions, 12))).toEqual(Array.from(trace(2, 12).actions));
    expect(book.answer({ seq: 0, episode: 2 })).toMatchObject({ ok: false, error: expect.stringMatching(/no trace/) });
    expect(book.add([trace(3, 5)])).toBe(2);
    expect(book.answer({ seq: 0, episode: 0 })).toMatchObject({ ok: false }); // forgotten: only the last 2 reports are kept
    expect(book.answer({ seq: 2, episode: 0 })).toMatchObject({ ok: true, seed: 3 });
  });

  it('refuses a malformed request', () => {
    const book = new TraceBook(envSpec('Pendulum-v1'));
    for (const req of [null, 'x', { seq: -1, episode: 0 }, { seq: 0 }, { seq: 0, episode: 1.5 }]) {
      expect(book.answer(req)).toEqual({ ok: false, error: 'malformed spot check request' });
    }
  });
});
