/**
 * A userspace WAN emulator: a TCP relay on 127.0.0.1 that sits between one tab and the
 * coordinator and gives the link a latency, a jitter and a bandwidth cap per direction.
 *
 * Volunteers are tens to hundreds of milliseconds away with a few Mbit/s up, and the machines that
 * run tabswarm's tests and benchmarks have no kernel netem, so the delay is added here, between
 * reading a chunk from one socket and writing it to the other. It works at the TCP level, so the
 * WebSocket transport, HTTP long-polling and the page's own asset requests all go through it.
 *
 * Model, per direction ("up" is tab -> coordinator, "down" is coordinator -> tab):
 * - A chunk read at `now` first waits for the link to be free and takes `bytes * 8 / bps` to
 *   serialize (`linkFreeAt = max(now, linkFreeAt) + bytes * 8 / bps`); capped links cut chunks
 *   into 16 KiB segments so the receiver sees a steady stream rather than 64 KiB bursts.
 * - It then travels `rttMs / 2` plus a jitter drawn uniformly from [-jitterMs / 2, +jitterMs / 2],
 *   so that a round trip (one draw each way) stays within rttMs ± jitterMs.
 * - It is delivered at `max(previous delivery in this direction, departure + delay + jitter)`:
 *   TCP never reorders, so jitter can only hold data back behind earlier data.
 * - Opening a connection costs what TCP's handshake costs: the relay connects to the coordinator
 *   `rttMs / 2` after accepting (the SYN's trip), and the tab's first bytes depart no earlier than
 *   one RTT after accepting (the SYN-ACK's trip back).
 * - When more than max(256 KiB, 1 s of the cap) is queued in a direction, the relay stops reading
 *   the sending socket until half of it has been delivered, so a capped uplink holds a sender
 *   back the way a real one does instead of buffering without limit. Uncapped links allow 4 MiB
 *   (a large TCP window). A receiver that does not read holds its direction back too.
 * Bandwidth counts payload bytes only (no TCP/IP header overhead).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LinkProfile {
  name: string;
  /** Round-trip time added by the link; each direction gets half. */
  rttMs: number;
  /** Round-trip jitter: each direction draws uniformly within ±jitterMs / 2. */
  jitterMs: number;
  /** Coordinator -> tab cap in Mbit/s (10^6 bit/s); null = uncapped. */
  downMbps: number | null;
  /** Tab -> coordinator cap in Mbit/s; null = uncapped. */
  upMbps: number | null;
}

/** Named links, from a tab on the coordinator's machine to a volunteer on a phone far away. */
export const LINK_PROFILES = {
  loopback: { name: 'loopback', rttMs: 0, jitterMs: 0, downMbps: null, upMbps: null },
  lan: { name: 'lan', rttMs: 2, jitterMs: 0, downMbps: 100, upMbps: 100 },
  metro: { name: 'metro', rttMs: 20, jitterMs: 0, downMbps: 50, upMbps: 10 },
  national: { name: 'national', rttMs: 50, jitterMs: 5, downMbps: 50, upMbps: 10 },
  continental: { name: 'continental', rttMs: 100, jitterMs: 0, downMbps: 20, upMbps: 5 },
  intercontinental: { name: 'intercontinental', rttMs: 200, jitterMs: 20, downMbps: 20, upMbps: 5 },
  mobile: { name: 'mobile', rttMs: 300, jitterMs: 50, downMbps: 10, upMbps: 2 },
} as const satisfies Record<string, LinkProfile>;

export type LinkName = keyof typeof LINK_PROFILES;

/** The profile names, e.g. for commander's `choices`. */
export const LINK_NAMES = Object.keys(LINK_PROFILES) as LinkName[];

export function linkProfile(name: string): LinkProfile {
  if (!Object.hasOwn(LINK_PROFILES, name)) {
    throw new Error(`unknown link profile "${name}": expected one of ${LINK_NAMES.join(', ')}`);
  }
  return { ...LINK_PROFILES[name as LinkName] };
}

/** mulberry32: a tiny seeded PRNG so that a run's jitter can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEGMENT = 16 * 1024;
const MIN_QUEUE = 256 * 1024;
const UNCAPPED_QUEUE = 4 * 1024 * 1024;

interface DirectionModel {
  oneWayMs: number;
  jitterMs: number;
  /** Bits per second; null = uncapped. */
  bps: number | null;
}

/**
 * One direction of one relayed connection: reads `src`, holds each chunk until its delivery time,
 * writes it to `dst`. One timer per direction, armed for the head of the queue; delivery times
 * never decrease, so the head is always the next one due.
 */
class Direction {
  private readonly queue: { data: Buffer; at: number }[] = [];
  private head = 0;
  private queued = 0;
  private linkFreeAt = 0;
  private lastDelivery = 0;
  private timer: NodeJS.Timeout | null = null;
  private paused = false;
  private waitingDrain = false;
  private srcEnded = false;
  /** The destination is gone: data for it is dropped. */
  private dstGone = false;
  private finished = false;
  /** False until the destination can be written to (the relay's connect to the coordinator waits out the SYN's trip). */
  private open: boolean;
  private readonly highWater: number;
  private readonly lowWater: number;

  constructor(
    private readonly src: net.Socket,
    private readonly dst: net.Socket,
    private readonly model: DirectionModel,
    private readonly random: () => number,
    /** Earliest departure (the handshake's round trip for the tab's first bytes). */
    notBefore: number,
    open: boolean,
    private readonly onBytes: (n: number) => void,
    /** Called once the source has ended or closed and everything queued was delivered. */
    private readonly onDone: () => void,
  ) {
    this.linkFreeAt = notBefore;
    this.open = open;
    this.highWater = model.bps === null ? UNCAPPED_QUEUE : Math.max(MIN_QUEUE, model.bps / 8);
    this.lowWater = this.highWater / 2;
    src.on('data', (chunk: Buffer) => this.push(chunk));
    src.on('end', () => this.sourceDone());
    src.on('close', () => this.sourceDone());
    dst.on('drain', () => {
      if (!this.waitingDrain) return;
      this.waitingDrain = false;
      this.flush();
    });
  }

  private push(chunk: Buffer): void {
    if (this.dstGone) return;
    const now = performance.now();
    const { bps, oneWayMs, jitterMs } = this.model;
    const segments = bps === null ? [chunk] : split(chunk);
    for (const data of segments) {
      let departure = now;
      if (bps !== null) {
        this.linkFreeAt = Math.max(now, this.linkFreeAt) + (data.length * 8 * 1000) / bps;
        departure = this.linkFreeAt;
      } else {
        departure = Math.max(now, this.linkFreeAt);
      }
      const jitter = jitterMs > 0 ? (this.random() - 0.5) * jitterMs : 0;
      const at = Math.max(this.lastDelivery, departure + Math.max(0, oneWayMs + jitter));
      this.lastDelivery = at;
      this.queue.push({ data, at });
      this.queued += data.length;
    }
    if (this.queued > this.highWater && !this.paused) {
      this.paused = true;
      this.src.pause();
    }
    this.flush();
  }

  /** Writes every chunk that is due, then arms the timer for the next one. */
  private flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.open) return;
    const now = performance.now();
    while (this.head < this.queue.length && !this.waitingDrain) {
      const item = this.queue[this.head];
      // Timers fire on whole milliseconds; a chunk due within half of one goes now.
      if (item.at > now + 0.5) break;
      this.head++;
      this.queued -= item.data.length;
      this.onBytes(item.data.length);
      if (!this.dst.write(item.data)) this.waitingDrain = true;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (this.paused && this.queued <= this.lowWater) {
      this.paused = false;
      this.src.resume();
    }
    if (this.head < this.queue.length) {
      if (!this.waitingDrain) {
        const wait = Math.max(1, Math.ceil(this.queue[this.head].at - now));
        this.timer = setTimeout(() => {
          this.timer = null;
          this.flush();
        }, wait);
      }
    } else {
      this.queue.length = 0;
      this.head = 0;
      if (this.srcEnded) this.finish();
    }
  }

  private sourceDone(): void {
    if (this.srcEnded) return;
    this.srcEnded = true;
    if (this.open && this.head >= this.queue.length) this.finish();
  }

  /** The destination can now be written to: deliver what is due. */
  release(): void {
    this.open = true;
    this.flush();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.onDone();
  }

  /** The destination closed: nothing more can be delivered, so drop the queue. */
  dropAll(): void {
    this.dstGone = true;
    this.clear();
    if (this.paused) {
      this.paused = false;
      this.src.resume();
    }
  }

  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.head = 0;
    this.queued = 0;
  }
}

function split(chunk: Buffer): Buffer[] {
  if (chunk.length <= SEGMENT) return [chunk];
  const out: Buffer[] = [];
  for (let i = 0; i < chunk.length; i += SEGMENT) out.push(chunk.subarray(i, i + SEGMENT));
  return out;
}

export interface WanRelayOptions {
  /** Where accepted connections are relayed to (the coordinator). */
  target: { host: string; port: number };
  link: LinkProfile;
  /** Seeds the jitter; the same seed and the same order of connections give the same draws. */
  seed?: number;
}

export class WanRelay {
  /** Payload bytes delivered so far: up = to the target, down = to the tabs. */
  readonly bytes = { up: 0, down: 0 };
  private server: net.Server | null = null;
  private listeningPort = 0;
  private readonly sockets = new Set<net.Socket>();
  private readonly directions = new Set<Direction>();
  private readonly connectTimers = new Set<NodeJS.Timeout>();
  private connections = 0;

  /** The link this relay emulates. */
  get link(): LinkProfile {
    return this.opts.link;
  }

  constructor(private readonly opts: WanRelayOptions) {
    const { rttMs, jitterMs, downMbps, upMbps } = opts.link;
    for (const [k, v] of Object.entries({ rttMs, jitterMs })) {
      if (!(v >= 0)) throw new Error(`link ${opts.link.name}: ${k} must be >= 0, got ${v}`);
    }
    for (const [k, v] of Object.entries({ downMbps, upMbps })) {
      if (v !== null && !(v > 0)) throw new Error(`link ${opts.link.name}: ${k} must be > 0 or null, got ${v}`);
    }
  }

  /** The listening port on 127.0.0.1 (0 until started). */
  get port(): number {
    return this.listeningPort;
  }

  /** Listens on 127.0.0.1 at a free port and resolves with it. */
  async start(): Promise<number> {
    if (this.server) throw new Error('relay already started');
    const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => this.accept(s));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (server.address() as net.AddressInfo).port;
    return this.listeningPort;
  }

  /** Stops listening and closes every relayed connection at once (queued data is dropped). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    for (const t of this.connectTimers) clearTimeout(t);
    this.connectTimers.clear();
    for (const d of this.directions) d.clear();
    this.directions.clear();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    // Errors (resets, refused connections) end up as 'close', which the directions handle.
    s.on('error', () => {});
  }

  private accept(tab: net.Socket): void {
    const acceptedAt = performance.now();
    const index = this.connections++;
    this.track(tab);
    const { link, target } = this.opts;
    const seed = this.opts.seed ?? 1;
    const oneWayMs = link.rttMs / 2;
    // Nagle off on both legs: a relay that held back a write's tail until the previous segment's
    // ACK (delayed up to 40 ms by the receiver) would add that to every message sent in two writes.
    const coordinator = new net.Socket({ allowHalfOpen: true });
    coordinator.setNoDelay(true);
    tab.setNoDelay(true);
    this.track(coordinator);
    const model = (mbps: number | null): DirectionModel => ({ oneWayMs, jitterMs: link.jitterMs, bps: mbps === null ? null : mbps * 1e6 });
    // Distinct streams per connection and direction, derived from the seed.
    const rng = (dir: number) => mulberry32(Math.imul(seed, 0x9e3779b1) ^ Math.imul(index * 2 + dir + 1, 0x85ebca6b));

    // When a source is finished and its data delivered, pass the FIN on; once a socket's peer is
    // gone for good (closed, not just half-closed), the other socket follows after its FIN.
    const up = new Direction(tab, coordinator, model(link.upMbps), rng(0), acceptedAt + link.rttMs, false, (n) => (this.bytes.up += n), () => endAfter(coordinator, tab));
    const down = new Direction(coordinator, tab, model(link.downMbps), rng(1), acceptedAt + oneWayMs, true, (n) => (this.bytes.down += n), () => endAfter(tab, coordinator));
    this.directions.add(up);
    this.directions.add(down);
    tab.on('close', () => {
      down.dropAll();
      this.directions.delete(down);
    });
    coordinator.on('close', () => {
      up.dropAll();
      this.directions.delete(up);
    });

    const connect = () => {
      // A tab that gave up during the handshake never reaches the coordinator.
      if (tab.destroyed) return coordinator.destroy();
      coordinator.connect({ host: target.host, port: target.port, noDelay: true });
      // Node buffers writes until the connection is up; a refused one closes both sides.
      up.release();
    };
    if (oneWayMs > 0) {
      const t = setTimeout(() => {
        this.connectTimers.delete(t);
        connect();
      }, oneWayMs);
      this.connectTimers.add(t);
    } else {
      connect();
    }
  }
}

/** Ends `dst` after its queued writes; if `src` has fully closed, `dst` is destroyed once its FIN is out. */
function endAfter(dst: net.Socket, src: net.Socket): void {
  if (dst.destroyed) return;
  const srcClosed = src.destroyed;
  dst.end(() => {
    if (srcClosed || src.destroyed) dst.destroy();
  });
  if (!srcClosed) src.once('close', () => { if (dst.writableFinished) dst.destroy(); });
}
