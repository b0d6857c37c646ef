// A filter chain's `transport_socket` when it is Envoy's `envoy.transport_sockets.tls` with a
// DownstreamTlsContext: the certificates, keys and CA read once when the config is applied (a node:tls
// server context, never per connection), and the termination of one accepted connection with it,
// including the client-certificate checks of `validation_context`. SDS is not supported.

import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createServer as createTlsServer, type SecureVersion, type TlsOptions, type TLSSocket } from 'node:tls';
import { TYPE_URL } from '@weft/shared/xds';
import { compileStringMatcher, type StringTest } from '../compile/string-matcher.js';

type Obj = Readonly<Record<string, unknown>>;

/** A filter chain's transport socket as decoded (`typed_config` unpacked). */
export interface TransportSocketShape {
  readonly name?: string;
  readonly typed_config?: Obj & { readonly '@type'?: string };
}

/** TLS termination of one filter chain, ready for connections. */
export interface DownstreamTls {
  /** ALPN the server offers, in preference order (`common_tls_context.alpn_protocols`). */
  readonly alpn: readonly string[];
  /** MUTUAL: a client without a valid certificate fails the handshake. */
  readonly requireClientCertificate: boolean;
  /**
   * Runs the TLS handshake on `socket` (an accepted, paused connection whose ClientHello may have been
   * read and put back) and calls `then` with the decrypted socket once the handshake succeeded and the
   * client certificate, if any, passed `validation_context`. A failed handshake or check closes the
   * connection; `then` is never called.
   */
  terminate(socket: Socket, then: (secure: TLSSocket) => void): void;
}

/** A transport socket loaded, or every reason it cannot be (one `field: reason` line each). */
export type DownstreamTlsResult = { readonly ok: true; readonly tls: DownstreamTls } | { readonly ok: false; readonly problems: readonly string[] };

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const RAW_BUFFER = 'envoy.transport_sockets.raw_buffer';

/** Envoy's TlsParameters.TlsProtocol → node's names. TLS_AUTO: Envoy's server defaults (1.2 to 1.3). */
const VERSIONS: Readonly<Record<string, SecureVersion>> = { TLSv1_0: 'TLSv1', TLSv1_1: 'TLSv1.1', TLSv1_2: 'TLSv1.2', TLSv1_3: 'TLSv1.3' };

/** Fields weft-proxy cannot honour; refusing them is safer than serving without them. */
const UNSUPPORTED_COMMON = ['tls_certificate_sds_secret_configs', 'tls_certificate_provider_instance', 'tls_certificate_certificate_provider', 'tls_certificate_certificate_provider_instance', 'validation_context_sds_secret_config', 'validation_context_certificate_provider', 'validation_context_certificate_provider_instance', 'custom_handshaker', 'key_log'];

/** Whether a chain's transport socket is the TLS one (a DownstreamTlsContext to terminate). */
export function isTlsTransportSocket(ts: TransportSocketShape | undefined): boolean {
  return ts !== undefined && (ts.name === TLS_SOCKET || ts.typed_config?.['@type'] === TYPE_URL.DOWNSTREAM_TLS_CONTEXT);
}

/** Why a transport socket other than TLS cannot be used (raw_buffer and none are plaintext). */
function otherTransportSocketProblem(ts: TransportSocketShape): string | undefined {
  const type = ts.typed_config?.['@type'];
  if (ts.name === RAW_BUFFER || type?.endsWith('.RawBuffer')) return undefined;
  return `transport socket '${ts.name ?? type ?? ''}' is not supported by weft-proxy (only ${TLS_SOCKET} and ${RAW_BUFFER})`;
}

const present = (v: unknown): boolean => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);

const boolOf = (v: unknown): boolean => v === true || (typeof v === 'object' && v !== null && (v as { value?: unknown }).value === true);

const errnoText = (e: unknown): string => {
  const err = e as NodeJS.ErrnoException;
  const text: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'is a directory' };
  return text[err.code ?? ''] ?? (err.message ?? String(e));
};

/** Reads an envoy.config.core.v3.DataSource: `filename`, `inline_bytes`, `inline_string` or `environment_variable`. */
function readDataSource(ds: unknown, field: string, problems: string[]): Buffer | undefined {
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
interface San {
  readonly type: 'DNS' | 'URI' | 'EMAIL' | 'IP_ADDRESS';
  readonly value: string;
}

const SAN_PREFIXES: readonly (readonly [string, San['type']])[] = [
  ['DNS:', 'DNS'],
  ['URI:', 'URI'],
  ['email:', 'EMAIL'],
  ['IP Address:', 'IP_ADDRESS'],
];

/** Splits node's `subjectAltName` (`DNS:a, URI:"spiffe://x"`; values with specials are JSON-quoted). */
function sansOf(subjectAltName: string | undefined): San[] {
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
interface PeerChecks {
  readonly sans: readonly { readonly type: San['type'] | undefined; readonly test: StringTest }[];
  readonly hashes: ReadonlySet<string>;
  readonly spkis: ReadonlySet<string>;
}

function compilePeerChecks(v: Obj, at: string, problems: string[]): PeerChecks {
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
function peerProblem(checks: PeerChecks, der: Buffer): string | undefined {
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

const loaded = new WeakMap<object, DownstreamTlsResult>();

/**
 * Loads a TLS transport socket: reads every certificate, key, CA and CRL (files, inline bytes or
 * strings) and builds the node:tls context, so a bad file, a key that does not match its certificate or
 * an unknown cipher is reported here, at apply time. Memoized per decoded message (the xDS client keeps
 * an unchanged resource's object), so validation and the listener share one load; a file changed on
 * disk is read again only with a new listener config. Never throws.
 */
export function loadDownstreamTls(ts: TransportSocketShape): DownstreamTlsResult {
  const key = ts.typed_config ?? ts;
  const memo = loaded.get(key);
  if (memo) return memo;
  const result = load(ts);
  loaded.set(key, result);
  return result;
}

function load(ts: TransportSocketShape): DownstreamTlsResult {
  const problems: string[] = [];
  const ctx = (ts.typed_config ?? {}) as Obj;
  if (ctx['@type'] !== undefined && ctx['@type'] !== TYPE_URL.DOWNSTREAM_TLS_CONTEXT) return { ok: false, problems: [`typed_config: expected ${TYPE_URL.DOWNSTREAM_TLS_CONTEXT}, got ${String(ctx['@type'])}`] };
  const common = (ctx.common_tls_context ?? {}) as Obj;
  for (const f of UNSUPPORTED_COMMON) if (present(common[f])) problems.push(`common_tls_context.${f}: not supported by weft-proxy (certificates come from files or inline data, no SDS)`);
  if (present(ctx.session_ticket_keys_sds_secret_config)) problems.push('session_ticket_keys_sds_secret_config: not supported by weft-proxy');

  const certs: Buffer[] = [];
  const keys: Buffer[] = [];
  const list = (common.tls_certificates ?? []) as Obj[];
  if (list.length === 0 && problems.length === 0) problems.push('common_tls_context.tls_certificates: a downstream TLS context needs a certificate');
  list.forEach((c, i) => {
    const at = `common_tls_context.tls_certificates[${i}]`;
    if (present(c.private_key_provider)) problems.push(`${at}.private_key_provider: not supported by weft-proxy`);
    const cert = readDataSource(c.certificate_chain, `${at}.certificate_chain`, problems);
    const key = readDataSource(c.private_key, `${at}.private_key`, problems);
    if (cert) certs.push(cert);
    if (key) keys.push(key);
  });

  // combined_validation_context's default part is a plain validation context (its SDS part is refused above).
  const combined = common.combined_validation_context as Obj | undefined;
  if (combined && present(combined.validation_context_sds_secret_config)) problems.push('common_tls_context.combined_validation_context.validation_context_sds_secret_config: not supported by weft-proxy (no SDS)');
  const validation = (common.validation_context ?? combined?.default_validation_context) as Obj | undefined;
  const vAt = common.validation_context ? 'common_tls_context.validation_context' : 'common_tls_context.combined_validation_context.default_validation_context';
  let ca: Buffer | undefined;
  let crl: Buffer | undefined;
  let checks: PeerChecks | undefined;
  if (validation) {
    if (present(validation.trusted_ca)) ca = readDataSource(validation.trusted_ca, `${vAt}.trusted_ca`, problems);
    if (present(validation.crl)) crl = readDataSource(validation.crl, `${vAt}.crl`, problems);
    if (boolOf(validation.allow_expired_certificate)) problems.push(`${vAt}.allow_expired_certificate: not supported by weft-proxy`);
    if (validation.trust_chain_verification === 'ACCEPT_UNTRUSTED') problems.push(`${vAt}.trust_chain_verification: ACCEPT_UNTRUSTED is not supported by weft-proxy`);
    if (present(validation.custom_validator_config)) problems.push(`${vAt}.custom_validator_config: not supported by weft-proxy`);
    checks = compilePeerChecks(validation, vAt, problems);
  }
  const requireClientCertificate = boolOf(ctx.require_client_certificate);
  if (requireClientCertificate && !ca) problems.push(`require_client_certificate: needs ${vAt}.trusted_ca to verify client certificates`);
  if (problems.length > 0) return { ok: false, problems };

  const params = (common.tls_params ?? {}) as Obj;
  const alpn = ((common.alpn_protocols ?? []) as string[]).filter((p) => typeof p === 'string' && p !== '');
  const min = typeof params.tls_minimum_protocol_version === 'string' ? VERSIONS[params.tls_minimum_protocol_version] : undefined;
  const max = typeof params.tls_maximum_protocol_version === 'string' ? VERSIONS[params.tls_maximum_protocol_version] : undefined;
  // Envoy's cipher strings may hold BoringSSL equal-preference groups `[A|B]`; OpenSSL takes them in order.
  const ciphers = ((params.cipher_suites ?? []) as string[]).flatMap((c) => c.replace(/[[\]]/g, '').split('|')).filter(Boolean);
  const curves = (params.ecdh_curves ?? []) as string[];
  const options: TlsOptions = {
    cert: certs,
    key: keys,
    minVersion: min ?? 'TLSv1.2',
    maxVersion: max ?? 'TLSv1.3',
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
    ...(curves.length > 0 ? { ecdhCurve: curves.join(':') } : {}),
    ...(alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
    ...(ca ? { ca, requestCert: true, rejectUnauthorized: requireClientCertificate } : { requestCert: false, rejectUnauthorized: false }),
    ...(crl ? { crl } : {}),
  };
  let server: ReturnType<typeof createTlsServer>;
  try {
    // Builds the SecureContext now: a bad PEM, a key that does not match, an unknown cipher fail here.
    server = createTlsServer(options);
  } catch (e) {
    return { ok: false, problems: [`common_tls_context: ${e instanceof Error ? e.message : String(e)}`] };
  }
  return { ok: true, tls: createTermination(server, alpn, requireClientCertificate, ca !== undefined ? checks : undefined) };
}

function createTermination(server: ReturnType<typeof createTlsServer>, alpn: readonly string[], requireClientCertificate: boolean, checks: PeerChecks | undefined): DownstreamTls {
  // The server never listens: it only runs node's server-side handshake (client certificate checks
  // included) for the sockets given to it; `then` is found again through the raw socket.
  const waiting = new WeakMap<Socket, (secure: TLSSocket) => void>();
  server.on('secureConnection', (secure: TLSSocket) => {
    secure.on('error', () => undefined);
    const raw = (secure as unknown as { _parent?: Socket })._parent;
    const then = raw ? waiting.get(raw) : undefined;
    if (raw) waiting.delete(raw);
    if (!then) return void secure.destroy();
    if (checks) {
      const peer = secure.getPeerCertificate(false);
      const hasCert = peer !== null && typeof peer === 'object' && Buffer.isBuffer(peer.raw);
      // OPTIONAL_MUTUAL (CA but no requirement): no certificate is fine, a bad one is not.
      if (hasCert && (!secure.authorized || peerProblem(checks, peer.raw) !== undefined)) return void secure.destroy();
    }
    then(secure);
  });
  server.on('tlsClientError', (_e: Error, secure: TLSSocket) => secure.destroy());
  return {
    alpn,
    requireClientCertificate,
    terminate(socket, then) {
      waiting.set(socket, then);
      // The TLSSocket takes over the TCP handle (bytes put back by the inspector are read first), and
      // destroying either socket closes both, so the listener's tracking of `socket` stays right.
      server.emit('connection', socket);
    },
  };
}

/** Every reason a filter chain's transport socket cannot be used (`at`: the chain's path); [] when it
 *  can or when there is none. Loads TLS material (see {@link loadDownstreamTls}). */
export function transportSocketProblems(ts: TransportSocketShape | undefined, at: string): string[] {
  if (ts === undefined) return [];
  if (!isTlsTransportSocket(ts)) {
    const p = otherTransportSocketProblem(ts);
    return p ? [`${at}.transport_socket: ${p}`] : [];
  }
  const result = loadDownstreamTls(ts);
  return result.ok ? [] : result.problems.map((p) => `${at}.transport_socket: ${p}`);
}
