/**
 * A simulated hostile worker that computes its updates on fabricated data (bench/trust.ts,
 * server/trust.test.ts): an honest RolloutWorker in every other respect (the same envs, PPO epochs,
 * local-mode deltas and protocol), whose reports and spot-check traces are its real episodes, so a
 * spot check passes. Before each minibatch's gradient it negates the minibatch's advantages: its
 * policy learns to prefer the actions that did worse, while its critic learns the real returns
 * (half of the params moving as an honest tab's do, which is what hides it from a test of the whole
 * update's direction).
 */
import { RolloutWorker } from '../../client/worker/rolloutWorker.ts';
import type { MinibatchArrays } from '../../shared/ppo/learner.ts';
import type { Backend } from '../../shared/protocol.ts';
import type { AttackerStats } from './simulatedAttacker.ts';

export const FABRICATED = 'fabricated';

/** The fabrication: each advantage negated (before the loss normalizes them). */
export function negateAdvantages(mb: MinibatchArrays): void {
  for (let i = 0; i < mb.size; i++) mb.advantages[i] = -mb.advantages[i];
}

export class FabricatedAttacker {
  private readonly worker: RolloutWorker;

  /** `backend`: the tfjs backend the process has set (only reported to the coordinator). */
  constructor(url: string, backend: Backend) {
    this.worker = new RolloutWorker({
      url, backend, adapter: 'node', timings: [], userAgent: `attacker ${FABRICATED}`, ackTimeoutMs: 120_000, fabricateMinibatch: negateAdvantages,
    });
  }

  /** What it pushed and how each push was answered (as SimulatedAttacker's). */
  get stats(): AttackerStats {
    const s = this.worker.status;
    const quarantined = (s.rejectedBy.quarantined ?? 0) > 0;
    return {
      workerId: s.workerId, pushes: s.accepted + s.rejected, accepted: s.accepted, acceptedTurned: 0, rejected: { ...s.rejectedBy }, quarantined,
      // A quarantined worker's push is refused outright, which ends its training: that is not an error here.
      ...(s.state === 'error' && !quarantined && { error: s.message }),
    };
  }

  stop(): void {
    this.worker.stop();
  }

  /** Joins and trains on fabricated minibatches until the run is over, it is quarantined, or stop(). */
  async run(): Promise<AttackerStats> {
    await this.worker.run();
    return this.stats;
  }
}
