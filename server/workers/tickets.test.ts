import { describe, expect, it } from 'vitest';
import { TicketBook, type Ticket } from './tickets.ts';

/** The record `check` returns for a ticket that may carry an update at `version`. */
function record(book: TicketBook, ticket: number, version: number): Ticket {
  const t = book.check(ticket, version);
  if ('reason' in t) throw new Error(t.error);
  return t;
}

describe('TicketBook reports (local mode)', () => {
  it('the tickets for one version share maxUses reports, whether their pushes were accepted or not; another version has its own', () => {
    const book = new TicketBook(2);
    // Params at version 3, then a refusal sent while the worker was behind: a second ticket at version 3.
    const a = record(book, book.issue(3), 3);
    const b = record(book, book.issue(3), 3);
    expect(book.mayCountReport(a)).toBe(true);
    book.countReport(a);
    book.spend(a); // that push's delta was accepted
    expect(book.mayCountReport(b)).toBe(true);
    book.countReport(b); // refused, its report counted
    expect([book.mayCountReport(a), book.mayCountReport(b)]).toEqual([false, false]);
    // The ticket may still carry an update (one use left); its report would not count.
    expect(book.check(a.ticket, 3)).toBe(a);
    const c = record(book, book.issue(4), 4);
    expect(book.mayCountReport(c)).toBe(true);
  });
});
