/**
 * Bounds on what connections can hold in the coordinator:
 *  - at most maxConnections Socket.IO connections at once, and maxConnectionsPerIp from one
 *    address (an IPv6 one by its /64, clientAddress.ts; the handshake of one more is refused);
 *  - a message may carry at most MAX_ATTACHMENTS binary attachments (a push: its update and a
 *    report's two statistics arrays); a message announcing more closes its connection;
 *  - a message whose binary attachments do not all arrive within halfSentTimeoutMs closes its
 *    connection, so that a socket cannot hold a half-sent message's buffers for ever.
 * With maxHttpBufferSize bounding each frame, what one connection holds is bounded, and so is the whole.
 */
import type { IncomingMessage } from 'node:http';
import { Decoder, Encoder } from 'socket.io-parser';
import { clientAddress } from './clientAddress.ts';

export const MAX_ATTACHMENTS = 3;
export const HALF_SENT_TIMEOUT_MS = 10_000;

/** socket.io-parser with MAX_ATTACHMENTS (its default allows 10): the Server's `parser` option. */
export const boundedParser = {
  Encoder,
  Decoder: class extends Decoder {
    constructor() {
      super({ maxAttachments: MAX_ATTACHMENTS });
    }
  },
};

/** The engine.io socket events this needs. */
interface RawSocket {
  request: IncomingMessage;
  on(event: 'message', f: (data: unknown) => void): void;
  on(event: 'close', f: () => void): void;
  close(): void;
}

export class ConnectionLimits {
  private readonly perIp = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxConnections: number, private readonly maxPerIp: number, private readonly halfSentTimeoutMs = HALF_SENT_TIMEOUT_MS) {}

  /** Why a new connection from the request's address is refused, or null when it may open. */
  refusal(req: IncomingMessage): string | null {
    if (this.total >= this.maxConnections) return `the coordinator holds its most connections (${this.maxConnections})`;
    if ((this.perIp.get(address(req)) ?? 0) >= this.maxPerIp) return `too many connections from one address (${this.maxPerIp})`;
    return null;
  }

  /** Counts an opened engine.io connection until it closes, and watches its binary messages. */
  opened(raw: RawSocket): void {
    const ip = address(raw.request);
    this.total++;
    this.perIp.set(ip, (this.perIp.get(ip) ?? 0) + 1);
    let missing = 0;
    let timer: NodeJS.Timeout | null = null;
    raw.on('message', (data) => {
      if (typeof data === 'string') {
        // A binary event or ack ("5" or "6", then the attachment count and "-") announces its attachments.
        if (data[0] === '5' || data[0] === '6') {
          const n = Number.parseInt(data.slice(1), 10);
          if (Number.isInteger(n) && n > 0 && n <= MAX_ATTACHMENTS) {
            missing = n;
            timer ??= setTimeout(() => raw.close(), this.halfSentTimeoutMs);
          }
        }
      } else if (missing > 0 && --missing === 0 && timer) {
        clearTimeout(timer);
        timer = null;
      }
    });
    raw.on('close', () => {
      if (timer) clearTimeout(timer);
      this.total--;
      const left = (this.perIp.get(ip) ?? 1) - 1;
      if (left > 0) this.perIp.set(ip, left);
      else this.perIp.delete(ip);
    });
  }
}

function address(req: IncomingMessage): string {
  return clientAddress(req.socket.remoteAddress);
}
