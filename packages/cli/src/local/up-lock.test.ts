import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveMeshPaths, resolveStateDir } from './mesh-paths.js';
import { acquireMeshLock, findRunningMesh, isProcessAlive, releaseMeshLock, type MeshState } from './up-lock.js';

/** A pid that was alive a moment ago and is not any more. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid ?? 999_999_999;
}

const state = (pid: number): MeshState => ({ pid, startedAt: '2026-01-01T00:00:00.000Z', phase: 'ready', configDir: '/c', logsDir: '/l', gatewayUrl: 'http://127.0.10.100:8080/productpage' });

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-lock-'));
  file = join(dir, 'state', 'up.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the up state file', () => {
  it('is taken when absent (creating its directory), and released', async () => {
    expect(await acquireMeshLock(file, state(process.pid))).toEqual({ acquired: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid, phase: 'ready' });
    await releaseMeshLock(file, process.pid);
    expect(await findRunningMesh(file)).toBeUndefined();
  });

  it('is refused while a live process holds it, naming that process and its URL', async () => {
    const holder = process.ppid; // alive for the whole test, and not us
    await acquireMeshLock(file, state(holder));
    const r = await acquireMeshLock(file, state(process.pid));
    expect(r).toEqual({ acquired: false, running: state(holder) });
    expect(await findRunningMesh(file)).toEqual(state(holder));
    // Releasing someone else's lock does nothing.
    await releaseMeshLock(file, process.pid);
    expect(await findRunningMesh(file)).toEqual(state(holder));
  });

  it('ignores and replaces a stale file whose pid is dead', async () => {
    const dead = deadPid();
    expect(isProcessAlive(dead)).toBe(false);
    await acquireMeshLock(file, state(dead));
    expect(await findRunningMesh(file)).toBeUndefined();
    expect(await acquireMeshLock(file, state(process.pid))).toEqual({ acquired: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it.each([['garbage', 'not json'], ['no pid', '{"configDir":"/c"}']])('treats an unreadable file (%s) as stale', async (_, text) => {
    await acquireMeshLock(file, state(process.pid));
    await writeFile(file, text);
    expect(await findRunningMesh(file)).toBeUndefined();
    expect(await acquireMeshLock(file, state(process.pid))).toEqual({ acquired: true });
  });

  it.each([0, -1, 1.5, Number.NaN])('calls pid %s dead', (pid) => {
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe('state paths', () => {
  it.each([
    [{ WEFT_STATE_DIR: '/s', XDG_STATE_HOME: '/x', HOME: '/h' }, '/s'],
    [{ XDG_STATE_HOME: '/x', HOME: '/h' }, '/x/weft'],
    [{ HOME: '/h' }, '/h/.weft'],
  ])('resolves the state dir from %o', (env, expected) => {
    expect(resolveStateDir(env)).toBe(expected);
  });

  it('puts the lock, logs and default config dir in the state dir; --config-dir wins', () => {
    expect(resolveMeshPaths({}, { HOME: '/h' })).toEqual({ stateDir: '/h/.weft', stateFile: '/h/.weft/up.json', logsDir: '/h/.weft/logs', configDir: '/h/.weft/mesh', caDir: '/h/.weft/ca', tokensDir: '/h/.weft/workload-tokens' });
    expect(resolveMeshPaths({ configDir: '/c', stateDir: '/s' }, { HOME: '/h' }).configDir).toBe('/c');
    expect(resolveMeshPaths({ stateDir: '/s' }, { HOME: '/h' }).stateFile).toBe('/s/up.json');
  });
});
