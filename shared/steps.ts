/**
 * Long work written as a generator that pauses after each step (the coordinator's evaluation,
 * spot checks' replays), so that a caller that must stay responsive can spread it over the event
 * loop (server/slices.ts), and one that need not runs it to its end at once (`runToEnd`).
 */

/** Steps `steps` until it returns, and returns its result. */
export function runToEnd<T>(steps: Generator<void, T, void>): T {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}
