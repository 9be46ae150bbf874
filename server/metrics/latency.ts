import { nearestRank } from '../../shared/median.ts';

/** A fixed-size window of the latest latency samples (ms), for percentiles without per-sample allocation. */
export interface LatencySummary {
  n: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
}

export class LatencyWindow {
  private readonly samples: Float64Array;
  private filled = 0;
  private next = 0;

  constructor(capacity: number) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    if (this.filled < this.samples.length) this.filled++;
  }

  reset(): void {
    this.filled = 0;
    this.next = 0;
  }

  /** Nearest-rank percentiles over the samples held. */
  summary(): LatencySummary {
    if (this.filled === 0) return { n: 0, p50: null, p99: null, max: null };
    const s = this.samples.slice(0, this.filled).sort();
    return { n: this.filled, p50: nearestRank(s, 0.5)!, p99: nearestRank(s, 0.99)!, max: s[s.length - 1] };
  }
}
