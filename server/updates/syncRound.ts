/**
 * One round of synchronous mode, the baseline async is compared with: gradients computed at the
 * same version, at most one per worker, are held until the round closes; then their mean is one
 * optimizer step. The round closes when `target` gradients are in, or at the straggler cutoff
 * (the coordinator's timer) with whatever has arrived. A worker that leaves before the round
 * closes takes its gradient out: work from a departed worker is never counted.
 *
 * Each worker's gradient is copied into a buffer kept for that worker, so rounds allocate nothing.
 */
/** Gradients trimmed from each end of each coordinate in a robust round of `k`: a quarter, rounded up, once there are 3 (3 and 4: the median or the middle two). */
export function trimmedCount(k: number): number {
  return k >= 3 ? Math.ceil(k / 4) : 0;
}

export class SyncRound<Reply> {
  /** When the first gradient of the round arrived (performance.now()), null while empty. */
  openedAt: number | null = null;
  private readonly buffers = new Map<string, Float32Array>();
  private readonly pending = new Map<string, Reply>();

  constructor(readonly size: number) {}

  get count(): number {
    return this.pending.size;
  }

  has(workerId: string): boolean {
    return this.pending.has(workerId);
  }

  /** Adds a worker's gradient (copied) with the reply to send when the round closes; false if it already has one here. */
  add(workerId: string, grad: Float32Array, reply: Reply, now = performance.now()): boolean {
    if (grad.length !== this.size) throw new Error(`SyncRound: gradient of ${grad.length} values, expected ${this.size}`);
    if (this.pending.has(workerId)) return false;
    let buf = this.buffers.get(workerId);
    if (!buf) {
      buf = new Float32Array(this.size);
      this.buffers.set(workerId, buf);
    }
    buf.set(grad);
    this.pending.set(workerId, reply);
    this.openedAt ??= now;
    return true;
  }

  /** Takes a departed worker's gradient out of the round (and frees its buffer); true if it had one in. */
  remove(workerId: string): boolean {
    this.buffers.delete(workerId);
    const had = this.pending.delete(workerId);
    if (this.pending.size === 0) this.openedAt = null;
    return had;
  }

  /**
   * Closes the round: writes the mean of its gradients into `out` (summed in float64) and returns
   * the replies owed. With `trim` > 0, the coordinate-wise trimmed mean: for each coordinate the
   * `trim` lowest and `trim` highest values are left out (so up to `trim` hostile gradients cannot
   * pull any coordinate outside the range of the others).
   */
  close(out: Float32Array, trim = 0): Reply[] {
    const bufs = [...this.pending.keys()].map((id) => this.buffers.get(id)!);
    const k = bufs.length;
    const t = Math.max(0, Math.min(trim, Math.floor((k - 1) / 2)));
    const column = new Float64Array(k);
    for (let i = 0; i < this.size; i++) {
      let s = 0;
      if (t === 0) {
        for (let j = 0; j < k; j++) s += bufs[j][i];
      } else {
        for (let j = 0; j < k; j++) column[j] = bufs[j][i];
        column.sort();
        for (let j = t; j < k - t; j++) s += column[j];
      }
      out[i] = k > 0 ? s / (k - 2 * t) : 0;
    }
    return this.clear();
  }

  /** Empties the round without a mean (the run ended); returns the replies owed. */
  clear(): Reply[] {
    const replies = [...this.pending.values()];
    this.pending.clear();
    this.openedAt = null;
    return replies;
  }
}
