/** `GET /api/policy`: the current params and observation statistics, for a viewer to play (shared/protocol.ts PolicyWire). */
import type { TrainConfig } from '../../shared/config.ts';
import type { PolicyWire } from '../../shared/protocol.ts';
import type { ParameterServer } from '../updates/parameterServer.ts';
import type { MergedNormStats } from '../stats/normStats.ts';

const base64 = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function policyRoute(config: TrainConfig, ps: ParameterServer, norm: MergedNormStats): PolicyWire {
  const obs = norm.obs?.toArray() ?? null;
  return { envId: config.envId, version: ps.version, params: base64(ps.params), obsStats: obs && base64(obs) };
}
