// Test certificates made with the openssl CLI in a temporary directory: a CA, server certificates
// signed by it, and client certificates (one signed by the CA, one self-signed), as PEM files.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of one certificate. */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** A directory of test PEM files; `remove()` deletes it. */
export interface TestPki {
  readonly dir: string;
  readonly ca: CertFiles;
  /** Issues a certificate signed by the CA (`name` is the CN and the DNS SAN, `*.x` allowed). */
  issue(file: string, name: string, usage: 'server' | 'client'): CertFiles;
  /** A workload certificate as Istio's CA issues it: URI SAN `spiffeId`, client and server usage. */
  issueSpiffe(file: string, spiffeId: string): CertFiles;
  /** Signs a PEM CSR for `spiffeId` (whatever the CSR asks), returning the PEM certificate. */
  signCsr(csrPem: string, spiffeId: string, days?: number): string;
  /** A self-signed certificate no CA of the PKI trusts. */
  selfSigned(file: string, name: string): CertFiles;
  read(path: string): Buffer;
  remove(): void;
}

function openssl(args: readonly string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a CA in a fresh temporary directory. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'weft-tls-'));
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...keyArgs, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=weft test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let signed = 0;
  const files = (file: string): CertFiles => ({ cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) });
  return {
    dir,
    ca: files('ca'),
    issue(file, name, usage) {
      openssl(['req', '-new', ...keyArgs, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', `/CN=${name}`], dir);
      writeFileSync(join(dir, `${file}.ext`), `subjectAltName=DNS:${name}\nextendedKeyUsage=${usage === 'server' ? 'serverAuth' : 'clientAuth'}\n`);
      openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${file}.crt`, '-days', '2', '-extfile', `${file}.ext`], dir);
      return files(file);
    },
    issueSpiffe(file, spiffeId) {
      openssl(['req', '-new', ...keyArgs, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', '/O=weft'], dir);
      writeFileSync(join(dir, `${file}.ext`), `subjectAltName=critical,URI:${spiffeId}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
      openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${file}.crt`, '-days', '2', '-extfile', `${file}.ext`], dir);
      return files(file);
    },
    signCsr(csrPem, spiffeId, days = 1) {
      const file = `csr-${++signed}`;
      writeFileSync(join(dir, `${file}.csr`), csrPem);
      writeFileSync(join(dir, `${file}.ext`), `subjectAltName=critical,URI:${spiffeId}\nextendedKeyUsage=serverAuth,clientAuth\n`);
      openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${file}.crt`, '-days', String(days), '-extfile', `${file}.ext`], dir);
      return readFileSync(join(dir, `${file}.crt`), 'utf8');
    },
    selfSigned(file, name) {
      openssl(['req', '-x509', ...keyArgs, '-keyout', `${file}.key`, '-out', `${file}.crt`, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], dir);
      return files(file);
    },
    read: (path) => readFileSync(path),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
