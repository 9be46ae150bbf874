/**
 * Copies of the live parameters for the replies that carry them, reused once written.
 *
 * A reply needs the bytes of one version while the next accepted update already changes the live
 * parameters in place, so each version that goes out is copied. A fresh buffer per version (40 KB
 * at 10k parameters, thousands a second) kept V8 collecting garbage for external memory pressure
 * several times a second under load; reusing the buffers took about a quarter off the coordinator's
 * CPU per update at 1,000 workers (docs/perf/verdict.md).
 *
 * A copy goes back to the pool only when its version is no longer current and every reply that
 * carried it has been written to its socket: `current()` counts each reply it is handed to, and
 * the WebSocket servers made by `TrackingWebSocketServer` count the completed writes. A reply whose
 * write never completes through such a WebSocket (a long-polling client, a connection that closed
 * first) keeps its copy out of the pool for good, and the garbage collector frees it.
 */
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws';

class Snapshot {
  version = -1;
  /** Replies handed this copy whose socket write has not completed. */
  pending = 0;

  constructor(readonly bytes: Buffer, private readonly owner: ParamsSnapshots) {}

  /** One reply carrying this copy has been written (or its write failed: the bytes are no longer read). */
  written(): void {
    this.pending--;
    this.owner.release(this);
  }
}

/** Which copy a buffer belongs to, for the WebSockets to report writes; any pool's copies. */
const owners = new WeakMap<ArrayBufferLike, Snapshot>();

/** At most this many idle copies are kept for reuse. */
const MAX_IDLE = 8;

export class ParamsSnapshots {
  /** Copies allocated so far (the rest of the versions sent reused one). */
  made = 0;
  private latest: Snapshot | null = null;
  private readonly idle: Snapshot[] = [];

  /** `params`: the live parameters, which change in place with each version. */
  constructor(private readonly params: Float32Array) {}

  /**
   * The bytes of `params` at `version`, for one reply: call once per reply that carries them.
   * They stay unchanged until that reply has been written.
   */
  current(version: number): Buffer {
    if (this.latest?.version !== version) {
      const old = this.latest;
      const s = this.idle.pop() ?? this.fresh();
      s.bytes.set(new Uint8Array(this.params.buffer, this.params.byteOffset, this.params.byteLength));
      s.version = version;
      this.latest = s;
      if (old) this.release(old);
    }
    this.latest.pending++;
    return this.latest.bytes;
  }

  /** Returns a copy to the pool once it is neither the latest nor waiting on a write. */
  release(s: Snapshot): void {
    if (s !== this.latest && s.pending === 0 && this.idle.length < MAX_IDLE) this.idle.push(s);
  }

  private fresh(): Snapshot {
    // Its own memory (not a slice of Node's shared pool), so the buffer identifies the copy.
    const s = new Snapshot(Buffer.allocUnsafeSlow(this.params.byteLength), this);
    this.made++;
    owners.set(s.bytes.buffer, s);
    return s;
  }
}

type SendCallback = (err?: Error) => void;

/** A WebSocket that tells the copy it sends when the write is done (ws calls back then, or with the error). */
class TrackingWebSocket extends WebSocket {
  override send(data: unknown, options?: object | SendCallback, cb?: SendCallback): void {
    const done = typeof options === 'function' ? (options as SendCallback) : cb;
    const opts = typeof options === 'function' ? {} : options ?? {};
    const s = ArrayBuffer.isView(data) ? owners.get(data.buffer) : undefined;
    if (!s) return super.send(data as Buffer, opts, done);
    super.send(data as Buffer, opts, (err?: Error) => {
      s.written();
      done?.(err);
    });
  }
}

/** Socket.IO's `wsEngine`: the ws server, with WebSockets that report the writes of parameter copies. */
export class TrackingWebSocketServer extends WebSocketServer {
  constructor(options: ServerOptions, callback?: () => void) {
    super({ ...options, WebSocket: TrackingWebSocket }, callback);
  }
}
