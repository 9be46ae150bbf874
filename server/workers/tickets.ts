/**
 * Tickets tie an update to the params the coordinator handed out. Every reply that carries params
 * (a join, a push's reply) carries a ticket too: a number, counting up per worker, that stands for
 * "these params, at this version, sent to this worker". A push names the ticket of the params it
 * was computed from, and the coordinator takes the update's version from its own record of that
 * ticket, never from the worker's word:
 *  - a ticket it never issued to this worker, or one it has forgotten (more than TICKETS_KEPT
 *    tickets ago), or whose version is not the one the push names, is refused ('badTicket');
 *  - a ticket already spent by as many accepted updates as an honest worker can compute from one
 *    set of params is refused ('replayed'): one, or two when the worker computes its next gradient
 *    while the last push is on the wire (pipelinePushes), or maxPushesInFlight deltas in local
 *    mode (the tab keeps training from its own params until a reply comes).
 * A replayed push, or one naming a made-up version, therefore changes nothing; to push again, a
 * worker needs a reply, so fresh params, first. In local mode, where each delta carries its
 * rollout's report, the tickets for one version of the params likewise count at most that many
 * reports, accepted deltas' and refused ones' together (`mayCountReport`).
 */
import type { TrainConfig } from '../../shared/config.ts';

/** Tickets remembered per worker, newest first; older ones are refused as unknown. */
export const TICKETS_KEPT = 8;

export interface Ticket {
  ticket: number;
  version: number;
  /** Accepted updates it carried. */
  uses: number;
  /** Local mode: the rollout reports counted from pushes naming it, accepted deltas' and refused ones' (see mayCountReport). */
  reports: number;
}

/** How many accepted updates one ticket may carry in a run of `config`. */
export function usesPerTicket(config: Pick<TrainConfig, 'updateMode' | 'pipelinePushes' | 'maxPushesInFlight'>): number {
  if (config.updateMode === 'local') return config.maxPushesInFlight;
  if (config.updateMode === 'async' && config.pipelinePushes) return 2;
  return 1;
}

export class TicketBook {
  private next = 1;
  private readonly kept: Ticket[] = [];

  constructor(readonly maxUses: number) {}

  /** A fresh ticket for params at `version`, to send with them. */
  issue(version: number): number {
    const t = { ticket: this.next++, version, uses: 0, reports: 0 };
    this.kept.unshift(t);
    if (this.kept.length > TICKETS_KEPT) this.kept.pop();
    return t.ticket;
  }

  /** Forgets every ticket (the worker resumed: what it computed before does not count). */
  clear(): void {
    this.kept.length = 0;
  }

  /**
   * Whether `ticket` may carry an update computed at `version`: the ticket's record, or why not
   * ('badTicket' or 'replayed' with the error). Nothing is spent until `spend`.
   */
  check(ticket: number, version: number): Ticket | { reason: 'badTicket' | 'replayed'; error: string } {
    const t = this.kept.find((k) => k.ticket === ticket);
    if (!t) return { reason: 'badTicket', error: `ticket ${ticket} was not issued to this worker, or is too old (the last ${TICKETS_KEPT} are kept)` };
    if (t.version !== version) return { reason: 'badTicket', error: `ticket ${ticket} came with params at version ${t.version}, not ${version}` };
    if (t.uses >= this.maxUses) return { reason: 'replayed', error: `ticket ${ticket} has already carried ${t.uses} accepted update(s), the most one set of params can give` };
    return t;
  }

  /** Counts one accepted update against a ticket `check` returned. */
  spend(t: Ticket): void {
    t.uses++;
  }

  /**
   * Local mode: whether a report riding with a push that names `t` may count: fewer than maxUses
   * were counted from pushes naming this worker's tickets for params at `t`'s version (a refusal
   * sent when the worker was behind issues another ticket at the same version; they share the count).
   */
  mayCountReport(t: Ticket): boolean {
    let n = 0;
    for (const k of this.kept) if (k.version === t.version) n += k.reports;
    return n < this.maxUses;
  }

  /** Counts one report, taken from a push naming `t`, against its version (see mayCountReport). */
  countReport(t: Ticket): void {
    t.reports++;
  }
}
