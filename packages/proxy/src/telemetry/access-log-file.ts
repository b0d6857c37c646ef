// Where access log lines go: one buffered writer per file path, shared by every logger of the proxy
// that names that path (Envoy's AccessLogManager). Lines are appended to a buffer; the buffer is written
// with one write per event-loop turn, through the thread pool (fs.write), so a slow or full pipe never
// blocks the request path. `/dev/stdout` and `/dev/stderr` are the process's own descriptors.

import { close as closeFd, openSync, write as writeFd } from 'node:fs';

/** Lines kept while the file does not keep up; past this, new lines are dropped and counted (Envoy
 *  would block its flush thread instead; weft-proxy has no thread to block). */
export const ACCESS_LOG_BUFFER_LIMIT = 16 * 1024 * 1024;

/** The file descriptor Envoy's well-known paths stand for, or undefined for a path to open. */
export function standardDescriptorOf(path: string): number | undefined {
  if (path === '/dev/stdout' || path === '/dev/fd/1') return 1;
  if (path === '/dev/stderr' || path === '/dev/fd/2') return 2;
  return undefined;
}

/** How lines reach a file: fs.write by default; tests pass their own. */
export type FdWriter = (fd: number, data: string, done: (error: NodeJS.ErrnoException | null) => void) => void;

const fsWriter: FdWriter = (fd, data, done) => writeFd(fd, data, null, 'utf8', (error) => done(error));

/** One open access log file. */
export class AccessLogFile {
  #buffer = '';
  #writing = false;
  #scheduled = false;
  #closed = false;
  /** Lines dropped because the buffer was full. */
  dropped = 0;
  /** Writes made (one per batch of lines). */
  writes = 0;
  /** The last write error, if the file stopped accepting lines. */
  lastError: NodeJS.ErrnoException | undefined = undefined;
  readonly #idle: (() => void)[] = [];

  constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly ownsFd: boolean,
    private readonly writer: FdWriter = fsWriter,
  ) {}

  /** Appends one line (with its newline). Never blocks and never throws. */
  write(line: string): void {
    if (this.#closed) return;
    if (this.#buffer.length + line.length > ACCESS_LOG_BUFFER_LIMIT) {
      this.dropped++;
      return;
    }
    this.#buffer += line;
    if (!this.#scheduled && !this.#writing) {
      this.#scheduled = true;
      // Every line of this turn goes in the same write.
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    if (this.#writing) return;
    if (this.#buffer === '') {
      for (const wake of this.#idle.splice(0)) wake();
      return;
    }
    const data = this.#buffer;
    this.#buffer = '';
    this.#writing = true;
    this.writes++;
    this.writer(this.fd, data, (error) => {
      this.#writing = false;
      if (error?.code === 'EAGAIN') {
        // A non-blocking pipe that is full: try again shortly, lines first.
        this.#buffer = data + this.#buffer;
        setTimeout(() => this.#flush(), 10);
        return;
      }
      if (error) this.lastError = error;
      this.#flush();
    });
  }

  /** Resolves once every line written so far has been handed to the file. */
  flush(): Promise<void> {
    if (this.#buffer === '' && !this.#writing) return Promise.resolve();
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      if (!this.#scheduled && !this.#writing) this.#flush();
    });
  }

  /** Flushes, then closes the descriptor it opened (never stdout / stderr). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    if (this.ownsFd) await new Promise<void>((resolve) => closeFd(this.fd, () => resolve()));
  }
}

/** The proxy's open access log files, by path. Opening is idempotent: every logger naming a path
 *  shares its file. */
export class AccessLogFiles {
  readonly #files = new Map<string, AccessLogFile>();

  constructor(private readonly writer?: FdWriter) {}

  /**
   * The file for `path`, opened for appending (created when missing) on first use, or why it cannot be
   * opened, in Envoy's words ("Failed to open access log file"). Opening happens when a config is
   * validated, never on the request path.
   */
  open(path: string): { ok: true; file: AccessLogFile } | { ok: false; problem: string } {
    const known = this.#files.get(path);
    if (known) return { ok: true, file: known };
    const std = standardDescriptorOf(path);
    let fd: number;
    try {
      fd = std ?? openSync(path, 'a', 0o644);
    } catch (e) {
      return { ok: false, problem: `access log file '${path}' cannot be opened: ${e instanceof Error ? e.message : String(e)}` };
    }
    const file = new AccessLogFile(path, fd, std === undefined, this.writer);
    this.#files.set(path, file);
    return { ok: true, file };
  }

  /** Every open file. */
  files(): AccessLogFile[] {
    return [...this.#files.values()];
  }

  /** Waits until every line logged so far is written. */
  async flush(): Promise<void> {
    await Promise.all(this.files().map((f) => f.flush()));
  }

  /** Flushes and closes every file. */
  async close(): Promise<void> {
    await Promise.all(this.files().map((f) => f.close()));
    this.#files.clear();
  }
}

/** The process's access log files: validation (which opens them, so a path that cannot be opened is a
 *  NACK) and the data path share them. */
export const processAccessLogFiles = new AccessLogFiles();
