// The CA's signing policy (Istio's IstioCA.Sign and genCertTemplateFromCSR): what a workload
// certificate says, how long it lives, and the chain it comes with. The caller has authenticated the
// identity; this module never looks at who is asking, nor at gRPC.

import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { isIP } from 'node:net';
import { formatSpiffeId, toPem, type WorkloadIdentity } from '@weft/shared/ca';
import type { CaBundle } from './ca-bundle.js';
import { CLOCK_SKEW_GRACE_MS } from './ca-state.js';
import {
  KEY_USAGE,
  OID,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  der,
  extKeyUsageExtension,
  keyUsageExtension,
  randomSerial,
  signCertificate,
  subjectAltNameExtension,
  type SubjectAltNames,
} from './x509-der.js';
import { parseCsr } from './x509-read.js';

/** Istio's defaults: DEFAULT_WORKLOAD_CERT_TTL 24h, MAX_WORKLOAD_CERT_TTL 90 days (cmd/constants.go). */
export const DEFAULT_WORKLOAD_CERT_TTL_MS = 24 * 3600 * 1000;
export const MAX_WORKLOAD_CERT_TTL_MS = 90 * 24 * 3600 * 1000;

/** Istio's caerror types (security/pkg/pki/error), the `error` label of citadel_server_csr_sign_err_count. */
export type SignErrorType = 'CSR_ERROR' | 'TTL_ERROR' | 'CERT_GEN_ERROR';

/** A signed chain, or why not. */
export type SignResult =
  | { readonly ok: true; readonly certChain: readonly string[]; readonly notAfter: Date }
  | { readonly ok: false; readonly error: SignErrorType; readonly message: string };

/** Settings of {@link CertificateAuthority}. */
export interface CertificateAuthorityOptions {
  readonly bundle: CaBundle;
  /** TTL when a request asks for none (0 or less). Default {@link DEFAULT_WORKLOAD_CERT_TTL_MS}. */
  readonly defaultTtlMs?: number;
  /** Longest TTL a request may ask for; more is refused (TTL_ERROR), as Istio does. Default {@link MAX_WORKLOAD_CERT_TTL_MS}. */
  readonly maxTtlMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/** A server certificate and its key, PEM. */
export interface ServingCertificate {
  /** The leaf, then the intermediates (what a TLS server sends). */
  readonly certChainPem: string;
  readonly privateKeyPem: string;
  readonly notAfter: Date;
}

/** Signs workload certificates with one bundle. Immutable; safe to share. */
export class CertificateAuthority {
  readonly bundle: CaBundle;
  readonly defaultTtlMs: number;
  readonly maxTtlMs: number;
  private readonly now: () => number;
  /** The chain after the leaf: intermediates, then roots (Istio: cert-chain.pem, then root-cert.pem,
   *  deduplicated since istio/istio#39001). */
  private readonly tail: readonly string[];

  constructor(options: CertificateAuthorityOptions) {
    this.bundle = options.bundle;
    this.defaultTtlMs = options.defaultTtlMs ?? DEFAULT_WORKLOAD_CERT_TTL_MS;
    this.maxTtlMs = options.maxTtlMs ?? MAX_WORKLOAD_CERT_TTL_MS;
    this.now = options.now ?? Date.now;
    this.tail = Object.freeze([...options.bundle.intermediatePems, ...options.bundle.rootPems]);
  }

  /**
   * Signs `csrPem` for `identity` (Istio's CreateCertificate after authentication): the certificate
   * certifies the CSR's key and carries only `spiffe://<td>/ns/<ns>/sa/<sa>` as a critical URI SAN with
   * an empty subject, whatever the CSR asked for. `requestedTtlSeconds` ≤ 0 gets the default TTL; more
   * than the maximum is a TTL_ERROR. Valid from 2 minutes ago (clock skew), never past the signing
   * certificate. keyUsage digitalSignature + keyEncipherment, extKeyUsage serverAuth + clientAuth.
   * The chain is [leaf, ...intermediates, ...roots].
   */
  sign(csrPem: string, identity: WorkloadIdentity, requestedTtlSeconds: number): SignResult {
    const parsed = parseCsr(csrPem);
    if (!parsed.ok) return { ok: false, error: 'CSR_ERROR', message: parsed.reason };
    const requestedMs = Number.isFinite(requestedTtlSeconds) ? requestedTtlSeconds * 1000 : 0;
    if (requestedMs > this.maxTtlMs) {
      return { ok: false, error: 'TTL_ERROR', message: `requested TTL ${goDuration(requestedMs)} is greater than the max allowed TTL ${goDuration(this.maxTtlMs)}` };
    }
    const ttlMs = requestedMs > 0 ? requestedMs : this.defaultTtlMs;
    try {
      const { pem, notAfter } = this.issue(parsed.csr.subjectPublicKeyInfo, { uris: [formatSpiffeId(identity)] }, ttlMs);
      return { ok: true, certChain: [pem, ...this.tail], notAfter };
    } catch (e) {
      return { ok: false, error: 'CERT_GEN_ERROR', message: e instanceof Error ? e.message : String(e) };
    }
  }

  /**
   * A server certificate for the CA's own TLS port (Istio's istiod DNS certificate): a new ECDSA P-256
   * key, the DNS names and IP addresses as SANs, signed by this CA. Throws on an invalid IP (a bug).
   */
  issueServingCertificate(names: { readonly dnsNames: readonly string[]; readonly ipAddresses: readonly string[] }, ttlMs: number = this.defaultTtlMs): ServingCertificate {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const ipAddresses = names.ipAddresses.map(ipBytes);
    const { pem, notAfter } = this.issue(publicKey.export({ type: 'spki', format: 'der' }), { dnsNames: names.dnsNames, ipAddresses }, ttlMs);
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Round-trip check: the key and the certificate belong together (cheap, once per rotation).
    if (!new X509Certificate(pem).checkPrivateKey(createPrivateKey(privateKeyPem))) throw new Error('serving certificate does not match its key');
    return { certChainPem: [pem, ...this.bundle.intermediatePems].join(''), privateKeyPem, notAfter };
  }

  /** The trust anchor(s), PEM. */
  get rootCertPem(): string {
    return this.bundle.rootPems.join('');
  }

  private issue(spki: Uint8Array, sans: SubjectAltNames, ttlMs: number): { pem: string; notAfter: Date } {
    const now = this.now();
    const signingNotAfter = new Date(this.bundle.signingCert.validTo).getTime();
    // A certificate that outlives its issuer fails verification anyway: cap it at the issuer's end.
    const notAfter = new Date(Math.min(now + ttlMs, signingNotAfter));
    const der_ = signCertificate(
      {
        serial: randomSerial(),
        issuer: this.bundle.issuer.subject,
        subject: der.seq([]),
        notBefore: new Date(now - CLOCK_SKEW_GRACE_MS),
        notAfter,
        subjectPublicKeyInfo: spki,
        extensions: [
          keyUsageExtension([KEY_USAGE.digitalSignature, KEY_USAGE.keyEncipherment]),
          extKeyUsageExtension([OID.serverAuth, OID.clientAuth]),
          basicConstraintsExtension(false),
          authorityKeyIdentifierExtension(this.bundle.issuer.keyIdentifier),
          subjectAltNameExtension(sans, true),
        ],
      },
      this.bundle.signer,
    );
    return { pem: toPem('CERTIFICATE', der_), notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000) };
  }
}

/** A duration as Go's time.Duration.String() writes it (`2160h0m0s`, `1m30s`, `500ms`), so messages read
 *  as Istio's. Whole milliseconds. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(Math.round(ms));
  if (abs < 1000) return `${sign}${abs}ms`;
  const hours = Math.floor(abs / 3_600_000);
  const minutes = Math.floor((abs % 3_600_000) / 60_000);
  const seconds = ((abs % 60_000) / 1000).toString();
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** 4 or 16 bytes of an IP address (IPv6 with `::` and an embedded IPv4 tail understood). */
export function ipBytes(ip: string): Uint8Array {
  const version = isIP(ip);
  if (version === 4) return Uint8Array.from(ip.split('.').map(Number));
  if (version !== 6) throw new TypeError(`not an IP address: ${ip}`);
  let text = ip;
  let v4: readonly number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (v4.length > 0) out.set(v4, 12);
  return out;
}
