import { describe, expect, it } from 'vitest';
import { PacketType, type Packet } from 'socket.io-parser';
import { Decoder, Encoder } from './wireParser.ts';

/** Encodes with tabswarm's Encoder and decodes every frame with a fresh Decoder; returns the packets. */
function roundTrip(packet: Packet): { frames: (string | Uint8Array)[]; decoded: Packet[] } {
  const frames = new Encoder().encode(packet);
  const decoded: Packet[] = [];
  const d = new Decoder();
  d.on('decoded', (p: Packet) => decoded.push(p));
  for (const f of frames) d.add(f);
  return { frames, decoded };
}

const u8 = (x: unknown) => {
  const b = x as ArrayBufferView;
  return Array.from(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
};

describe('wireParser', () => {
  it('sends a packet with binary values as one binary frame and restores them, nested or not', () => {
    const grad = new Float32Array([1.5, -2, 3.25]);
    const extra = new Uint8Array([7, 8, 9, 10, 11]); // odd length: the next attachment is padded
    const packet: Packet = {
      type: PacketType.EVENT, nsp: '/worker', id: 12,
      data: ['push', { version: 3, grad, nested: [extra, { deep: grad.buffer }], name: 'x' }],
    };
    const { frames, decoded } = roundTrip(packet);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toBeInstanceOf(Uint8Array);
    expect(decoded).toHaveLength(1);
    const [p] = decoded;
    expect(p).toMatchObject({ type: PacketType.EVENT, nsp: '/worker', id: 12 });
    const [event, payload] = p.data as [string, { version: number; grad: Uint8Array; nested: [Uint8Array, { deep: Uint8Array }]; name: string }];
    expect(event).toBe('push');
    expect(payload.version).toBe(3);
    expect(payload.name).toBe('x');
    expect(u8(payload.grad)).toEqual(u8(grad));
    expect(u8(payload.nested[0])).toEqual(u8(extra));
    expect(u8(payload.nested[1].deep)).toEqual(u8(grad));
    // Every attachment starts at a 4-byte offset of the frame, so float32 views need no copy.
    for (const a of [payload.grad, payload.nested[0], payload.nested[1].deep]) expect(a.byteOffset % 4).toBe(0);
    expect(Array.from(new Float32Array(payload.grad.buffer, payload.grad.byteOffset, 3))).toEqual([1.5, -2, 3.25]);
  });

  it('restores an ack without an id field when the packet had none', () => {
    const ack = roundTrip({ type: PacketType.ACK, nsp: '/worker', id: 0, data: [{ ok: true, params: new Uint8Array(8) }] }).decoded[0];
    expect(ack).toMatchObject({ type: PacketType.ACK, id: 0 });
    const event = roundTrip({ type: PacketType.EVENT, nsp: '/', data: ['tick', new Uint8Array(4)] }).decoded[0];
    expect('id' in event).toBe(false);
  });

  it('keeps the standard text form for packets without binary', () => {
    const packet: Packet = { type: PacketType.EVENT, nsp: '/dashboard', data: ['tick', { a: [1, 2], b: null, when: 'now' }] };
    const { frames, decoded } = roundTrip(packet);
    expect(frames).toEqual(['2/dashboard,["tick",{"a":[1,2],"b":null,"when":"now"}]']);
    expect(decoded).toEqual([packet]);
  });

  it('refuses malformed frames with an error that says what is wrong', () => {
    const good = new Encoder().encode({ type: PacketType.EVENT, nsp: '/', data: ['push', new Uint8Array(16)] })[0] as Uint8Array;
    const frame = (header: string, tail: number[] = []) => {
      const h = new TextEncoder().encode(header);
      const out = new Uint8Array(4 + h.length + tail.length);
      new DataView(out.buffer).setUint32(0, h.length, true);
      out.set(h, 4);
      out.set(tail, 4 + h.length);
      return out;
    };
    const add = (chunk: unknown) => () => new Decoder().add(chunk);
    expect(add(good.subarray(0, 3))).toThrow(/header length/);
    expect(add(good.subarray(0, good.length - 4))).toThrow(/attachment 0 overruns/);
    expect(add(frame('[2, "/", null'))).toThrow(/header is not JSON/);
    expect(add(frame('{"type": 2}'))).toThrow(/must be \[type, nsp, id, data\]/);
    expect(add(frame('[2,"/",null,["push",{"_placeholder":true,"num":1}]]'))).toThrow(/placeholder 1 names no attachment/);
    expect(add(frame('[0,"/",null,["push"]]'))).toThrow(/not a valid event or ack/);
    expect(add(frame('[2,"/",-1,["push"]]'))).toThrow(/not a valid event or ack/);
    expect(add(frame('[2,"/",null,[]]'))).toThrow(/not a valid event or ack/);
    expect(add('51-/,["push",{"_placeholder":true,"num":0}]')).toThrow(/one binary frame/);
    expect(add(42)).toThrow(/string or binary frame/);
    // and the well-formed frame itself decodes
    expect(add(good)).not.toThrow();
  });
});
