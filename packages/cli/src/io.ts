// The streams a weftctl command reads and writes; tests pass their own.

/** Streams a command writes to and reads from. */
export interface Io {
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream;
}
