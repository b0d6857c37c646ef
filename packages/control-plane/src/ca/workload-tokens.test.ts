import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from './pki.test-fixtures.js';
import { createWorkloadTokenStore, issueWorkloadToken, revokeWorkloadToken, tokensDirOf } from './workload-tokens.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function caDir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.remove);
  return join(t.dir, 'ca');
}

describe('workload bootstrap tokens', () => {
  it('issues a token that looks up to its subject; only its hash is stored, 0600 in a 0700 directory', async () => {
    const dir = await caDir();
    const token = await issueWorkloadToken(dir, { namespace: 'default', serviceAccount: 'bookinfo-reviews' });
    expect(token).toMatch(/^weft_[A-Za-z0-9_-]{43}$/);
    const store = createWorkloadTokenStore(dir);
    expect(await store.lookup(token)).toEqual({ namespace: 'default', serviceAccount: 'bookinfo-reviews' });
    const files = await readdir(tokensDirOf(dir));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(await readFile(join(tokensDirOf(dir), files[0]!), 'utf8')).not.toContain(token);
    expect((await stat(join(tokensDirOf(dir), files[0]!))).mode & 0o777).toBe(0o600);
    expect((await stat(tokensDirOf(dir))).mode & 0o777).toBe(0o700);
    expect(await store.count()).toBe(1);
  });

  it('gives each call its own token, and a revoked token no longer looks up', async () => {
    const dir = await caDir();
    const a = await issueWorkloadToken(dir, { namespace: 'default', serviceAccount: 'a' });
    const b = await issueWorkloadToken(dir, { namespace: 'default', serviceAccount: 'a' });
    expect(a).not.toBe(b);
    expect(await revokeWorkloadToken(dir, a)).toBe(true);
    expect(await revokeWorkloadToken(dir, a)).toBe(false);
    const store = createWorkloadTokenStore(dir);
    expect(await store.lookup(a)).toBeUndefined();
    expect(await store.lookup(b)).toEqual({ namespace: 'default', serviceAccount: 'a' });
  });

  it.each(['', 'weft_short', `weft_${'x'.repeat(43)}/../../etc`, `other_${'x'.repeat(43)}`])('finds nothing for %j', async (token) => {
    const dir = await caDir();
    await issueWorkloadToken(dir, { namespace: 'default', serviceAccount: 'a' });
    expect(await createWorkloadTokenStore(dir).lookup(token)).toBeUndefined();
  });

  it.each([
    [{ namespace: 'Default', serviceAccount: 'a' }, /namespace "Default" is not a DNS-1123 label/],
    [{ namespace: 'default', serviceAccount: 'a/b' }, /service account "a\/b" is not a DNS-1123 subdomain/],
    [{ namespace: '', serviceAccount: 'a' }, /namespace "" is not/],
  ])('refuses to issue for %j', async (subject, message) => {
    await expect(issueWorkloadToken(await caDir(), subject)).rejects.toThrow(message);
  });
});
