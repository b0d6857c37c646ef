// A filter chain's `transport_socket` when it is Envoy's `envoy.transport_sockets.tls` with a
// DownstreamTlsContext: the certificates, keys and CA read once when the config is applied (a node:tls
// server context, never per connection), and the termination of one accepted connection with it,
// including the client-certificate checks of `validation_context`. SDS names the workload's own
// secrets (`default`, `ROOTCA`, held by the agent in-process); a rotated one applies to the next handshake.

import type { Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions, type TLSSocket } from 'node:tls';
import { TYPE_URL } from '@weft/shared/xds';
import { WORKLOAD_CERT_SECRET, workloadSecrets } from '../security/secret-store.js';
import { boolOf, peerProblem, present, readDataSource, readValidation, sdsSecretName, VERSIONS, type Obj, type PeerChecks } from './tls-material.js';

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

/** Fields weft-proxy cannot honour; refusing them is safer than serving without them. */
const UNSUPPORTED_COMMON = ['tls_certificate_provider_instance', 'tls_certificate_certificate_provider', 'tls_certificate_certificate_provider_instance', 'validation_context_sds_secret_config', 'validation_context_certificate_provider', 'validation_context_certificate_provider_instance', 'custom_handshaker', 'key_log'];

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
  for (const f of UNSUPPORTED_COMMON) if (present(common[f])) problems.push(`common_tls_context.${f}: not supported by weft-proxy`);
  if (present(ctx.session_ticket_keys_sds_secret_config)) problems.push('session_ticket_keys_sds_secret_config: not supported by weft-proxy');

  const certs: Buffer[] = [];
  const keys: Buffer[] = [];
  const list = (common.tls_certificates ?? []) as Obj[];
  // SDS: the workload certificate ('default') from this proxy's agent, as Istio's inbound mTLS chains name it.
  const sds = (common.tls_certificate_sds_secret_configs ?? []) as Obj[];
  if (sds.length > 1) problems.push('common_tls_context.tls_certificate_sds_secret_configs: weft-proxy takes one certificate');
  const sdsCert = sds.length === 1 ? sdsSecretName(sds[0], 'common_tls_context.tls_certificate_sds_secret_configs[0]', problems) === WORKLOAD_CERT_SECRET : false;
  if (sds.length === 1 && !sdsCert && problems.length === 0) problems.push("common_tls_context.tls_certificate_sds_secret_configs[0].name: a certificate secret must be 'default'");
  if (list.length === 0 && sds.length === 0 && problems.length === 0) problems.push('common_tls_context.tls_certificates: a downstream TLS context needs a certificate');
  list.forEach((c, i) => {
    const at = `common_tls_context.tls_certificates[${i}]`;
    if (present(c.private_key_provider)) problems.push(`${at}.private_key_provider: not supported by weft-proxy`);
    const cert = readDataSource(c.certificate_chain, `${at}.certificate_chain`, problems);
    const key = readDataSource(c.private_key, `${at}.private_key`, problems);
    if (cert) certs.push(cert);
    if (key) keys.push(key);
  });

  const { sdsRoots, vAt, ca, crl, checks } = readValidation(common, problems, true);
  const verifies = ca !== undefined || sdsRoots;
  const requireClientCertificate = boolOf(ctx.require_client_certificate);
  if (requireClientCertificate && !verifies) problems.push(`require_client_certificate: needs ${vAt}.trusted_ca to verify client certificates`);
  if (problems.length > 0) return { ok: false, problems };

  const params = (common.tls_params ?? {}) as Obj;
  const alpn = ((common.alpn_protocols ?? []) as string[]).filter((p) => typeof p === 'string' && p !== '');
  const min = typeof params.tls_minimum_protocol_version === 'string' ? VERSIONS[params.tls_minimum_protocol_version] : undefined;
  const max = typeof params.tls_maximum_protocol_version === 'string' ? VERSIONS[params.tls_maximum_protocol_version] : undefined;
  // Envoy's cipher strings may hold BoringSSL equal-preference groups `[A|B]`; OpenSSL takes them in order.
  const ciphers = ((params.cipher_suites ?? []) as string[]).flatMap((c) => c.replace(/[[\]]/g, '').split('|')).filter(Boolean);
  const curves = (params.ecdh_curves ?? []) as string[];
  const base: TlsOptions = {
    minVersion: min ?? 'TLSv1.2',
    maxVersion: max ?? 'TLSv1.3',
    ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
    ...(curves.length > 0 ? { ecdhCurve: curves.join(':') } : {}),
    ...(verifies ? { requestCert: true, rejectUnauthorized: requireClientCertificate } : { requestCert: false, rejectUnauthorized: false }),
    ...(crl ? { crl } : {}),
  };
  // The context's material: static files, or the workload's secrets as they are now (SDS).
  const material = (): TlsOptions => {
    const own = sdsCert ? workloadSecrets.certificate() : undefined;
    const roots = sdsRoots ? workloadSecrets.roots() : undefined;
    return {
      ...base,
      ...(sdsCert ? (own ? { cert: own.certChainPem, key: own.privateKeyPem } : {}) : { cert: certs, key: keys }),
      ...(sdsRoots ? (roots ? { ca: roots } : {}) : ca ? { ca } : {}),
    };
  };
  const options: TlsOptions = {
    ...material(),
    // Envoy never refuses a handshake over ALPN: with no protocol in common none is selected (istio's
    // mTLS clients offer `istio-peer-exchange`, `istio`). node refuses unless a callback picks one.
    ...(alpn.length > 0 ? { ALPNCallback: ({ protocols }: { protocols: string[] }) => alpn.find((p) => protocols.includes(p)) ?? protocols[0] } : {}),
  };
  let server: ReturnType<typeof createTlsServer>;
  try {
    // Builds the SecureContext now: a bad PEM, a key that does not match, an unknown cipher fail here.
    server = createTlsServer(options);
  } catch (e) {
    return { ok: false, problems: [`common_tls_context: ${e instanceof Error ? e.message : String(e)}`] };
  }
  const dynamic = sdsCert || sdsRoots;
  let builtFrom = workloadSecrets.version;
  // A rotated certificate or trust bundle applies to the next handshake.
  const refresh = dynamic
    ? (): void => {
        if (builtFrom === workloadSecrets.version) return;
        builtFrom = workloadSecrets.version;
        try {
          server.setSecureContext(material());
        } catch {
          // A secret that does not load keeps the previous context (the agent logs its own failures).
        }
      }
    : undefined;
  return { ok: true, tls: createTermination(server, alpn, requireClientCertificate, verifies ? checks : undefined, refresh) };
}

function createTermination(server: ReturnType<typeof createTlsServer>, alpn: readonly string[], requireClientCertificate: boolean, checks: PeerChecks | undefined, refresh: (() => void) | undefined): DownstreamTls {
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
      refresh?.();
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
