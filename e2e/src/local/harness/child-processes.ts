// The child processes of one e2e file (weftd, weft-proxy): spawned from the built binaries with a clean
// environment, their output kept for failure messages, and every one killed at the end, also when a test
// throws or the worker exits early. Each child carries a marker variable so a final check can find
// leftovers in /proc, grandchildren included.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { waitUntil } from './wait-until.js';

/** Environment variable set on every child of this file run; its value is {@link RUN_MARKER}. */
export const RUN_MARKER_VARIABLE = 'WEFT_E2E_RUN';
/** Unique per test file run (each vitest worker loads this module afresh). */
export const RUN_MARKER = randomUUID();

/** `WEFT_E2E_LOG_LEVEL=debug` runs weftd and the proxies at debug level, to see pushes and ACKs when a
 *  scenario fails; anything else keeps them at info. */
export const E2E_LOG_LEVEL = process.env.WEFT_E2E_LOG_LEVEL ?? 'info';

/** Lines of output kept per process (older ones are dropped). */
const KEPT_LINES = 2000;

/** How a child ended. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One running (or ended) child process. */
export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** Whether it has not exited yet. */
  isRunning(): boolean;
  /** The last lines of stdout and stderr, interleaved as they came, each prefixed with the name. */
  output(): string;
  /** The last lines of stdout alone, as written (access logs: weft-proxy logs to stderr). */
  stdoutLines(): readonly string[];
  /** Waits for an output line matching `pattern` (lines already seen count) and returns its match. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends `signal` (SIGTERM by default), then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ChildExit>;
}

const live = new Map<number, ChildProcess>();

/** SIGKILLs every child still running; synchronous, so it can run in an `exit` handler. */
export function killAllChildrenNow(): void {
  for (const [pid, child] of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

// The last line of defence: a worker that exits (normally, or on a signal vitest sends) takes its
// children with it. afterAll hooks stop them politely first; these hooks only catch what is left.
process.once('exit', killAllChildrenNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const onSignal = (): void => {
    killAllChildrenNow();
    // With no other listener left, the signal's default action (exit) is what the sender wanted.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once(signal, onSignal);
}

/** The environment of a child: only what Node needs plus the run marker, so a developer's WEFT_* or
 *  ISTIO_META_* variables cannot change a scenario. */
function cleanEnvironment(extra: Readonly<Record<string, string>>): Record<string, string> {
  const env: Record<string, string> = { [RUN_MARKER_VARIABLE]: RUN_MARKER };
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

/** Starts `node <script> ...args` as a tracked child (`script` may also be a node flag such as `-e`). */
export function spawnNodeProcess(name: string, script: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildHandle {
  return spawnProcess(name, process.execPath, [script, ...args], env);
}

/** Starts any program (Prometheus) as {@link spawnNodeProcess} does: tracked, marked, output kept. */
export function spawnProcess(name: string, command: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): ChildHandle {
  const child = spawn(command, args, { env: cleanEnvironment(env), stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not spawn ${command}`);
  const pid = child.pid;
  live.set(pid, child);
  const lines: string[] = [];
  const stdout: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (stream: NodeJS.ReadableStream, only?: string[]): void => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > KEPT_LINES) lines.shift();
        if (only) {
          only.push(line);
          if (only.length > KEPT_LINES) only.shift();
        }
      }
      for (const wake of waiters) wake();
    });
  };
  if (child.stdout) collect(child.stdout, stdout);
  if (child.stderr) collect(child.stderr);
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(pid);
      resolve({ code, signal });
      for (const wake of waiters) wake();
    });
  });
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  const output = (): string => lines.map((l) => `[${name}] ${l}`).join('\n');

  return {
    name,
    pid,
    exited,
    isRunning,
    output,
    stdoutLines: () => stdout,
    async waitForLine(pattern, timeoutMs = 15_000) {
      return waitUntil(
        `${name} to print a line matching ${pattern}`,
        () => {
          for (const line of lines) {
            const m = line.match(pattern);
            if (m) return m;
          }
          if (!isRunning()) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode})`);
          return undefined;
        },
        { timeoutMs, intervalMs: 20, describe: output },
      );
    },
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (isRunning()) {
        child.kill(signal);
        const timer = setTimeout(() => {
          if (isRunning()) child.kill('SIGKILL');
        }, graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Pids of live processes (other than this one) carrying this run's marker: children that outlived
 *  their cleanup, and anything they started. Linux only (reads /proc); elsewhere the tracked pids. */
export function findLeftoverProcesses(): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [...live.keys()];
  }
  const needle = `${RUN_MARKER_VARIABLE}=${RUN_MARKER}`;
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (pid === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'latin1');
      if (!environ.split('\0').includes(needle)) continue;
      // A zombie (exited, not yet reaped) is not a leftover: it holds no ports and runs nothing.
      const state = /^\d+ \(.*\) (\S)/.exec(readFileSync(`/proc/${entry}/stat`, 'latin1'))?.[1];
      if (state !== 'Z') found.push(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
