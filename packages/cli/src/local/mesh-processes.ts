// The child processes of `weftctl up`: spawned with `node <script>`, their output written to one log
// file each and to a combined log (and to the terminal with a name prefix when verbose), stopped
// together. Owns the processes' lifetimes, not what they are.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One child of the mesh. */
export interface MeshChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<ChildExit>;
  isRunning(): boolean;
  /** The first output line matching `pattern` (earlier lines count); rejects when the child exits
   *  first or `signal` aborts. */
  waitForLine(pattern: RegExp, signal?: AbortSignal): Promise<RegExpMatchArray>;
  /** The last lines of its output, for error messages. */
  tail(lines?: number): string;
}

/** Where output goes. */
export interface ProcessGroupOptions {
  readonly logsDir: string;
  /** Every line, prefixed with the process name, also goes here (the terminal, with --verbose). */
  readonly echo?: NodeJS.WritableStream;
}

const KEPT_LINES = 200;

/** The children of one mesh. Not reusable once {@link ProcessGroup.stopAll} has run. */
export class ProcessGroup {
  readonly #children: { child: ChildProcess; handle: MeshChild }[] = [];
  readonly #combined: WriteStream;
  readonly #options: ProcessGroupOptions;

  constructor(options: ProcessGroupOptions) {
    this.#options = options;
    this.#combined = createWriteStream(join(options.logsDir, 'mesh.log'), { flags: 'w' });
  }

  /** The children started so far, in start order. */
  get children(): readonly MeshChild[] {
    return this.#children.map((c) => c.handle);
  }

  /** Path of the combined log. */
  get combinedLog(): string {
    return join(this.#options.logsDir, 'mesh.log');
  }

  /** Starts `node <script> ...args` with the current environment plus `env`. Throws if it cannot spawn. */
  start(name: string, script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): MeshChild {
    return this.startCommand(name, process.execPath, [script, ...args], env);
  }

  /** Starts any program (Prometheus) the same way: logged, tracked, stopped with the rest. */
  startCommand(name: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): MeshChild {
    const logFile = join(this.#options.logsDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'w' });
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) {
      log.end();
      throw new Error(`${name}: could not start ${command}`);
    }
    const pid = child.pid;
    const lines: string[] = [];
    const wakers = new Set<() => void>();
    const onLine = (line: string): void => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      log.write(`${line}\n`);
      this.#combined.write(`[${name}] ${line}\n`);
      this.#options.echo?.write(`[${name}] ${line}\n`);
      for (const wake of wakers) wake();
    };
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) onLine(line);
      });
      stream.on('end', () => {
        if (partial !== '') onLine(partial);
        partial = '';
      });
    }
    // A spawn error (ENOENT, EACCES) comes as 'error' and then possibly no 'exit': settle on either.
    const exited = new Promise<ChildExit>((resolve) => {
      const done = (exit: ChildExit) => {
        log.end();
        resolve(exit);
        for (const wake of wakers) wake();
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', () => done({ code: child.exitCode ?? 1, signal: null }));
    });
    const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
    const handle: MeshChild = {
      name,
      pid,
      logFile,
      exited,
      isRunning,
      tail: (n = 20) => lines.slice(-n).map((l) => `  [${name}] ${l}`).join('\n'),
      waitForLine(pattern, signal) {
        return new Promise((resolve, reject) => {
          const check = (): void => {
            for (const line of lines) {
              const m = line.match(pattern);
              if (m) return finish(() => resolve(m));
            }
            if (signal?.aborted) return finish(() => reject(new Error('interrupted')));
            if (!isRunning()) finish(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it was ready`)));
          };
          const finish = (settle: () => void): void => {
            wakers.delete(check);
            signal?.removeEventListener('abort', check);
            settle();
          };
          wakers.add(check);
          signal?.addEventListener('abort', check);
          check();
        });
      },
    };
    this.#children.push({ child, handle });
    return handle;
  }

  /**
   * Stops every child still running: `before` first (proxies get their admin /quitquitquit there),
   * then SIGTERM to the rest, SIGKILL to whatever is left after `graceMs`. Resolves once every child
   * has exited; `order` names which go first (the others follow once those are gone).
   */
  async stopAll(options: { graceMs?: number; first?: (c: MeshChild) => boolean; before?: (c: MeshChild) => Promise<void> } = {}): Promise<void> {
    const grace = options.graceMs ?? 5000;
    const stopOne = async ({ child, handle }: { child: ChildProcess; handle: MeshChild }): Promise<void> => {
      if (!handle.isRunning()) return;
      if (options.before) await options.before(handle).catch(() => undefined);
      if (handle.isRunning()) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (handle.isRunning()) child.kill('SIGKILL');
      }, grace);
      await handle.exited;
      clearTimeout(timer);
    };
    const first = this.#children.filter((c) => options.first?.(c.handle) ?? true);
    const rest = this.#children.filter((c) => !first.includes(c));
    await Promise.all(first.map(stopOne));
    await Promise.all(rest.map(stopOne));
    await new Promise<void>((resolve) => this.#combined.end(resolve));
  }

  /** SIGKILLs every child now; synchronous, for an `exit` handler. */
  killAllNow(): void {
    for (const { child, handle } of this.#children) if (handle.isRunning()) child.kill('SIGKILL');
  }
}
