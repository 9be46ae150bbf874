/**
 * Work that would hold the coordinator's event loop for long (the solve check's evaluation, spot
 * checks' replays) runs as a generator, stepped in slices of at most SLICE_MS one setImmediate
 * apart, so that pushes and reports keep being answered meanwhile. Queued generators run one at a
 * time, in the order queued.
 */

/** Longest one slice holds the event loop, in ms. */
export const SLICE_MS = 4;

interface Queued {
  steps: Generator<void, unknown>;
  done: (result: unknown) => void;
}

export class Slices {
  private readonly queue: Queued[] = [];
  private handle: NodeJS.Immediate | null = null;

  /** `onSpent` hears of the milliseconds each slice took. */
  constructor(private readonly onSpent: (ms: number) => void = () => {}) {}

  /** Queues `steps`; resolves with its result, or with the Error it threw (or that `cancel` gave). */
  run<T>(steps: Generator<void, T>): Promise<T | Error> {
    return new Promise((done) => {
      this.queue.push({ steps, done: done as (result: unknown) => void });
      this.handle ??= setImmediate(() => this.slice());
    });
  }

  /** Drops every queued generator: each resolves with `reason`. */
  cancel(reason: Error): void {
    if (this.handle) clearImmediate(this.handle);
    this.handle = null;
    for (const q of this.queue.splice(0)) q.done(reason);
  }

  /** Steps the queued generators for up to SLICE_MS, then yields the event loop if any is left. */
  private slice(): void {
    this.handle = null;
    const t0 = performance.now();
    const until = t0 + SLICE_MS;
    while (this.queue.length > 0 && performance.now() < until) {
      const head = this.queue[0];
      let next: IteratorResult<void, unknown> | Error;
      try {
        next = head.steps.next();
      } catch (e) {
        next = e instanceof Error ? e : new Error(String(e));
      }
      if (next instanceof Error || next.done) {
        this.queue.shift();
        head.done(next instanceof Error ? next : next.value);
      }
    }
    this.onSpent(performance.now() - t0);
    if (this.queue.length > 0) this.handle = setImmediate(() => this.slice());
  }
}
