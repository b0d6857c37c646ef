// The bootstrap token of each workload `weftctl up` starts: issued by weftd's CA directory
// (issueWorkloadToken from @weft/control-plane, which keeps only its hash) and written where the
// workload's proxy reads it (--token-file), one 0600 file per workload under the state directory.

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Who a token speaks for: the WorkloadEntry (file name) and its identity (namespace + service account). */
export interface TokenWorkload {
  readonly name: string;
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** `<tokensDir>/<namespace>.<name>.token`: one file per workload. */
export function tokenFileOf(tokensDir: string, w: Pick<TokenWorkload, 'name' | 'namespace'>): string {
  return join(tokensDir, `${w.namespace}.${w.name}.token`);
}

/**
 * Issues a fresh token for `w` in `caDir` and writes it to its token file (0600, directory 0700),
 * replacing the file atomically; the token an earlier run left in that file is revoked first, so
 * tokens do not pile up in the CA directory. Returns the file's path. Rejects on I/O errors and on a
 * namespace or service account the CA would not accept.
 */
export async function writeWorkloadToken(caDir: string, tokensDir: string, w: TokenWorkload): Promise<string> {
  // Loaded on use: the control plane's module graph is only needed by `up`.
  const { issueWorkloadToken, revokeWorkloadToken } = await import('@weft/control-plane');
  await mkdir(tokensDir, { recursive: true, mode: 0o700 });
  await chmod(tokensDir, 0o700);
  const file = tokenFileOf(tokensDir, w);
  const previous = await readFile(file, 'utf8').catch(() => undefined);
  if (previous !== undefined) await revokeWorkloadToken(caDir, previous.trim());
  const token = await issueWorkloadToken(caDir, { namespace: w.namespace, serviceAccount: w.serviceAccount });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, `${token}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temp, file);
  return file;
}
