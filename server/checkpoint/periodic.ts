/**
 * Periodic checkpoints of a training run (config.checkpointEverySec): a coordinator that is killed
 * mid-run leaves its latest checkpoint in the run folder, from which `--resume` continues it.
 * Each save goes through saveCheckpoint (tmp file + rename), so the file on disk is always whole.
 */
import { saveCheckpoint, type Checkpoint } from './checkpoint.ts';

export class PeriodicCheckpoints {
  private timer: NodeJS.Timeout | null = null;
  private saving: Promise<void> | null = null;

  /** `take` snapshots the run (the coordinator's checkpoint()); `onError` hears a failed save, which does not end the run. */
  constructor(
    private readonly path: string,
    private readonly take: () => Checkpoint,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Saves every `everySec` seconds from now on; 0 never (the run's end saves anyway). */
  start(everySec: number): void {
    if (everySec <= 0 || this.timer) return;
    this.timer = setInterval(() => this.save(), everySec * 1000);
  }

  /** Saves now, unless a save is still being written: a slow disk skips a beat rather than piling saves up. */
  private save(): void {
    if (this.saving) return;
    this.saving = saveCheckpoint(this.path, this.take())
      .catch((e: unknown) => this.onError(e))
      .finally(() => { this.saving = null; });
  }

  /**
   * Saves now (an admin's "checkpoint now"), after any save still being written, and returns the
   * file's path; rejects if this save fails.
   */
  async saveNow(): Promise<string> {
    while (this.saving) await this.saving;
    const save = saveCheckpoint(this.path, this.take());
    this.saving = save.catch(() => undefined).finally(() => { this.saving = null; });
    await save;
    return this.path;
  }

  /** Stops saving; resolves once a save in progress has landed, so that the run's final save comes after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.saving;
  }
}
