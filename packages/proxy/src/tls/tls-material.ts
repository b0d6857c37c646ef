// What both TLS directions read from Envoy's TLS config: data sources (files, inline, environment),
// TLS versions, SDS references to the workload's own secrets, and the peer-certificate checks of a
// CertificateValidationContext (SAN matchers, hash and SPKI pins).

import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SecureVersion } from 'node:tls';
import { compileStringMatcher, type StringTest } from '../compile/string-matcher.js';
import { ROOT_CA_SECRET, SecretStore } from '../security/secret-store.js';

export type Obj = Readonly<Record<string, unknown>>;

/** Envoy's TlsParameters.TlsProtocol → node's names. TLS_AUTO: Envoy's server defaults (1.2 to 1.3). */
export const VERSIONS: Readonly<Record<string, SecureVersion>> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };

export const present = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

export const boolOf = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as { value?: unknown }).value === true);

export const errnoText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const text: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' };
  return text[err.code ?? ''] ?? (err.message ?? String(e));
};

/** Reads an envoy.config.core.v3.DataSource: `filename`, `inline_bytes`, `inline_string` or `environment_variable`. */
export function readDataSource(ds: unknown, field: string, problems: string[]): Buffer | undefined {
  const d = (ds ?? {}) as Obj;
  if (typeof d.filename === 'string' && d.filename !== '') {
    try {
      return readFileSync(d.filename);
    } catch (e) {
      problems.push(`${field}.filename: cannot read '${d.filename}': ${errnoText(e)}`);
      return undefined;
    }
  }
  const bytes = d.inline_bytes;
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (typeof bytes === 'string' && bytes !== '') return Buffer.from(bytes, 'base64');
  if (typeof d.inline_string === 'string' && d.inline_string !== '') return Buffer.from(d.inline_string, 'utf8');
  if (typeof d.environment_variable === 'string' && d.environment_variable !== '') {
    const v = process.env[d.environment_variable];
    if (v !== undefined && v !== '') return Buffer.from(v, 'utf8');
    problems.push(`${field}.environment_variable: '${d.environment_variable}' is not set`);
    return undefined;
  }
  problems.push(`${field}: no data source (filename, inline_bytes or inline_string)`);
  return undefined;
}

/** One SAN of a peer certificate, as Envoy's SubjectAltNameMatcher sees it. */
export interface San {
  readonly type: 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';
  readonly value: string;
}

export const SAN_PREFIXES: readonly (readonly [string, San['type']])[] = [
  ['DNS:', 'DNS'],
  ['URI:', 'URI'],
  ['email:', 'EMAIL'],
  ['IP Address:', 'IP_ADDRESS'],
];

/** Splits node's `subjectAltName` (`DNS:a, URI:"spiffe://x"`; values with specials are JSON-quoted). */
export function sansOf(subjectAltName: string | undefined): San[] {
  const out: San[] = [];
  if (!subjectAltName) return out;
  const parts = subjectAltName.match(/(?:[^,"]|"(?:\\.|[^"])*")+/g) ?? [];
  for (const raw of parts) {
    const part = raw.trim();
    for (const [prefix, type] of SAN_PREFIXES) {
      if (!part.startsWith(prefix)) continue;
      const v = part.slice(prefix.length);
      let value = v;
      if (v.startsWith('"')) {
        try {
          value = JSON.parse(v) as string;
        } catch {
          value = v;
        }
      }
      out.push({ type, value });
    }
  }
  return out;
}

/** The client-certificate checks of a CertificateValidationContext beyond the chain to the CA. */
export interface PeerChecks {
  readonly sans: readonly { readonly type: San['type'] | undefined; readonly test: StringTest }[];
  readonly hashes: ReadonlySet<string>;
  readonly spkis: ReadonlySet<string>;
}

export function compilePeerChecks(v: Obj, at: string, problems: string[]): PeerChecks {
  const sans: { type: San['type'] | undefined; test: StringTest }[] = [];
  const compile = (m: unknown, field: string): StringTest | undefined => {
    try {
      return compileStringMatcher((m ?? {}) as Obj);
    } catch (e) {
      problems.push(`${field}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  ((v.match_typed_subject_alt_names ?? []) as Obj[]).forEach((m, i) => {
    const type = m.san_type;
    if (type !== 'DNS' && type !== 'URI' && type !== 'EMAIL' && type !== 'IP_ADDRESS') {
      problems.push(`${at}.match_typed_subject_alt_names[${i}].san_type: '${String(type)}' is not supported`);
      return;
    }
    const test = compile(m.matcher, `${at}.match_typed_subject_alt_names[${i}].matcher`);
    if (test) sans.push({ type, test });
  });
  ((v.match_subject_alt_names ?? []) as Obj[]).forEach((m, i) => {
    const test = compile(m, `${at}.match_subject_alt_names[${i}]`);
    if (test) sans.push({ type: undefined, test });
  });
  const hashes = new Set(((v.verify_certificate_hash ?? []) as string[]).map((h) => h.replace(/:/g, '').toLowerCase()));
  const spkis = new Set((v.verify_certificate_spki ?? []) as string[]);
  return { sans, hashes, spkis };
}

/** Why a presented client certificate fails the checks, or undefined when it passes (Envoy: SAN
 *  matchers are OR-ed, then the hash or SPKI lists, when set, must contain the certificate's). */
export function peerProblem(checks: PeerChecks, der: Buffer): string | undefined {
  const cert = new X509Certificate(der);
  if (checks.sans.length > 0) {
    const sans = sansOf(cert.subjectAltName);
    if (!checks.sans.some((m) => sans.some((s) => (m.type === undefined || m.type === s.type) && m.test(s.value)))) return 'no subject alternative name matched';
  }
  if (checks.hashes.size > 0 || checks.spkis.size > 0) {
    const hash = createHash('sha256').update(der).digest('hex');
    const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
    if (!checks.hashes.has(hash) && !checks.spkis.has(spki)) return 'certificate hash or SPKI not allowed';
  }
  return undefined;
}

/** The name of an SdsSecretConfig when it is one of the workload secrets this process holds
 *  (security/secret-store.ts), else a problem. Whatever its sds_config says: the agent is in-process. */
export function sdsSecretName(config: unknown, field: string, problems: string[]): string | undefined {
  const name = (config as Obj | undefined)?.name;
  if (typeof name === 'string' && SecretStore.serves(name)) return name;
  problems.push(`${field}.name: '${String(name)}' is not a secret weft-proxy holds (its agent serves 'default' and 'ROOTCA')`);
  return undefined;
}

/** What a CommonTlsContext says about verifying the peer: the CA from a file or inline data, or the
 *  workload's roots by SDS (`ROOTCA`), the CRL and the peer checks; problems for what weft-proxy does
 *  not do. `downstream`: Envoy's server-side-only fields are checked too. */
export function readValidation(common: Obj, problems: string[], downstream: boolean): { sdsRoots: boolean; vAt: string; ca: Buffer | undefined; crl: Buffer | undefined; checks: PeerChecks | undefined } {
  const combined = common.combined_validation_context as Obj | undefined;
  let sdsRoots = false;
  if (combined && present(combined.validation_context_sds_secret_config)) {
    const name = sdsSecretName(combined.validation_context_sds_secret_config, 'common_tls_context.combined_validation_context.validation_context_sds_secret_config', problems);
    if (name !== undefined && name !== ROOT_CA_SECRET) problems.push("common_tls_context.combined_validation_context.validation_context_sds_secret_config.name: a validation secret must be 'ROOTCA'");
    sdsRoots = name === ROOT_CA_SECRET;
  }
  const validation = (common.validation_context ?? combined?.default_validation_context) as Obj | undefined;
  const vAt = common.validation_context ? 'common_tls_context.validation_context' : 'common_tls_context.combined_validation_context.default_validation_context';
  let ca: Buffer | undefined;
  let crl: Buffer | undefined;
  let checks: PeerChecks | undefined;
  if (validation) {
    if (present(validation.trusted_ca)) ca = readDataSource(validation.trusted_ca, `${vAt}.trusted_ca`, problems);
    if (present(validation.crl)) crl = readDataSource(validation.crl, `${vAt}.crl`, problems);
    if (downstream && boolOf(validation.allow_expired_certificate)) problems.push(`${vAt}.allow_expired_certificate: not supported by weft-proxy`);
    if (validation.trust_chain_verification === 'ACCEPT_UNTRUSTED') problems.push(`${vAt}.trust_chain_verification: ACCEPT_UNTRUSTED is not supported by weft-proxy`);
    if (present(validation.custom_validator_config)) problems.push(`${vAt}.custom_validator_config: not supported by weft-proxy`);
    checks = compilePeerChecks(validation, vAt, problems);
  }
  return { sdsRoots, vAt, ca, crl, checks };
}
