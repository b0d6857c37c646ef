// Just enough WebSocket (RFC 6455) for e2e scenarios, on raw sockets: the opening handshake's accept
// key, and single unfragmented text frames under 64 KiB, masked from the client and unmasked from the
// server. Node 20 has no WebSocket server or client of its own, and the proxy must not care which
// library speaks it: after the 101 it only relays bytes.

import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const TEXT = 0x1;

/** `Sec-WebSocket-Accept` for a `Sec-WebSocket-Key`. */
export function acceptKeyFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A fresh `Sec-WebSocket-Key`. */
export function newWebSocketKey(): string {
  return randomBytes(16).toString('base64');
}

/** One final text frame; `masked` for frames a client sends. */
export function encodeTextFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  if (payload.length >= 65536) throw new Error('frame too long for this minimal codec');
  const lengthBytes = payload.length < 126 ? 0 : 2;
  const head = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  head[0] = 0x80 | TEXT;
  head[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? payload.length : 126);
  if (lengthBytes === 2) head.writeUInt16BE(payload.length, 2);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  mask.copy(head, 2 + lengthBytes);
  return Buffer.concat([head, payload.map((b, i) => b ^ (mask[i % 4] ?? 0))]);
}

/** Reads frames out of a byte stream as they complete. */
export class FrameReader {
  #buffered = Buffer.alloc(0);

  /** Adds bytes; returns the text of every frame now complete. */
  push(chunk: Buffer): string[] {
    this.#buffered = Buffer.concat([this.#buffered, chunk]);
    const texts: string[] = [];
    for (;;) {
      const b = this.#buffered;
      if (b.length < 2) break;
      const masked = ((b[1] ?? 0) & 0x80) !== 0;
      let length = (b[1] ?? 0) & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) break;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        throw new Error('frame too long for this minimal codec');
      }
      const maskAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) break;
      const payload = Buffer.from(b.subarray(offset, offset + length));
      if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] ?? 0) ^ (b[maskAt + (i % 4)] ?? 0);
      if (((b[0] ?? 0) & 0x0f) === TEXT) texts.push(payload.toString('utf8'));
      this.#buffered = b.subarray(offset + length);
    }
    return texts;
  }
}
