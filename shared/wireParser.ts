/**
 * tabswarm's Socket.IO parser: the standard one, except that a packet carrying binary data (a
 * gradient push, a reply with params) travels as ONE binary WebSocket frame instead of a text
 * header followed by one frame per attachment. Fewer frames and no placeholder round trip halve
 * the CPU time per push on both ends (docs/PERFORMANCE.md). The coordinator and every client
 * must use it (`{ parser: wireParser }`); packets without binary keep the standard text form.
 *
 * A binary packet's frame, all integers little-endian uint32:
 *   [header length][header: JSON [type, nsp, id | null, data]][pad to 4 bytes]
 *   then per attachment: [byte length][bytes][pad to 4 bytes]
 * where each binary value in `data` is replaced by { _placeholder: true, num: k }, k its
 * attachment index. Attachments start at 4-byte offsets, so a float32 array can be viewed in place.
 */
import { Decoder as TextDecoderBase, Encoder as TextEncoderBase, PacketType, isPacketValid, type Packet } from 'socket.io-parser';

type Binary = ArrayBuffer | ArrayBufferView;

const isBinary = (x: unknown): x is Binary => x instanceof ArrayBuffer || ArrayBuffer.isView(x);
const bytesOf = (b: Binary) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
const pad4 = (n: number) => (n + 3) & ~3;

/** A copy of `x` with every binary value replaced by a placeholder and pushed onto `out`. */
function extract(x: unknown, out: Uint8Array[]): unknown {
  if (isBinary(x)) {
    out.push(bytesOf(x));
    return { _placeholder: true, num: out.length - 1 };
  }
  if (Array.isArray(x)) return x.map((v) => extract(v, out));
  if (x !== null && typeof x === 'object' && !(x instanceof Date)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = extract(v, out);
    return o;
  }
  return x;
}

/** `x` with its placeholders replaced by the attachments, in place. */
function insert(x: unknown, attachments: Uint8Array[]): unknown {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) x[i] = insert(x[i], attachments);
    return x;
  }
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o._placeholder === true) {
      const k = o.num;
      if (typeof k !== 'number' || !Number.isInteger(k) || k < 0 || k >= attachments.length) throw new Error(`malformed binary packet: placeholder ${String(k)} names no attachment`);
      return attachments[k];
    }
    for (const key of Object.keys(o)) o[key] = insert(o[key], attachments);
  }
  return x;
}

const utf8 = { encoder: new TextEncoder(), decoder: new TextDecoder('utf-8', { fatal: true }) };

export class Encoder {
  private readonly text = new TextEncoderBase();

  encode(packet: Packet): (string | Uint8Array)[] {
    const attachments: Uint8Array[] = [];
    const data = extract(packet.data, attachments);
    if (attachments.length === 0 || (packet.type !== PacketType.EVENT && packet.type !== PacketType.ACK)) return this.text.encode(packet);
    const header = utf8.encoder.encode(JSON.stringify([packet.type, packet.nsp, packet.id ?? null, data]));
    let size = pad4(4 + header.length);
    for (const a of attachments) size += 4 + pad4(a.length);
    const frame = new Uint8Array(size);
    const view = new DataView(frame.buffer);
    view.setUint32(0, header.length, true);
    frame.set(header, 4);
    let at = pad4(4 + header.length);
    for (const a of attachments) {
      view.setUint32(at, a.length, true);
      frame.set(a, at + 4);
      at += 4 + pad4(a.length);
    }
    return [frame];
  }
}

export class Decoder extends TextDecoderBase {
  /** One frame: a text packet (standard form, never a binary one), or a whole binary packet. */
  override add(chunk: unknown): void {
    if (typeof chunk === 'string') {
      const type = Number(chunk[0]);
      if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) throw new Error('malformed packet: binary packets must come as one binary frame');
      super.add(chunk);
      return;
    }
    if (!isBinary(chunk)) throw new Error(`malformed packet: expected a string or binary frame, got ${typeof chunk}`);
    this.emitReserved('decoded', decodeFrame(bytesOf(chunk)));
  }
}

function decodeFrame(frame: Uint8Array): Packet {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const headerLength = frame.length >= 4 ? view.getUint32(0, true) : -1;
  if (headerLength < 0 || 4 + headerLength > frame.length) throw new Error(`malformed binary packet: header length ${headerLength} in a frame of ${frame.length} bytes`);
  let header: unknown;
  try {
    header = JSON.parse(utf8.decoder.decode(frame.subarray(4, 4 + headerLength)));
  } catch (e) {
    throw new Error(`malformed binary packet: header is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(header) || header.length !== 4) throw new Error('malformed binary packet: header must be [type, nsp, id, data]');
  const attachments: Uint8Array[] = [];
  for (let at = pad4(4 + headerLength); at < frame.length; ) {
    const n = at + 4 <= frame.length ? view.getUint32(at, true) : -1;
    if (n < 0 || at + 4 + n > frame.length) throw new Error(`malformed binary packet: attachment ${attachments.length} overruns the frame`);
    attachments.push(frame.subarray(at + 4, at + 4 + n));
    at += 4 + pad4(n);
  }
  const [type, nsp, id, data] = header as [unknown, unknown, unknown, unknown];
  const packet = { type, nsp, data: insert(data, attachments), ...(id === null ? {} : { id }) } as Packet;
  const idOk = id === null || (Number.isInteger(id) && (id as number) >= 0);
  if ((type !== PacketType.EVENT && type !== PacketType.ACK) || !idOk || !isPacketValid(packet)) throw new Error('malformed binary packet: not a valid event or ack');
  return packet;
}
