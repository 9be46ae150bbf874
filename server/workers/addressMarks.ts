/**
 * Quarantine marks by client address (net/clientAddress.ts: IPv4 address, IPv6 /64), so that a
 * quarantine is not shed by joining afresh under a new identity:
 *  - a worker's quarantine marks its address with 1; a worker that leaves with offences and trust
 *    under QUARANTINE_BELOW before its quarantine (trust.ts, `leftInDisgrace`) with
 *    offences / MIN_OFFENCES, at most 1;
 *  - marks decay: an address's sum halves every halfLifeMs;
 *  - a fresh join from an address holding more than REFUSE_ABOVE (more than two quarantines'
 *    worth, so the third in a short time) is refused until its marks have decayed to it, at most
 *    halfLifeMs x log2(marks / REFUSE_ABOVE) (0.58 half-lives after three quick quarantines); from
 *    one holding PROBATION_FROM or more (one quarantine within the last two half-lives) it starts
 *    on probation (trust.ts).
 * Many honest volunteers can share one address (NAT), so nothing here is for ever: a worker that is
 * already joined, or resumes its record, is not touched, and an address's refusal lasts only until
 * its marks decay. At most maxAddresses addresses are held (the one marked longest ago is
 * forgotten first), and `prune` forgets those whose marks fell under FORGET_BELOW.
 */
export const REFUSE_ABOVE = 2;
export const PROBATION_FROM = 0.25;
export const FORGET_BELOW = 0.05;
export const MAX_ADDRESSES = 10_000;

export interface AddressStanding {
  /** The address's decayed marks now. */
  marks: number;
  /** Milliseconds until a fresh join from it is taken again; 0 when it is taken now. */
  refusedForMs: number;
  /** A fresh join from it starts on probation. */
  probation: boolean;
}

export class AddressMarks {
  /** Marks as of `at`, by address; in order of the last mark, oldest first. */
  private readonly book = new Map<string, { marks: number; at: number }>();

  constructor(private readonly halfLifeMs: number, private readonly maxAddresses = MAX_ADDRESSES) {}

  get size(): number {
    return this.book.size;
  }

  /** The marks `address` holds at `now`. */
  marks(address: string, now: number): number {
    const m = this.book.get(address);
    return m ? m.marks * 2 ** (-Math.max(0, now - m.at) / this.halfLifeMs) : 0;
  }

  /** Adds `amount` marks to `address` at `now`. */
  mark(address: string, amount: number, now: number): void {
    const marks = this.marks(address, now) + amount;
    this.book.delete(address);
    this.book.set(address, { marks, at: now });
    for (const oldest of this.book.keys()) {
      if (this.book.size <= this.maxAddresses) break;
      this.book.delete(oldest);
    }
  }

  standing(address: string, now: number): AddressStanding {
    const marks = this.marks(address, now);
    const refusedForMs = marks > REFUSE_ABOVE ? this.halfLifeMs * Math.log2(marks / REFUSE_ABOVE) : 0;
    return { marks, refusedForMs, probation: marks >= PROBATION_FROM };
  }

  /** Forgets the addresses whose marks have decayed under FORGET_BELOW. */
  prune(now: number): void {
    for (const address of [...this.book.keys()]) if (this.marks(address, now) < FORGET_BELOW) this.book.delete(address);
  }
}
