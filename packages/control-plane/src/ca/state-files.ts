// How the CA writes its state: whole files or nothing (temp file, fsync, then rename or link), with
// the mode set at creation so a key is never readable by others, even for an instant.

import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** The files of weftd's CA directory (`--ca-dir`): the self-signed root's key and certificate (the
 *  names Istio's istio-ca-secret uses), the published trust anchor and the token records. */
export const CA_DIR_FILES = { key: 'ca-key.pem', cert: 'ca-cert.pem', rootCert: 'root-cert.pem', tokens: 'tokens' } as const;

/** Mode of private keys and token records. */
export const PRIVATE_FILE_MODE = 0o600;
/** Mode of certificates (public). */
export const PUBLIC_FILE_MODE = 0o644;
/** Mode of the CA directory and its token directory. */
export const PRIVATE_DIR_MODE = 0o700;

/** Creates a directory (and parents) with mode 0700 when missing; an existing one is left as it is. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Writes `data` to a new temp file next to `path` with `mode`, flushed to disk; returns its path. */
async function writeTemp(path: string, data: string, mode: number): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/** Replaces `path` with `data` atomically: readers see the old file or the new one, never a part. */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  const temp = await writeTemp(path, data, mode);
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
}

/**
 * Creates `path` with `data` atomically unless it exists: true when this call created it, false when
 * the file was already there (another process won the race; read theirs). Hard-linking a complete temp
 * file is what makes "create if absent" and "never partial" hold together.
 */
export async function createFileExclusive(path: string, data: string, mode: number): Promise<boolean> {
  const temp = await writeTemp(path, data, mode);
  try {
    await link(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** A file's text, or undefined when it does not exist (other errors are thrown). */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
