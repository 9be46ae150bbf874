/**
 * Admin requests from dashboards (shared/admin.ts): checked (schema, then the admin token when the
 * coordinator has one) and carried out on the coordinator. A refused or failed request changes nothing.
 */
import { adminRequestSchema, type AdminReply } from '../../shared/admin.ts';
import { describeIssue } from '../../shared/protocol.ts';
import { tokenMatches } from './adminToken.ts';

/** What the controls act on (the Coordinator). Each returns what was done, or throws an Error saying why nothing was. */
export interface AdminTarget {
  pause(): string;
  resume(): string;
  stopRun(): string;
  checkpointNow(): Promise<string>;
  setLearningRate(value: number): string;
  setMaxStaleness(value: number): string;
}

export async function handleAdmin(target: AdminTarget, adminToken: string | undefined, req: unknown): Promise<AdminReply> {
  const parsed = adminRequestSchema.safeParse(req);
  if (!parsed.success) return { ok: false, refused: false, error: `bad admin request: ${describeIssue(parsed.error)}` };
  const { token, action } = parsed.data;
  if (adminToken !== undefined && !tokenMatches(token, adminToken)) {
    return { ok: false, refused: true, error: token ? 'refused: wrong admin token' : 'refused: this coordinator needs its admin token' };
  }
  try {
    switch (action.type) {
      case 'pause': return { ok: true, message: target.pause() };
      case 'resume': return { ok: true, message: target.resume() };
      case 'stop': return { ok: true, message: target.stopRun() };
      case 'checkpoint': return { ok: true, message: await target.checkpointNow() };
      case 'learningRate': return { ok: true, message: target.setLearningRate(action.value) };
      case 'maxStaleness': return { ok: true, message: target.setMaxStaleness(action.value) };
    }
  } catch (e) {
    return { ok: false, refused: false, error: e instanceof Error ? e.message : String(e) };
  }
}
