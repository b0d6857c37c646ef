// A cluster's `transport_socket` when it is `envoy.transport_sockets.tls` with an UpstreamTlsContext:
// TLS on the connections to its endpoints, as DestinationRule SIMPLE / MUTUAL (files) and ISTIO_MUTUAL
// (the workload's certificate and the mesh roots by SDS, security/secret-store.ts) configure it. The
// peer is verified as Envoy does: the chain against the validation context's CA (none configured: not
// verified), then the SAN matchers when there are any (Envoy checks no host name otherwise).

import { isIP } from 'node:net';
import { connect as tlsConnect, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import { TYPE_URL } from '@weft/shared/xds';
import { WORKLOAD_CERT_SECRET, workloadSecrets } from '../security/secret-store.js';
import { peerProblem, present, readDataSource, readValidation, sdsSecretName, VERSIONS, type Obj } from './tls-material.js';
import type { TransportSocketShape } from './downstream-tls.js';

/** TLS to a cluster's endpoints. */
export interface UpstreamTls {
  /** Distinguishes pools of different TLS settings for the same endpoint. */
  readonly key: string;
  readonly sni: string | undefined;
  readonly alpn: readonly string[];
  /** Whether the peer's certificate chain is verified (a CA is configured). */
  readonly verifies: boolean;
  /** Opens a TLS connection; it emits 'secureConnect' once the handshake and the peer checks passed,
   *  and fails with 'error' otherwise. */
  connect(host: string, port: number): TLSSocket;
}

export type UpstreamTlsResult = { readonly ok: true; readonly tls: UpstreamTls | undefined } | { readonly ok: false; readonly problems: readonly string[] };

const TLS_SOCKET = 'envoy.transport_sockets.tls';
const RAW_BUFFER = 'envoy.transport_sockets.raw_buffer';
const UNSUPPORTED_COMMON = ['tls_certificate_provider_instance', 'tls_certificate_certificate_provider', 'tls_certificate_certificate_provider_instance', 'validation_context_sds_secret_config', 'validation_context_certificate_provider', 'validation_context_certificate_provider_instance', 'custom_handshaker', 'key_log'];

let nextKey = 0;
const loaded = new WeakMap<object, UpstreamTlsResult>();

/**
 * The TLS a cluster's transport socket asks for: undefined for none or raw_buffer (plaintext), else the
 * loaded context, or every reason it cannot be used (for a NACK). Memoized per decoded message.
 */
export function loadUpstreamTls(ts: TransportSocketShape | undefined): UpstreamTlsResult {
  if (ts === undefined) return { ok: true, tls: undefined };
  const type = ts.typed_config?.['@type'];
  if (ts.name === RAW_BUFFER || (typeof type === 'string' && type.endsWith('.RawBuffer'))) return { ok: true, tls: undefined };
  if (ts.name !== TLS_SOCKET && type !== TYPE_URL.UPSTREAM_TLS_CONTEXT) return { ok: false, problems: [`transport socket '${ts.name ?? String(type)}' is not supported by weft-proxy (only ${TLS_SOCKET} and ${RAW_BUFFER})`] };
  const memoKey = ts.typed_config ?? ts;
  const memo = loaded.get(memoKey);
  if (memo) return memo;
  const result = load((ts.typed_config ?? {}) as Obj);
  loaded.set(memoKey, result);
  return result;
}

function load(ctx: Obj): UpstreamTlsResult {
  const problems: string[] = [];
  if (ctx['@type'] !== undefined && ctx['@type'] !== TYPE_URL.UPSTREAM_TLS_CONTEXT) return { ok: false, problems: [`typed_config: expected ${TYPE_URL.UPSTREAM_TLS_CONTEXT}, got ${String(ctx['@type'])}`] };
  const common = (ctx.common_tls_context ?? {}) as Obj;
  for (const f of UNSUPPORTED_COMMON) if (present(common[f])) problems.push(`common_tls_context.${f}: not supported by weft-proxy`);

  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  const list = (common.tls_certificates ?? []) as Obj[];
  if (list.length > 1) problems.push('common_tls_context.tls_certificates: weft-proxy takes one client certificate');
  if (list[0]) {
    cert = readDataSource(list[0].certificate_chain, 'common_tls_context.tls_certificates[0].certificate_chain', problems);
    key = readDataSource(list[0].private_key, 'common_tls_context.tls_certificates[0].private_key', problems);
  }
  const sds = (common.tls_certificate_sds_secret_configs ?? []) as Obj[];
  if (sds.length > 1) problems.push('common_tls_context.tls_certificate_sds_secret_configs: weft-proxy takes one certificate');
  let sdsCert = false;
  if (sds[0]) {
    const name = sdsSecretName(sds[0], 'common_tls_context.tls_certificate_sds_secret_configs[0]', problems);
    if (name !== undefined && name !== WORKLOAD_CERT_SECRET) problems.push("common_tls_context.tls_certificate_sds_secret_configs[0].name: a certificate secret must be 'default'");
    sdsCert = name === WORKLOAD_CERT_SECRET;
  }

  const { sdsRoots, ca, crl, checks } = readValidation(common, problems, false);
  if (problems.length > 0) return { ok: false, problems };

  const params = (common.tls_params ?? {}) as Obj;
  const min = typeof params.tls_minimum_protocol_version === 'string' ? VERSIONS[params.tls_minimum_protocol_version] : undefined;
  const max = typeof params.tls_maximum_protocol_version === 'string' ? VERSIONS[params.tls_maximum_protocol_version] : undefined;
  const ciphers = ((params.cipher_suites ?? []) as string[]).flatMap((c) => c.replace(/[[\]]/g, '').split('|')).filter(Boolean);
  const alpn = ((common.alpn_protocols ?? []) as string[]).filter((p) => typeof p === 'string' && p !== '');
  const sni = typeof ctx.sni === 'string' && ctx.sni !== '' ? ctx.sni : undefined;
  const verifies = ca !== undefined || sdsRoots;
  const sanChecks = checks !== undefined && (checks.sans.length > 0 || checks.hashes.size > 0 || checks.spkis.size > 0) ? checks : undefined;

  const build = (): SecureContext => {
    const own = sdsCert ? workloadSecrets.certificate() : undefined;
    const roots = sdsRoots ? workloadSecrets.roots() : undefined;
    return createSecureContext({
      minVersion: min ?? 'TLSv1.2',
      maxVersion: max ?? 'TLSv1.3',
      ...(ciphers.length > 0 ? { ciphers: ciphers.join(':') } : {}),
      ...(sdsCert ? (own ? { cert: own.certChainPem, key: own.privateKeyPem } : {}) : cert && key ? { cert, key } : {}),
      ...(sdsRoots ? (roots ? { ca: roots } : {}) : ca ? { ca } : {}),
      ...(crl ? { crl } : {}),
    });
  };
  let context: SecureContext;
  try {
    // A bad PEM or a key that does not match its certificate fails here, at apply time.
    context = build();
  } catch (e) {
    return { ok: false, problems: [`common_tls_context: ${e instanceof Error ? e.message : String(e)}`] };
  }
  let builtFrom = workloadSecrets.version;
  const dynamic = sdsCert || sdsRoots;
  const current = (): SecureContext => {
    if (dynamic && builtFrom !== workloadSecrets.version) {
      builtFrom = workloadSecrets.version;
      try {
        context = build();
      } catch {
        // Secrets that do not load: keep the last context (the agent reports its own failures).
      }
    }
    return context;
  };
  return {
    ok: true,
    tls: {
      key: `tls${++nextKey}`,
      sni,
      alpn,
      verifies,
      connect(host, port) {
        return tlsConnect({
          host,
          port,
          ...(sni !== undefined && isIP(sni) === 0 ? { servername: sni } : {}),
          ...(alpn.length > 0 ? { ALPNProtocols: [...alpn] } : {}),
          secureContext: current(),
          // node checks the chain against the context's CA; Envoy checks no host name, only SAN matchers.
          rejectUnauthorized: verifies,
          checkServerIdentity: (_host, peer) => {
            if (sanChecks === undefined || !Buffer.isBuffer(peer.raw)) return undefined;
            const problem = peerProblem(sanChecks, peer.raw);
            return problem === undefined ? undefined : new Error(`upstream certificate refused: ${problem}`);
          },
        });
      },
    },
  };
}
