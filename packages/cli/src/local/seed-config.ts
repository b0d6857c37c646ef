// Seeding a config directory for `weftctl up`: the sample's mesh config (ServiceEntry, WorkloadEntry,
// DestinationRule, Gateway + VirtualService) copied into a new or empty directory. A directory that
// holds anything is the user's and is never written to.

import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** What {@link seedConfigDir} did. */
export type SeedResult =
  | { readonly seeded: true; readonly files: readonly string[] }
  | { readonly seeded: false; readonly reason: 'not-empty'; readonly entries: number };

/**
 * Copies every `.yaml`/`.yml` file of `sourceDir` into `dir` when `dir` does not exist or is empty
 * (created with its parents). When `dir` holds any entry, hidden ones included, nothing is written.
 * Rejects on I/O errors (unreadable source, permission denied).
 */
export async function seedConfigDir(dir: string, sourceDir: string): Promise<SeedResult> {
  const existing = await readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  if (existing.length > 0) return { seeded: false, reason: 'not-empty', entries: existing.length };
  const files = (await readdir(sourceDir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  await mkdir(dir, { recursive: true });
  // COPYFILE_EXCL: should another process create the same file meanwhile, fail rather than overwrite.
  for (const f of files) await copyFile(join(sourceDir, f), join(dir, f), 1);
  return { seeded: true, files };
}
