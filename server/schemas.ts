/** Schemas for everything a worker sends: nothing from a worker is trusted before it passes here. */
import { z } from 'zod';
import { BACKENDS, type Backend } from '../shared/protocol.ts';

const backend = z.enum(BACKENDS as [Backend, ...Backend[]]);
const version = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const seconds = z.number().nonnegative().finite();

export function isBinary(x: unknown): boolean {
  return x instanceof ArrayBuffer || x instanceof Uint8Array;
}

export const joinSchema = z.object({
  token: z.string().max(256).optional(),
  backend,
  adapter: z.string().max(256),
  timings: z.array(z.object({
    backend,
    gradMs: z.number().nonnegative().finite().nullable(),
    actMs: z.number().nonnegative().finite().nullable(),
    cycleMs: z.number().nonnegative().finite().nullable(),
    error: z.string().max(1000).optional(),
  })).max(BACKENDS.length),
  userAgent: z.string().max(512),
  resume: z.object({ workerId: z.string().max(64), resumeToken: z.string().max(64) }).optional(),
});

const binary = (what: string) => z.custom<ArrayBuffer | Uint8Array>(isBinary, { message: `${what} must be binary (ArrayBuffer)` });

export const pushSchema = z.object({
  version,
  rolloutVersion: version,
  grad: binary('grad'),
});

export const rolloutSchema = z.object({
  rolloutVersion: version,
  envSteps: z.number().int().positive().max(10_000_000),
  episodeReturns: z.array(z.number().finite()).max(1_000_000),
  episodeLengths: z.array(z.number().int().positive()).max(1_000_000),
  losses: z.record(z.string().max(64), z.number()),
  rolloutSps: z.number().nonnegative().finite(),
  stageSeconds: z.object({ collect: seconds, gradient: seconds, push: seconds, setParams: seconds }),
  norm: z.object({ obs: binary('norm.obs').optional(), ret: binary('norm.ret').optional() }),
}).refine((r) => r.episodeReturns.length === r.episodeLengths.length, 'episodeReturns and episodeLengths differ in length')
  .refine((r) => r.episodeReturns.length <= r.envSteps, 'more episodes than env steps');

/** The first problem of a failed parse, as one line. */
export function describeIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.join('.') || 'message'}: ${i.message}` : 'invalid message';
}
