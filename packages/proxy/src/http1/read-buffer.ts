// One 64 KiB read buffer for every plaintext HTTP/1.1 socket, upstream and downstream: a read is
// processed to the end (and what outlives it copied by whoever keeps it) before the next one lands,
// JavaScript being single-threaded. It saves Node's per-read work: a 64 KiB block shrunk to the read,
// wrapped in a new ArrayBuffer, swept later, and pushed through the readable stream to 'data'.

import { Socket } from 'node:net';

let buffer: Buffer | undefined;

/** The shared buffer (`onread.buffer` of the sockets weft-proxy connects). */
export function sharedReadBuffer(): Buffer {
  return (buffer ??= Buffer.allocUnsafe(64 * 1024));
}

/** The callback of a socket reading into the shared buffer: `n` bytes of `buf` are valid until it
 *  returns; false stops reading (resume() starts it again). */
export type ReadCallback = (n: number, buf: Buffer) => boolean;

/** Node's own slots for `onread` on a Socket (every Socket has them, null unless it was made with
 *  `onread`); null when this Node has none, and accepted sockets then keep the 'data' path. */
let slots: { buffer: symbol; callback: symbol } | null | undefined;
function onreadSlots(): { buffer: symbol; callback: symbol } | null {
  if (slots !== undefined) return slots;
  const probe = new Socket();
  const own = Object.getOwnPropertySymbols(probe);
  const b = own.find((s) => s.description === 'kBuffer');
  const c = own.find((s) => s.description === 'kBufferCb');
  probe.destroy();
  return (slots = b && c && probe[b as keyof Socket] === null ? { buffer: b, callback: c } : null);
}

/**
 * Makes an accepted plaintext socket read into the shared buffer and call `callback` instead of
 * emitting 'data', as `net.connect({ onread })` does for sockets it makes (Node's API offers no
 * `onread` for a server's sockets, so this sets the same slots `onread` sets). Returns the bytes the
 * socket had already buffered (a protocol sniffer's unshift), to be processed first, or false when the
 * socket cannot be switched (TLS, no handle, another Node): it then keeps emitting 'data'.
 */
export function readIntoSharedBuffer(socket: Socket, callback: ReadCallback): Buffer | null | false {
  const handle = (socket as unknown as { _handle?: { useUserBuffer?: (b: Buffer) => void } })._handle;
  const s = onreadSlots();
  if (s === null || (socket as { encrypted?: boolean }).encrypted === true || typeof handle?.useUserBuffer !== 'function') return false;
  const target = socket as unknown as Record<symbol, unknown>;
  // A flowing socket emits what it has buffered as 'data' (to nobody, once switched): callers pause
  // it first, as the protocol sniffer does; otherwise it stays on the 'data' path.
  if (target[s.buffer] !== null || socket.readableFlowing === true) return false;
  const buffered = socket.readableLength > 0 ? (socket.read() as Buffer | null) : null;
  const buf = sharedReadBuffer();
  target[s.buffer] = buf;
  target[s.callback] = callback;
  handle.useUserBuffer(buf);
  return buffered;
}
