/**
 * The ParameterServer owns the live parameters and the Adam state, and decides every pushed
 * gradient with one rule, in this order:
 *   1. decode          by the run's updateCodec; not binary -> 'malformed'; wrong byte or element count -> 'wrongSize'
 *   2. version gate    see `stalenessDecision` -> 'malformed' | 'stale'
 *   3. finiteness      any NaN/Infinity -> 'nonFinite'
 *   4. norm            L2 norm > maxUpdateNorm -> 'normTooLarge'
 *   then clip to maxGradNorm (as torch.nn.utils.clip_grad_norm_), one Adam step, version += 1.
 * Every decision is counted exactly once; a rejected update changes nothing.
 */
import { CodecError, firstNonFinite } from '../../shared/codec.ts';
import { decodeUpdateInto } from '../../shared/updateCodec.ts';
import type { TrainConfig } from '../../shared/config.ts';
import { REJECT_REASONS, type RejectReason } from '../../shared/protocol.ts';
import { Adam } from './adam.ts';
import { stalenessDecision } from './gate.ts';

export type ParameterServerConfig = Pick<
  TrainConfig,
  'adamBeta1' | 'adamBeta2' | 'adamEps' | 'maxGradNorm' | 'maxStaleness' | 'maxUpdateNorm' | 'maxPolicyLag' | 'stalenessScaling' | 'updateCodec'
>;

export type CheckResult =
  | { accepted: true; grad: Float32Array; gradNorm: number; staleness: number }
  | { accepted: false; reason: RejectReason; error: string };

export type ApplyResult =
  | { accepted: true; staleness: number; gradNorm: number; version: number }
  | { accepted: false; reason: RejectReason; error: string };

export class ParameterServer {
  /** Number of applied updates; the version every gradient names. */
  version = 0;
  readonly adam: Adam;
  readonly counts: { accepted: number; rejected: Record<RejectReason, number> };
  /** stalenessHistogram[s] = accepted updates that were s versions old. */
  readonly stalenessHistogram: number[];
  /** The live parameters, updated in place (the optimizer's own array). */
  readonly params: Float32Array;

  constructor(initialParams: Float32Array, readonly cfg: ParameterServerConfig) {
    this.adam = new Adam(initialParams.length, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps });
    this.params = this.adam.params;
    this.params.set(initialParams);
    const rejected = {} as Record<RejectReason, number>;
    for (const r of REJECT_REASONS) rejected[r] = 0;
    this.counts = { accepted: 0, rejected };
    this.stalenessHistogram = [0];
  }

  /**
   * Decides one pushed gradient computed at `gradVersion` from a rollout collected at
   * `rolloutVersion`; applies it with learning rate `lr` (divided by 1 + staleness when
   * stalenessScaling is on) if accepted.
   */
  apply(gradBin: unknown, gradVersion: number, lr: number, rolloutVersion = gradVersion): ApplyResult {
    const c = this.check(gradBin, gradVersion, rolloutVersion);
    if (!c.accepted) return c;
    this.step(c.grad, c.gradNorm, this.cfg.stalenessScaling ? lr / (1 + c.staleness) : lr, c.staleness);
    return { accepted: true, staleness: c.staleness, gradNorm: c.gradNorm, version: this.version };
  }

  /**
   * Rules 1-4 without the step: the decoded gradient (valid until the next check) or a counted
   * rejection. `maxStaleness` is the config's unless given (sync rounds pass 0).
   */
  check(gradBin: unknown, gradVersion: number, rolloutVersion = gradVersion, maxStaleness = this.cfg.maxStaleness): CheckResult {
    let grad: Float32Array;
    try {
      // The optimizer's gradient array: the one copy between the socket's bytes and the step.
      grad = decodeUpdateInto(this.cfg.updateCodec, gradBin, this.adam.grad);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return this.reject(e.code === 'notBinary' ? 'malformed' : 'wrongSize', e.message);
    }

    const gate = stalenessDecision(this.version, gradVersion, maxStaleness, rolloutVersion, this.cfg.maxPolicyLag);
    if (!gate.accept) {
      if (gate.reason === 'stale') {
        return this.reject('stale', `update computed at version ${gradVersion} is ${gate.staleness} versions old (current ${this.version}, maxStaleness ${maxStaleness})`);
      }
      if (gate.reason === 'policyLag') {
        return this.reject('policyLag', `rollout collected at version ${rolloutVersion} is ${this.version - rolloutVersion} versions old (maxPolicyLag ${this.cfg.maxPolicyLag}): collect a new one`);
      }
      return this.reject('malformed', `versions must be integers with 0 <= rolloutVersion <= version <= ${this.version}, got ${String(rolloutVersion)} and ${String(gradVersion)}`);
    }

    // One pass for the norm (over the optimizer's gradient array, where the decode wrote); a NaN or
    // Infinity anywhere makes it non-finite, and only then is it looked for.
    const gradNorm = this.adam.gradNorm();
    if (!Number.isFinite(gradNorm)) {
      const bad = firstNonFinite(grad);
      if (bad >= 0) return this.reject('nonFinite', `gradient has a non-finite value (${grad[bad]}) at index ${bad}`);
    }
    if (gradNorm > this.cfg.maxUpdateNorm) {
      return this.reject('normTooLarge', `gradient L2 norm ${gradNorm} exceeds maxUpdateNorm ${this.cfg.maxUpdateNorm}`);
    }
    return { accepted: true, grad, gradNorm, staleness: gate.staleness };
  }

  /**
   * One optimizer step with a checked gradient: clip to maxGradNorm, Adam at `lr`, version += 1.
   * Counts `updates` accepted updates of the given staleness (a sync round's average counts each of its gradients).
   */
  step(grad: Float32Array, gradNorm: number, lr: number, staleness: number, updates = 1): void {
    const clipScale = Math.min(1, this.cfg.maxGradNorm / (gradNorm + 1e-6));
    this.adam.step(grad, lr, clipScale);
    this.version += 1;
    this.counts.accepted += updates;
    while (this.stalenessHistogram.length <= staleness) this.stalenessHistogram.push(0);
    this.stalenessHistogram[staleness] += updates;
  }

  /** Counts one rejection; public so the coordinator can count the ones it decides itself (rateLimited, notJoined, finished). */
  reject(reason: RejectReason, error: string): { accepted: false; reason: RejectReason; error: string } {
    this.counts.rejected[reason] += 1;
    return { accepted: false, reason, error };
  }

  /**
   * A view (no copy) of the live parameters' bytes. It changes with the next accepted update,
   * so copy it (`.slice()`) if it may be read after that, e.g. when a socket write is queued.
   */
  paramsBinary(): Uint8Array {
    return new Uint8Array(this.params.buffer, this.params.byteOffset, this.params.byteLength);
  }
}
