/**
 * Test scaffolding for hostile-client tests: real Coordinators on port 0 and the hostile sockets
 * joined to them (hostileClient.ts), closed after each test. A test file calls
 * `liveCoordinators()` once at its top level.
 */
import { afterEach } from 'vitest';
import { Coordinator, type CoordinatorOptions } from '../coordinator.ts';
import { joinHostile, type HostileSocket } from './hostileClient.ts';

export class LiveCoordinators {
  private coordinators: Coordinator[] = [];
  /** Sockets to disconnect after the test; a test adds the ones it opens itself. */
  readonly sockets: HostileSocket[] = [];

  /** Starts a coordinator on a free loopback port (unless `opts` names one); stopped after the test. */
  async start(opts: CoordinatorOptions): Promise<{ c: Coordinator; url: string }> {
    const c = new Coordinator({ port: 0, ...opts });
    this.coordinators.push(c);
    return { c, url: `http://127.0.0.1:${await c.start()}` };
  }

  /** A hostile socket joined to the coordinator at `url`; disconnected after the test. */
  async joined(url: string): Promise<HostileSocket> {
    const { s } = await joinHostile(url);
    this.sockets.push(s);
    return s;
  }

  /** Disconnects every socket and stops every coordinator of the test. */
  async close(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.disconnect();
    await Promise.all(this.coordinators.splice(0).map((c) => c.stop()));
  }
}

/** The file's LiveCoordinators, closed after each of its tests. */
export function liveCoordinators(): LiveCoordinators {
  const live = new LiveCoordinators();
  afterEach(() => live.close());
  return live;
}
