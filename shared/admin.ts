/**
 * Admin controls of a running coordinator, sent by a dashboard over its socket (`admin` event on
 * /dashboard): pause, resume, stop, checkpoint now, and changes of the learning rate and the
 * staleness bound. When the coordinator has an admin token, every request must carry it; without
 * one configured, anyone who can reach the dashboard may use them.
 */
import { z } from 'zod';

export const adminRequestSchema = z.object({
  /** The coordinator's admin token (`--admin-token`), when it has one. */
  token: z.string().max(256).optional(),
  action: z.discriminatedUnion('type', [
    z.object({ type: z.literal('pause') }),
    z.object({ type: z.literal('resume') }),
    z.object({ type: z.literal('stop') }),
    z.object({ type: z.literal('checkpoint') }),
    /** The base learning rate (before annealing) of the steps from now on. */
    z.object({ type: z.literal('learningRate'), value: z.number().finite() }),
    /** The staleness bound S of the gate from now on. */
    z.object({ type: z.literal('maxStaleness'), value: z.number().finite() }),
  ]),
});
export type AdminRequest = z.infer<typeof adminRequestSchema>;
export type AdminAction = AdminRequest['action'];

/** The answer to an admin request: what was done, or why nothing was (`refused`: the token was missing or wrong). */
export type AdminReply = { ok: true; message: string } | { ok: false; refused: boolean; error: string };

/** What a dashboard shows of the controls' state (in RunStatus). */
export interface ControlsStatus {
  paused: boolean;
  /** Whether admin requests need a token (the coordinator was given one). */
  adminTokenRequired: boolean;
  /** The base learning rate now (before annealing). */
  learningRate: number;
  /** The staleness bound now. */
  maxStaleness: number;
}
