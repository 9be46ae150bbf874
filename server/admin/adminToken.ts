/** The admin token check: constant time, and the token itself never leaves this function (nor is logged). */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether `given` is `expected`. Both are hashed first, so the comparison takes the same time
 * whatever their lengths and wherever they first differ (timingSafeEqual needs equal lengths).
 */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  return timingSafeEqual(digest(given ?? ''), digest(expected));
}
