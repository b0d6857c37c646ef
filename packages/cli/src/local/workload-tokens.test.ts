// Workload tokens as `weftctl up` writes them, against the real CA token store: one 0600 file per
// workload holding a token weftd accepts for the workload's identity; a new run revokes the old token.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenFileOf, writeWorkloadToken } from './workload-tokens.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// Loaded as weftctl loads it (lazily: the control plane is only needed by `up`).
const { createWorkloadTokenStore } = await import('@weft/control-plane');

describe('writeWorkloadToken', () => {
  it('writes a 0600 token file the CA resolves to the workload identity, and revokes it on the next run', async () => {
    const state = mkdtempSync(join(tmpdir(), 'weft-tokens-'));
    dirs.push(state);
    const caDir = join(state, 'ca');
    const tokensDir = join(state, 'workload-tokens');
    const w = { name: 'reviews-v2', namespace: 'default', serviceAccount: 'bookinfo-reviews' };
    const file = await writeWorkloadToken(caDir, tokensDir, w);
    expect(file).toBe(tokenFileOf(tokensDir, w));
    expect(file).toBe(join(tokensDir, 'default.reviews-v2.token'));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(tokensDir).mode & 0o777).toBe(0o700);
    const first = (await readFile(file, 'utf8')).trim();
    const store = createWorkloadTokenStore(caDir);
    expect(await store.lookup(first)).toMatchObject({ namespace: 'default', serviceAccount: 'bookinfo-reviews' });

    await writeWorkloadToken(caDir, tokensDir, w);
    const second = (await readFile(file, 'utf8')).trim();
    expect(second).not.toBe(first);
    expect(await store.lookup(first)).toBeUndefined();
    expect(await store.lookup(second)).toMatchObject({ serviceAccount: 'bookinfo-reviews' });
  });

  it('refuses an identity the CA would not accept', async () => {
    const state = mkdtempSync(join(tmpdir(), 'weft-tokens-'));
    dirs.push(state);
    await expect(writeWorkloadToken(join(state, 'ca'), join(state, 't'), { name: 'x', namespace: 'Not_A_Label', serviceAccount: 'sa' })).rejects.toThrow(/namespace/);
  });
});
