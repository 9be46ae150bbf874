/** A count's rate over a sliding window of wall time, e.g. a tab's env steps per second. */
export class Rate {
  private readonly samples: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Records the cumulative `count` at time `at` (ms); a count below the last one (a new run) starts over. */
  add(at: number, count: number): void {
    const last = this.samples.at(-1);
    if (last && count < last.count) this.samples.length = 0;
    this.samples.push({ at, count });
    while (this.samples.length > 2 && this.samples[1].at <= at - this.windowMs) this.samples.shift();
  }

  /** Per second over the window (from the oldest sample kept to the newest); 0 before two samples. */
  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.at <= first.at) return 0;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }
}
