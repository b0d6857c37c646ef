// The state file of a running `weftctl up` (`<stateDir>/up.json`): taken exclusively at start, holding
// the pid and, once ready, the addresses of the mesh; a second `up`, `apply` and `get` read it. A file
// whose pid is dead is stale and ignored.

import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A process of the running mesh, as recorded for other commands. */
export interface MeshProcessRecord {
  readonly name: string;
  readonly pid: number;
  /** Its admin API (proxies) or debug API (weftd). */
  readonly adminUrl?: string;
  /** Its Istio metrics (proxies: `http://127.0.0.1:<stats port>/stats/prometheus`). */
  readonly statsUrl?: string;
  readonly log: string;
}

/** The content of the state file. */
export interface MeshState {
  /** The `weftctl up` process. */
  readonly pid: number;
  readonly startedAt: string;
  readonly phase: 'starting' | 'ready';
  readonly configDir: string;
  readonly logsDir: string;
  /** weftd's debug API, `http://127.0.0.1:<port>`, once known. */
  readonly debugUrl?: string;
  /** weftd's xDS address, `127.0.0.1:<port>`, once known. */
  readonly xdsAddress?: string;
  /** The productpage through the ingress gateway. */
  readonly gatewayUrl?: string;
  /** Prometheus, when `up` started one. */
  readonly prometheusUrl?: string;
  /** weft-ui, when `up` started it. */
  readonly dashboardUrl?: string;
  readonly processes?: readonly MeshProcessRecord[];
}

/** Outcome of {@link acquireMeshLock}. */
export type LockResult = { readonly acquired: true } | { readonly acquired: false; readonly running: MeshState };

/** Whether `pid` is a live process (EPERM counts: it exists, it is just not ours). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state file's content, or undefined when it is missing or unreadable as a state. */
export async function readMeshState(file: string): Promise<MeshState | undefined> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<MeshState>;
    if (typeof value.pid !== 'number' || typeof value.configDir !== 'string') return undefined;
    return value as MeshState;
  } catch {
    return undefined;
  }
}

/** The state of a live `weftctl up`, or undefined when none runs (no file, unreadable, or stale). */
export async function findRunningMesh(file: string): Promise<MeshState | undefined> {
  const state = await readMeshState(file);
  return state && isProcessAlive(state.pid) ? state : undefined;
}

/**
 * Creates the state file with `state` unless a live process holds it. The file is created with
 * O_EXCL, so two `up`s racing cannot both win; a stale file (dead pid, or garbage) is removed and the
 * creation retried once.
 */
export async function acquireMeshLock(file: string, state: MeshState): Promise<LockResult> {
  await mkdir(dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, `${JSON.stringify(state, null, 2)}\n`, { flag: 'wx' });
      return { acquired: true };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
    }
    const running = await findRunningMesh(file);
    if (running && running.pid !== state.pid) return { acquired: false, running };
    await unlink(file).catch(() => undefined);
  }
}

/** Rewrites the state file held by this process (after {@link acquireMeshLock}). */
export async function updateMeshState(file: string, state: MeshState): Promise<void> {
  await writeFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes the state file if it is still ours (`pid`); never throws. */
export async function releaseMeshLock(file: string, pid: number): Promise<void> {
  const state = await readMeshState(file);
  if (state && state.pid !== pid) return;
  await unlink(file).catch(() => undefined);
}
