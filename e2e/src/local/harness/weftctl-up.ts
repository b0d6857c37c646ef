// `weftctl up` as the child of an e2e file: the built CLI started in a temp state dir, ready when it
// prints its summary; `weftctl apply` and `weftctl get` run against it as separate processes, the way a
// user would; a wait for every proxy to run what was applied (read from weftd's /debug/syncz); and the
// teardown that leaves no process of the run behind.

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPath } from './binaries.js';
import { findLeftoverProcesses, spawnNodeProcess, type ChildExit, type ChildHandle } from './child-processes.js';
import { waitUntil, sleep } from './wait-until.js';
import { isInSync, type SyncEntry } from './weftd-process.js';

/** The part of `<state>/up.json` scenarios read. */
export interface UpStateFile {
  readonly pid: number;
  readonly phase: string;
  readonly gatewayUrl?: string;
  readonly debugUrl?: string;
  readonly processes?: readonly { name: string; pid: number }[];
}

/** A running `weftctl up` and where it keeps things. */
export interface UpMesh {
  /** The temp folder holding everything below; removed by {@link stopUpMesh}. */
  readonly dir: string;
  readonly configDir: string;
  readonly stateDir: string;
  readonly up: ChildHandle;
  /** up.json as it was when the mesh reported ready. */
  readonly state: UpStateFile;
  /** productpage's sidecar explicit outbound port, from the summary's `curl -x` line. */
  readonly sidecarPort: number;
}

/** The result of one `weftctl` command. */
export interface WeftctlResult {
  readonly exit: ChildExit;
  readonly output: string;
}

/** Whether a process is alive (signal 0). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the built `weftctl up --config-dir <tmp>/mesh` with WEFT_STATE_DIR=<tmp>/state (and `env`, which
 * weftctl's children inherit: `WEFT_WEFTD_MESH_CONFIG`...) and waits for `weft mesh ready`. `configFiles` are
 * written into the config directory first (it is then not seeded: give the whole config). On failure the
 * half-started mesh is stopped before the error is thrown.
 */
export async function startUpMesh(prefix = 'weft-e2e-up-', readyTimeoutMs = 120_000, env: Readonly<Record<string, string>> = {}, configFiles: Readonly<Record<string, string>> = {}): Promise<UpMesh> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const configDir = join(dir, 'mesh');
  const stateDir = join(dir, 'state');
  if (Object.keys(configFiles).length > 0) {
    await mkdir(configDir, { recursive: true });
    for (const [name, text] of Object.entries(configFiles)) await writeFile(join(configDir, name), text);
  }
  const up = spawnNodeProcess('weftctl up', binaryPath('cli', 'weftctl'), ['up', '--config-dir', configDir], { ...env, WEFT_STATE_DIR: stateDir });
  try {
    await up.waitForLine(/^weft mesh ready in /, readyTimeoutMs);
    const [, port] = await up.waitForLine(/curl -x http:\/\/127\.0\.0\.1:(\d+) http:\/\/productpage:9080\/productpage/);
    const state = JSON.parse(await readFile(join(stateDir, 'up.json'), 'utf8')) as UpStateFile;
    return { dir, configDir, stateDir, up, state, sidecarPort: Number(port) };
  } catch (e) {
    await stopUpMesh({ dir, up });
    throw e;
  }
}

/**
 * The afterAll of a `weftctl up` file, whatever happened before: SIGINT to weftctl, then SIGKILL to
 * anything of this run still alive (grandchildren too), then the temp folder goes.
 */
export async function stopUpMesh(mesh: Pick<UpMesh, 'dir' | 'up'> | undefined): Promise<void> {
  if (!mesh) return;
  await mesh.up.stop('SIGINT', 20_000);
  for (const pid of findLeftoverProcesses()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await rm(mesh.dir, { recursive: true, force: true });
}

/** Runs the built `weftctl <args>` against the mesh of `stateDir` and waits for it to exit. */
export async function runWeftctl(stateDir: string, args: readonly string[], timeoutMs = 30_000): Promise<WeftctlResult> {
  const child = spawnNodeProcess(`weftctl ${args[0] ?? ''}`, binaryPath('cli', 'weftctl'), args, { WEFT_STATE_DIR: stateDir });
  const timer = setTimeout(() => void child.stop('SIGKILL'), timeoutMs);
  const exit = await child.exited;
  clearTimeout(timer);
  // Let the last chunks of stdout/stderr arrive after 'exit'.
  await sleep(20);
  return { exit, output: child.output() };
}

/** weftd's /debug/syncz of the mesh. */
export async function fetchSyncz(debugUrl: string): Promise<SyncEntry[]> {
  const res = await fetch(`${debugUrl}/debug/syncz`, { signal: AbortSignal.timeout(5000) });
  if (res.status !== 200) throw new Error(`/debug/syncz answered ${res.status}`);
  return (await res.json()) as SyncEntry[];
}

/** Per proxy, the versions weftd last sent (a fingerprint of what it runs). */
export type SyncSnapshot = ReadonlyMap<string, string>;

const versionsOf = (e: SyncEntry): string =>
  Object.entries(e.resources)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, s]) => `${t}=${s.sent ?? ''}/${s.acked ?? ''}`)
    .join(' ');

/** Takes the snapshot {@link waitForPush} compares with; take it before writing the change. */
export async function syncSnapshot(debugUrl: string): Promise<SyncSnapshot> {
  return new Map((await fetchSyncz(debugUrl)).map((e) => [e.proxy, versionsOf(e)]));
}

/**
 * Waits until weftd has pushed a change to the proxies whose node id contains one of `changed` (their
 * versions differ from `before`) and every connected proxy has acknowledged every type, twice in a row
 * 100 ms apart with the same versions, so a push still going out is not taken for the end of it.
 */
export async function waitForPush(debugUrl: string, before: SyncSnapshot, changed: readonly string[], timeoutMs = 15_000): Promise<void> {
  let candidate: string | undefined;
  let seen = '';
  await waitUntil(
    `weftd to push the change to ${changed.join(', ')} and every proxy to acknowledge it`,
    async () => {
      const entries = await fetchSyncz(debugUrl);
      const targets = entries.filter((e) => changed.some((c) => e.proxy.includes(c)));
      seen = JSON.stringify(entries.map((e) => ({ proxy: e.proxy, inSync: isInSync(e), changed: before.get(e.proxy) !== versionsOf(e) })));
      const done = targets.length >= changed.length && targets.every((e) => before.get(e.proxy) !== versionsOf(e)) && entries.every(isInSync);
      if (!done) {
        candidate = undefined;
        return false;
      }
      const now = entries.map((e) => `${e.proxy}:${versionsOf(e)}`).join('\n');
      if (candidate === now) return true;
      candidate = now;
      await sleep(100);
      return false;
    },
    { timeoutMs, intervalMs: 50, describe: () => `last syncz: ${seen}` },
  );
}
