// Local bootstrap tokens: how a workload outside Kubernetes proves its identity to the CA the first
// time (in a cluster, Istio uses the pod's service account token and TokenReview instead). A token is
// issued for one namespace + service account and stored as `<ca-dir>/tokens/<sha256(token)>.json`
// (0600): only its hash is kept, so reading the directory reveals no usable token; deleting the file
// revokes it. The CA looks each token up when it is presented, so tokens issued by another process
// (`weftctl up`) while weftd runs work at once.

import { createHash, randomBytes } from 'node:crypto';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DNS_LABEL, DNS_SUBDOMAIN } from '@weft/shared/settings';
import { CA_DIR_FILES, PRIVATE_FILE_MODE, createFileExclusive, ensurePrivateDir, readIfExists } from './state-files.js';

/** Who a token speaks for (the trust domain is the CA's). */
export interface TokenSubject {
  readonly namespace: string;
  readonly serviceAccount: string;
}

/** What a token file holds. */
interface TokenRecord extends TokenSubject {
  readonly issuedAt: string;
}

const TOKEN_PREFIX = 'weft_';
// weft_ + 43 base64url characters (32 random bytes).
const TOKEN_SHAPE = /^weft_[A-Za-z0-9_-]{43}$/;

/** The token directory of a CA directory. */
export function tokensDirOf(caDir: string): string {
  return join(caDir, CA_DIR_FILES.tokens);
}

const fileOf = (dir: string, token: string): string => join(dir, `${createHash('sha256').update(token).digest('hex')}.json`);

/** Why a subject cannot get a token, or undefined: the namespace must be a DNS-1123 label, the service
 *  account a DNS-1123 subdomain (Kubernetes' rules for both names). */
export function checkTokenSubject(subject: TokenSubject): string | undefined {
  if (!DNS_LABEL.test(subject.namespace)) return `namespace ${JSON.stringify(subject.namespace)} is not a DNS-1123 label`;
  if (!DNS_SUBDOMAIN.test(subject.serviceAccount)) return `service account ${JSON.stringify(subject.serviceAccount)} is not a DNS-1123 subdomain`;
  return undefined;
}

/**
 * Issues a bootstrap token for `subject` and records it under `<caDir>/tokens/` (created 0700), for a
 * workload to present as `authorization: Bearer <token>` to weftd's CA. Returns the token: it is
 * shown once and only its hash is stored. Works whether or not weftd runs (it reads the directory on
 * each request). Throws a TypeError for an invalid namespace or service account name, and I/O errors.
 */
export async function issueWorkloadToken(caDir: string, subject: TokenSubject): Promise<string> {
  const problem = checkTokenSubject(subject);
  if (problem) throw new TypeError(`cannot issue a workload token: ${problem}`);
  const dir = tokensDirOf(caDir);
  await ensurePrivateDir(dir);
  for (;;) {
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const record: TokenRecord = { namespace: subject.namespace, serviceAccount: subject.serviceAccount, issuedAt: new Date().toISOString() };
    // A collision of 256 random bits does not happen; the loop only keeps the exclusive create honest.
    if (await createFileExclusive(fileOf(dir, token), `${JSON.stringify(record)}\n`, PRIVATE_FILE_MODE)) return token;
  }
}

/** Revokes a token: true when it existed. */
export async function revokeWorkloadToken(caDir: string, token: string): Promise<boolean> {
  if (!TOKEN_SHAPE.test(token)) return false;
  try {
    await unlink(fileOf(tokensDirOf(caDir), token));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Looks tokens up. */
export interface WorkloadTokenStore {
  /** The subject of a valid token, undefined for an unknown, revoked or malformed one. Rejects only
   *  on I/O errors other than a missing file. */
  lookup(token: string): Promise<TokenSubject | undefined>;
  /** How many tokens are recorded (diagnostics). */
  count(): Promise<number>;
}

/** The token store of a CA directory. */
export function createWorkloadTokenStore(caDir: string): WorkloadTokenStore {
  const dir = tokensDirOf(caDir);
  return {
    async lookup(token) {
      if (!TOKEN_SHAPE.test(token)) return undefined;
      const text = await readIfExists(fileOf(dir, token));
      if (text === undefined) return undefined;
      try {
        const record = JSON.parse(text) as Partial<TokenRecord>;
        const subject = { namespace: String(record.namespace ?? ''), serviceAccount: String(record.serviceAccount ?? '') };
        return checkTokenSubject(subject) === undefined ? subject : undefined;
      } catch {
        return undefined;
      }
    },
    async count() {
      try {
        return (await readdir(dir)).filter((f) => f.endsWith('.json')).length;
      } catch {
        return 0;
      }
    },
  };
}
