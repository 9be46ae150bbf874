import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { LINK_NAMES, LINK_PROFILES, WanRelay, linkProfile, type LinkProfile } from './wanRelay.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function link(over: Partial<LinkProfile>): LinkProfile {
  return { name: 'test', rttMs: 0, jitterMs: 0, downMbps: null, upMbps: null, ...over };
}

async function listen(server: net.Server | http.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  cleanups.push(() => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }));
  return (server.address() as net.AddressInfo).port;
}

async function relayTo(port: number, l: LinkProfile, seed?: number): Promise<WanRelay> {
  const relay = new WanRelay({ target: { host: '127.0.0.1', port }, link: l, seed });
  await relay.start();
  cleanups.push(() => relay.stop());
  return relay;
}

async function dial(port: number): Promise<net.Socket> {
  const s = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await once(s, 'connect');
  cleanups.push(() => { s.destroy(); });
  return s;
}

/** Resolves once `n` more bytes have arrived on `s`, with their arrival time. */
function readBytes(s: net.Socket, n: number): Promise<{ data: Buffer; at: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let got = 0;
    const onData = (b: Buffer) => {
      parts.push(b);
      got += b.length;
      if (got >= n) {
        s.off('data', onData);
        s.off('close', onClose);
        resolve({ data: Buffer.concat(parts), at: performance.now() });
      }
    };
    const onClose = () => reject(new Error(`closed after ${got} of ${n} bytes`));
    s.on('data', onData);
    s.on('close', onClose);
  });
}

async function echoServer(): Promise<number> {
  return listen(net.createServer((s) => { s.setNoDelay(true); s.pipe(s); }));
}

/** Round-trip times of `count` small ping-pongs over `s` (one at a time). */
async function pingTimes(s: net.Socket, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const reply = readBytes(s, 8);
    s.write(Buffer.from(`ping${String(i).padStart(4, '0')}`));
    const { at, data } = await reply;
    expect(data.toString()).toBe(`ping${String(i).padStart(4, '0')}`);
    times.push(at - t0);
  }
  return times;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('link profiles', () => {
  it('names the profiles and rejects unknown ones with the list', () => {
    expect(LINK_NAMES).toEqual(expect.arrayContaining(['loopback', 'lan', 'metro', 'continental', 'intercontinental', 'mobile']));
    expect(linkProfile('mobile')).toEqual({ name: 'mobile', rttMs: 300, jitterMs: 50, downMbps: 10, upMbps: 2 });
    expect(linkProfile('continental')).toEqual(LINK_PROFILES.continental);
    expect(() => linkProfile('moon')).toThrow(/unknown link profile "moon".*loopback, lan, metro/);
    expect(() => new WanRelay({ target: { host: '127.0.0.1', port: 1 }, link: link({ upMbps: 0 }) })).toThrow(/upMbps/);
  });
});

describe('WanRelay', () => {
  it('adds the link RTT to a round trip, and the TCP handshake to the first one', async () => {
    const relay = await relayTo(await echoServer(), link({ rttMs: 100 }));
    const t0 = performance.now();
    const s = await dial(relay.port);
    await pingTimes(s, 1);
    // The first bytes wait for the handshake's round trip, then make their own.
    const first = performance.now() - t0;
    expect(first).toBeGreaterThanOrEqual(199);
    expect(first).toBeLessThan(320);
    const rtt = median(await pingTimes(s, 10));
    expect(rtt).toBeGreaterThanOrEqual(95);
    expect(rtt).toBeLessThanOrEqual(160);
  });

  it('adds next to nothing on loopback', async () => {
    const relay = await relayTo(await echoServer(), LINK_PROFILES.loopback);
    const s = await dial(relay.port);
    expect(median(await pingTimes(s, 10))).toBeLessThan(20);
  });

  it('caps the uplink: 500 kB at 4 Mbit/s takes about a second', async () => {
    let received = 0;
    let done!: (t: number) => void;
    const finished = new Promise<number>((r) => (done = r));
    const port = await listen(net.createServer((s) => s.on('data', (b: Buffer) => {
      received += b.length;
      if (received >= 500_000) done(performance.now());
    })));
    const relay = await relayTo(port, link({ rttMs: 20, upMbps: 4, downMbps: 100 }));
    const s = await dial(relay.port);
    const t0 = performance.now();
    s.write(Buffer.alloc(500_000, 7));
    const elapsed = (await finished) - t0;
    const expected = 500_000 * 8 / 4e6 * 1000 + 20 + 10; // serialization + handshake + one way
    expect(elapsed).toBeGreaterThan(0.8 * expected);
    expect(elapsed).toBeLessThan(1.5 * expected);
    expect(received).toBe(500_000);
    expect(relay.bytes.up).toBe(500_000);
  });

  it('caps the downlink on its own: 250 kB at 2 Mbit/s takes about a second', async () => {
    const port = await listen(net.createServer((s) => s.end(Buffer.alloc(250_000, 3))));
    // A fast uplink must not speed up the capped downlink.
    const relay = await relayTo(port, link({ rttMs: 20, downMbps: 2, upMbps: 50 }));
    const t0 = performance.now();
    const s = await dial(relay.port);
    const { data, at } = await readBytes(s, 250_000);
    const expected = 250_000 * 8 / 2e6 * 1000 + 20; // serialization + SYN there and data back
    expect(at - t0).toBeGreaterThan(0.8 * expected);
    expect(at - t0).toBeLessThan(1.5 * expected);
    expect(data.length).toBe(250_000);
    expect(relay.bytes.down).toBe(250_000);
    expect(relay.bytes.up).toBe(0);
  });

  it('stops reading a sender that outruns a capped link', async () => {
    const port = await listen(net.createServer((s) => s.resume()));
    const relay = await relayTo(port, link({ upMbps: 8 }));
    const s = await dial(relay.port);
    const total = 32 * 1024 * 1024;
    s.write(Buffer.alloc(total));
    await new Promise((r) => setTimeout(r, 700));
    // At 1 MB/s the relay should hold about 1 MB plus what the kernel buffers; reading without
    // backpressure would have drained the sender's 32 MB within milliseconds.
    expect(s.writableLength).toBeGreaterThan(total / 2);
    expect(relay.bytes.up).toBeLessThan(2_000_000);
  });

  it('keeps order and bounds the jitter', async () => {
    const arrivals: number[] = [];
    const port = await listen(net.createServer((s) => {
      let pending = Buffer.alloc(0);
      s.on('data', (b: Buffer) => {
        pending = Buffer.concat([pending, b]);
        const now = performance.now();
        while (pending.length >= 4) {
          arrivals.push(pending.readUInt32BE(0));
          arrivalAt.push(now);
          pending = pending.subarray(4);
        }
      });
    }));
    const arrivalAt: number[] = [];
    const relay = await relayTo(port, link({ rttMs: 40, jitterMs: 30 }), 42);
    const s = await dial(relay.port);
    // Wait out the handshake so every message below sees only the link's delay.
    await new Promise((r) => setTimeout(r, 80));
    const n = 120;
    const sentAt: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      sentAt.push(performance.now());
      s.write(b);
      await new Promise((r) => setTimeout(r, i % 3 === 0 ? 12 : 2));
    }
    const deadline = performance.now() + 2000;
    while (arrivals.length < n && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(arrivals).toEqual(Array.from({ length: n }, (_, i) => i));
    const delays = arrivalAt.map((t, i) => t - sentAt[i]);
    // One way is 20 ms ± 15 ms; nothing arrives early, and late only by timer slack.
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(20 - 15 - 1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(20 + 15 + 25);
    // The jitter is really there: scheduling noise only ever adds delay, so messages that beat the
    // 20 ms one way by several ms were drawn early.
    expect(delays.filter((d) => d < 17).length).toBeGreaterThanOrEqual(5);
  });

  it('counts the bytes that passed each way', async () => {
    const port = await listen(net.createServer((s) => s.once('data', () => s.end(Buffer.alloc(3000, 1)))));
    const relay = await relayTo(port, link({ rttMs: 10, upMbps: 10, downMbps: 10 }));
    const s = await dial(relay.port);
    s.write(Buffer.alloc(1234, 2));
    await readBytes(s, 3000);
    await once(s, 'end');
    expect(relay.bytes).toEqual({ up: 1234, down: 3000 });
  });

  it('passes a half-close through after the queued data', async () => {
    // The echo server answers and ends only once the tab has ended its side.
    const port = await listen(net.createServer({ allowHalfOpen: true }, (s) => {
      const parts: Buffer[] = [];
      s.on('data', (b: Buffer) => parts.push(b));
      s.on('end', () => s.end(Buffer.concat(parts)));
    }));
    const relay = await relayTo(port, link({ rttMs: 60, upMbps: 2 }));
    const s = net.connect({ host: '127.0.0.1', port: relay.port, allowHalfOpen: true });
    cleanups.push(() => { s.destroy(); });
    await once(s, 'connect');
    const t0 = performance.now();
    const reply = readBytes(s, 50_000);
    s.end(Buffer.alloc(50_000, 9));
    const { data, at } = await reply;
    expect(data.equals(Buffer.alloc(50_000, 9))).toBe(true);
    await once(s, 'end');
    // Handshake + 200 ms at 2 Mbit/s + one way up + one way down.
    expect(at - t0).toBeGreaterThanOrEqual(60 + 200 + 60 - 5);
    await once(s, 'close');
  });

  it('closes the tab when the coordinator is not there, and everything on stop()', async () => {
    const free = net.createServer();
    const deadPort = await listen(free);
    await new Promise<void>((r) => free.close(() => r()));
    const dead = await relayTo(deadPort, link({ rttMs: 10 }));
    const s1 = await dial(dead.port);
    s1.resume();
    await once(s1, 'close');

    const relay = await relayTo(await echoServer(), link({ rttMs: 10 }));
    const s2 = await dial(relay.port);
    await pingTimes(s2, 1);
    const closed = once(s2, 'close');
    await relay.stop();
    await closed;
    await expect(dial(relay.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  describe('Socket.IO through the relay', () => {
    async function ackTimes(transports: ('websocket' | 'polling')[]): Promise<{ times: number[]; relay: WanRelay }> {
      const httpServer = http.createServer();
      const ioServer = new IoServer(httpServer);
      ioServer.on('connection', (socket) => socket.on('ping', (n: number, ack: (n: number) => void) => ack(n + 1)));
      const port = await listen(httpServer);
      cleanups.push(() => { ioServer.close(); });
      const relay = await relayTo(port, link({ rttMs: 100 }));
      const client: IoSocket = ioClient(`http://127.0.0.1:${relay.port}`, { transports, reconnection: false });
      cleanups.push(() => { client.close(); });
      await new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        expect(await client.timeout(5000).emitWithAck('ping', i)).toBe(i + 1);
        times.push(performance.now() - t0);
      }
      return { times, relay };
    }

    it('over WebSocket: an ack takes the link RTT', async () => {
      const { times, relay } = await ackTimes(['websocket']);
      expect(median(times)).toBeGreaterThanOrEqual(95);
      expect(median(times)).toBeLessThanOrEqual(170);
      expect(relay.bytes.up).toBeGreaterThan(0);
      expect(relay.bytes.down).toBeGreaterThan(0);
    });

    it('over HTTP long-polling: an ack takes at least the link RTT', async () => {
      const { times, relay } = await ackTimes(['polling']);
      // The emit is a POST and the ack comes back on the pending GET: one RTT, or two when the
      // POST needs a fresh TCP connection and its handshake.
      expect(median(times)).toBeGreaterThanOrEqual(95);
      expect(median(times)).toBeLessThanOrEqual(350);
      expect(relay.bytes.up).toBeGreaterThan(0);
    });
  });
});
