// Test-only: an Io whose output is captured, for running commands in-process.
import { PassThrough } from 'node:stream';

/** Captured streams and a way to read them. */
export function captureIo(stdinText?: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  const o: Buffer[] = [];
  const e: Buffer[] = [];
  out.on('data', (c: Buffer) => o.push(c));
  err.on('data', (c: Buffer) => e.push(c));
  return { io: { out, err, stdin }, out: () => Buffer.concat(o).toString(), err: () => Buffer.concat(e).toString() };
}
