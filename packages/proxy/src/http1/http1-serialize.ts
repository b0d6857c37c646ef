// Writes HTTP/1.1 heads as one latin1 string each (request line or status line, headers, framing and
// connection headers), and the pieces of chunked framing. Values holding CR or LF are dropped rather
// than written, so a header edit from config can never split a head.

import { STATUS_CODES } from 'node:http';
import type { HeaderBag } from '../compile/header-mutation.js';

function isSafeValue(v: string): boolean {
  return v.indexOf('\n') === -1 && v.indexOf('\r') === -1;
}

/** `name: value` lines of `headers`, arrays as repeated lines. */
export function headerLines(headers: HeaderBag): string {
  let out = '';
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined) continue;
    if (typeof v === 'string') {
      if (isSafeValue(v)) out += `${name}: ${v}\r\n`;
    } else for (const one of v) if (isSafeValue(one)) out += `${name}: ${one}\r\n`;
  }
  return out;
}

/** A request head. `chunked` adds `transfer-encoding: chunked`; `upgrade` asks for a protocol switch;
 *  `extra` is pre-serialized header lines (`name: value\r\n`...). */
export function requestHeadText(method: string, path: string, headers: HeaderBag, chunked: boolean, upgrade: string | undefined, extra = ''): string {
  let head = `${method} ${path} HTTP/1.1\r\n${headerLines(headers)}${extra}`;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  if (upgrade !== undefined) head += `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;
  return `${head}\r\n`;
}

const STATUS_LINES = new Map<number, string>();

/** `HTTP/1.1 200 OK\r\n`, cached per status. */
export function statusLine(status: number): string {
  let line = STATUS_LINES.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    if (STATUS_LINES.size < 1000) STATUS_LINES.set(status, line);
  }
  return line;
}

/** The size line that opens a chunk of `length` bytes. */
export function chunkHeader(length: number): string {
  return `${length.toString(16)}\r\n`;
}

/** The last chunk and the trailer section. */
export function lastChunk(trailers: HeaderBag | undefined): string {
  return trailers === undefined ? '0\r\n\r\n' : `0\r\n${headerLines(trailers)}\r\n`;
}
