/**
 * The ParameterServer owns the live parameters, the Adam state and the version, and checks one
 * pushed update with these rules, in this order:
 *   1. decode          by the run's updateCodec; not binary -> 'malformed'; wrong byte or element count -> 'wrongSize'
 *   2. version gate    see `stalenessDecision` -> 'malformed' | 'stale' | 'policyLag'
 *   3. finiteness      any NaN/Infinity -> 'nonFinite'
 *   4. norm            L2 norm > maxUpdateNorm -> 'normTooLarge'
 * `step` then clips a gradient to maxGradNorm (as torch.nn.utils.clip_grad_norm_) and takes one
 * Adam step; `stepDelta` moves along a local-mode delta with the outer optimizer. Each increments
 * the version. Decisions are counted by the UpdatePipeline, not here; a refused update
 * changes nothing.
 */
import { CodecError, firstNonFinite } from '../../shared/codec.ts';
import { decodeUpdateInto } from '../../shared/updateCodec.ts';
import type { TrainConfig } from '../../shared/config.ts';
import type { RejectReason } from '../../shared/protocol.ts';
import { Adam } from '../../shared/ppo/adam.ts';
import { stalenessDecision } from './gate.ts';
import { OuterSgd } from './outerSgd.ts';

export type ParameterServerConfig = Pick<
  TrainConfig,
  'adamBeta1' | 'adamBeta2' | 'adamEps' | 'maxGradNorm' | 'maxStaleness' | 'maxUpdateNorm' | 'maxPolicyLag' | 'updateCodec' | 'outerMomentum'
>;

export type Refusal = { accepted: false; reason: RejectReason; error: string };

export type CheckResult = { accepted: true; grad: Float32Array; gradNorm: number; staleness: number } | Refusal;

export const refuse = (reason: RejectReason, error: string): Refusal => ({ accepted: false, reason, error });

export class ParameterServer {
  /** Number of optimizer steps taken; the version every update names. */
  version = 0;
  readonly adam: Adam;
  readonly outer: OuterSgd;
  /** The live parameters, updated in place (the optimizer's own array). */
  readonly params: Float32Array;

  constructor(initialParams: Float32Array, readonly cfg: ParameterServerConfig) {
    this.adam = new Adam(initialParams.length, { beta1: cfg.adamBeta1, beta2: cfg.adamBeta2, eps: cfg.adamEps });
    this.params = this.adam.params;
    this.params.set(initialParams);
    this.outer = new OuterSgd(initialParams.length, cfg.outerMomentum);
  }

  /**
   * Rules 1-4 for an update computed at `gradVersion` from a rollout collected at
   * `rolloutVersion`: the decoded gradient (valid until the next check) or the refusal.
   * `maxStaleness` is the config's unless given (sync rounds pass 0).
   */
  check(gradBin: unknown, gradVersion: number, rolloutVersion = gradVersion, maxStaleness = this.cfg.maxStaleness): CheckResult {
    let grad: Float32Array;
    try {
      // The optimizer's gradient array: the one copy between the socket's bytes and the step.
      grad = decodeUpdateInto(this.cfg.updateCodec, gradBin, this.adam.grad);
    } catch (e) {
      if (!(e instanceof CodecError)) throw e;
      return refuse(e.code === 'notBinary' ? 'malformed' : 'wrongSize', e.message);
    }

    const gate = stalenessDecision(this.version, gradVersion, maxStaleness, rolloutVersion, this.cfg.maxPolicyLag);
    if (!gate.accept) {
      if (gate.reason === 'stale') {
        return refuse('stale', `update computed at version ${gradVersion} is ${gate.staleness} versions old (current ${this.version}, maxStaleness ${maxStaleness})`);
      }
      if (gate.reason === 'policyLag') {
        return refuse('policyLag', `rollout collected at version ${rolloutVersion} is ${this.version - rolloutVersion} versions old (maxPolicyLag ${this.cfg.maxPolicyLag}): collect a new one`);
      }
      return refuse('malformed', `versions must be integers with 0 <= rolloutVersion <= version <= ${this.version}, got ${String(rolloutVersion)} and ${String(gradVersion)}`);
    }

    // One pass for the norm (over the optimizer's gradient array, where the decode wrote); a NaN or
    // Infinity anywhere makes it non-finite, and only then is it looked for.
    const gradNorm = this.adam.gradNorm();
    if (!Number.isFinite(gradNorm)) {
      const bad = firstNonFinite(grad);
      if (bad >= 0) return refuse('nonFinite', `gradient has a non-finite value (${grad[bad]}) at index ${bad}`);
    }
    if (gradNorm > this.cfg.maxUpdateNorm) {
      return refuse('normTooLarge', `gradient L2 norm ${gradNorm} exceeds maxUpdateNorm ${this.cfg.maxUpdateNorm}`);
    }
    return { accepted: true, grad, gradNorm, staleness: gate.staleness };
  }

  /** One optimizer step with a checked gradient: clip to maxGradNorm, Adam at `lr`, version += 1. */
  step(grad: Float32Array, gradNorm: number, lr: number): void {
    const clipScale = Math.min(1, this.cfg.maxGradNorm / (gradNorm + 1e-6));
    this.adam.step(grad, lr, clipScale);
    this.version += 1;
  }

  /** One outer step along a checked local-mode delta at `lr`, version += 1. */
  stepDelta(delta: Float32Array, lr: number): void {
    this.outer.step(this.params, delta, lr);
    this.version += 1;
  }
}
