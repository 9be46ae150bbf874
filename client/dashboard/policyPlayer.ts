/**
 * The live policy view's player: the run's current policy (fetched from /api/policy) acting
 * greedily in a local copy of the env, one step per frame, as `tabswarm eval` plays it
 * (shared/ppo/evaluate.ts). New params take over at the next episode, so each episode shows one policy.
 */
import type { TrainConfig } from '../../shared/config.ts';
import { makeEnv } from '../../shared/envs/registry.ts';
import type { Env } from '../../shared/envs/types.ts';
import { GreedyPolicy, type EvalConfig } from '../../shared/ppo/evaluate.ts';
import type { PolicyWire } from '../../shared/protocol.ts';

function fromBase64(s: string): ArrayBuffer {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

/** The policy of a /api/policy reply. */
export function policyOf(config: EvalConfig, wire: PolicyWire): GreedyPolicy {
  if (wire.envId !== config.envId) throw new Error(`the policy is for ${wire.envId}, this run trains ${config.envId}`);
  return new GreedyPolicy(config, new Float32Array(fromBase64(wire.params)), wire.obsStats === null ? null : new Float64Array(fromBase64(wire.obsStats)));
}

export class PolicyPlayer {
  readonly env: Env;
  /** Episodes finished, the return so far of the one being played and the last finished one's. */
  episodes = 0;
  episodeReturn = 0;
  lastReturn: number | null = null;
  /** Params version of the episode being played. */
  version: number | null = null;
  private policy: GreedyPolicy | null = null;
  private next: { policy: GreedyPolicy; version: number } | null = null;
  private obs: Float32Array;

  constructor(private readonly config: Pick<TrainConfig, 'envId' | 'hiddenSizes' | 'gsde' | 'normObs' | 'clipObs'>, private readonly seed = 0) {
    this.env = makeEnv(config.envId, seed);
    this.obs = this.env.reset(seed);
  }

  /** New params: played from the next episode on (from now when nothing is playing yet). */
  setPolicy(wire: PolicyWire): void {
    const next = { policy: policyOf(this.config, wire), version: wire.version };
    if (this.policy) this.next = next;
    else ({ policy: this.policy, version: this.version } = next);
  }

  /** One env step with the policy's action; false while there is no policy yet. */
  step(): boolean {
    if (!this.policy) return false;
    const r = this.env.step(this.policy.act(this.obs));
    this.episodeReturn += r.reward;
    this.obs = r.obs;
    if (r.terminated || r.truncated) {
      this.lastReturn = this.episodeReturn;
      this.episodeReturn = 0;
      this.episodes++;
      this.obs = this.env.reset(this.seed + this.episodes);
      if (this.next) ({ policy: this.policy, version: this.version } = this.next);
      this.next = null;
    }
    return true;
  }
}
