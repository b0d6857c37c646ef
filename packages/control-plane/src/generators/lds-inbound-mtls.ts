// PeerAuthentication on a sidecar's inbound listeners, Istio's way: which filter chains a port gets
// for its mTLS mode (pilot/pkg/networking/core/filterchain_options.go), the DownstreamTlsContext of the
// mTLS ones (pilot/pkg/security/authn/utils BuildInboundTLS + ApplyToCommonTLSContext), and the
// listener filters those chains need (listener_inbound.go populateListenerFilters). The chains' network
// filters (HCM, tcp_proxy, RBAC) are lds-inbound.ts's; which policy applies is lookup-peer-authentication.ts's.

import { TYPE_URL } from '@weft/shared/xds';
import { mtlsModeForPort, type MergedPeerAuthentication, type MtlsMode } from '../snapshot/lookup-peer-authentication.js';
import { sdsSecretConfig, SDS_ROOT_CA, SDS_WORKLOAD_CERT } from './cds-mtls.js';
import { disabledOnPorts, HTTP_INSPECTOR_FILTER, ORIGINAL_DST_FILTER, TLS_INSPECTOR_FILTER, type EnvoyListenerFilter } from './filter-listener.js';
import { PLAINTEXT_HTTP_ALPNS, type ChainSpec } from './lds-filter-chain.js';

/** The PeerAuthentication in force for the proxy's workload and the trust domains its peers may come from. */
export interface InboundMtls {
  readonly peerAuthentication: MergedPeerAuthentication;
  /** The mesh trust domain and its aliases: a peer's SPIFFE ID must be in one of them. */
  readonly trustDomains: readonly string[];
}

/** Plaintext everywhere: what inbound listeners are without PeerAuthentication input. */
export const NO_INBOUND_MTLS: InboundMtls = Object.freeze({ peerAuthentication: Object.freeze({ mode: 'DISABLE' as const, perPort: new Map<number, MtlsMode>() }), trustDomains: Object.freeze([]) });

/** The kind of network filter a chain ends in (Istio ListenerProtocol). */
export type ChainProtocol = 'http' | 'tcp';

/** One filter chain a port (or the passthrough) gets: its match, its protocol, whether it terminates mTLS. */
export interface ChainOption {
  readonly protocol: ChainProtocol;
  readonly transportProtocol: 'tls' | 'raw_buffer';
  readonly applicationProtocols?: readonly string[];
  /** Terminates mTLS with the workload certificate (else the bytes go on as they came). */
  readonly tls: boolean;
}

/** ALPN an Istio client's outbound HTTP sets over mTLS (mtlsHTTPALPNs). */
const MTLS_HTTP_ALPNS: readonly string[] = Object.freeze(['istio-http/1.0', 'istio-http/1.1', 'istio-h2']);
/** ALPN an Istio client's mTLS carries (allIstioMtlsALPNs). */
const ALL_ISTIO_MTLS_ALPNS: readonly string[] = Object.freeze(['istio', 'istio-peer-exchange', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']);
/** ALPN an Istio client sets for TCP over mTLS (mtlsTCPWithMxcALPNs). */
const MTLS_TCP_ALPNS: readonly string[] = Object.freeze(['istio-peer-exchange', 'istio']);

const opt = (protocol: ChainProtocol, transportProtocol: 'tls' | 'raw_buffer', tls: boolean, applicationProtocols?: readonly string[]): ChainOption =>
  Object.freeze({ protocol, transportProtocol, tls, ...(applicationProtocols ? { applicationProtocols } : {}) });

/** Istio's filter chain match options by listener protocol and mode (getFilterChainMatchOptions, no
 *  user TLS on the port). `auto` is the passthrough's: HTTP is told from TCP by ALPN. */
const OPTIONS: Readonly<Record<ChainProtocol | 'auto', Readonly<Record<MtlsMode, readonly ChainOption[]>>>> = {
  http: {
    STRICT: [opt('http', 'tls', true)],
    PERMISSIVE: [opt('http', 'tls', true, ALL_ISTIO_MTLS_ALPNS), opt('http', 'raw_buffer', false)],
    DISABLE: [opt('http', 'raw_buffer', false)],
  },
  tcp: {
    STRICT: [opt('tcp', 'tls', true)],
    // The last one: TLS that is not Istio's (an app's own) goes on as TCP, not refused.
    PERMISSIVE: [opt('tcp', 'tls', true, ALL_ISTIO_MTLS_ALPNS), opt('tcp', 'raw_buffer', false), opt('tcp', 'tls', false)],
    DISABLE: [opt('tcp', 'raw_buffer', false)],
  },
  auto: {
    STRICT: [opt('http', 'tls', true, MTLS_HTTP_ALPNS), opt('tcp', 'tls', true)],
    PERMISSIVE: [opt('http', 'tls', true, MTLS_HTTP_ALPNS), opt('http', 'raw_buffer', false, PLAINTEXT_HTTP_ALPNS), opt('tcp', 'tls', true, MTLS_TCP_ALPNS), opt('tcp', 'raw_buffer', false), opt('tcp', 'tls', false)],
    DISABLE: [opt('http', 'raw_buffer', false, PLAINTEXT_HTTP_ALPNS), opt('tcp', 'raw_buffer', false)],
  },
};

/** The chains of a workload port whose network filters are `protocol`'s, or of the passthrough (`auto`), in `mode`, in Istio's order. */
export function chainOptions(protocol: ChainProtocol | 'auto', mode: MtlsMode): readonly ChainOption[] {
  return OPTIONS[protocol][mode];
}

/** The mode for workload port `port` (0: the passthrough), Istio InboundMTLSSettings. */
export function inboundMtlsMode(mtls: InboundMtls, port: number): MtlsMode {
  return mtlsModeForPort(mtls.peerAuthentication, port);
}

/** Ports with a port-level mode and no chain of their own (not in `declared`): Istio adds passthrough
 *  chains for them so the port-level mode holds there too (ForPassthrough). Sorted. */
export function portLevelPassthroughPorts(mtls: InboundMtls, declared: ReadonlySet<number>): number[] {
  return [...mtls.peerAuthentication.perPort.keys()].filter((p) => !declared.has(p)).sort((a, b) => a - b);
}

/** Cipher suites of inbound mTLS (Istio SupportedCiphers, no MeshConfig meshMTLS override). */
const SUPPORTED_CIPHERS: readonly string[] = Object.freeze(['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256']);

/**
 * The transport socket of an mTLS inbound chain (Istio BuildInboundTLS): a client certificate is
 * required, the workload certificate (`default`) and the mesh roots (`ROOTCA`) come over SDS, the peer's
 * SAN must be a SPIFFE ID of one of `trustDomains`, TLS 1.2-1.3 with Istio's ciphers; ALPN `h2`,
 * `http/1.1` (TCP chains also `istio-peer-exchange`), never `istio`, which would hide the app protocol.
 */
export function downstreamMtlsSocket(protocol: ChainProtocol, trustDomains: readonly string[]): Record<string, unknown> {
  const domains = [...new Set(trustDomains.filter((d) => d !== ''))];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3', cipher_suites: [...SUPPORTED_CIPHERS] },
        alpn_protocols: protocol === 'http' ? ['h2', 'http/1.1'] : ['istio-peer-exchange', 'h2', 'http/1.1'],
        tls_certificate_sds_secret_configs: [sdsSecretConfig(SDS_WORKLOAD_CERT)],
        combined_validation_context: {
          default_validation_context: domains.length > 0 ? { match_subject_alt_names: domains.map((d) => ({ prefix: `spiffe://${d}/` })) } : {},
          validation_context_sds_secret_config: sdsSecretConfig(SDS_ROOT_CA),
        },
      },
      require_client_certificate: { value: true },
    },
  };
}

/** `base` (a chain's name, port and filters) with the match and TLS of option `o`. */
export function withChainOption(base: ChainSpec, o: ChainOption, trustDomains: readonly string[]): ChainSpec {
  const { applicationProtocols: _a, transportProtocol: _t, transportSocket: _s, ...rest } = base;
  return {
    ...rest,
    transportProtocol: o.transportProtocol,
    ...(o.applicationProtocols ? { applicationProtocols: o.applicationProtocols } : {}),
    ...(o.tls ? { transportSocket: downstreamMtlsSocket(o.protocol, trustDomains) } : {}),
  };
}

/** What the listener filters of a port must see (Istio enabledInspector). */
interface Inspectors {
  tls: boolean;
  http: boolean;
}

/** Ports (0: chains without a port) whose chains need the TLS or the HTTP inspector. */
function inspectorsOf(chains: readonly ChainSpec[]): Map<number, Inspectors> {
  const out = new Map<number, Inspectors>();
  for (const c of chains) {
    const port = c.destinationPort ?? 0;
    const i = out.get(port) ?? { tls: false, http: false };
    i.tls ||= c.transportProtocol === 'tls';
    i.http ||= (c.applicationProtocols ?? []).some((a) => a === 'http/1.1' || a === 'h2c');
    out.set(port, i);
  }
  return out;
}

/**
 * The listener filters of an inbound listener with `chains` (Istio populateListenerFilters):
 * original_dst unless it binds its port, then the TLS inspector where some chain matches `tls` and the
 * HTTP inspector where some chain matches plaintext HTTP ALPN, each switched off (filter_disabled) on
 * the ports that do not need it, so server-first protocols are not delayed. TLS goes first: once it
 * has said `tls`, the HTTP inspector leaves the connection alone.
 */
export function inboundListenerFilters(chains: readonly ChainSpec[], bindToPort: boolean): EnvoyListenerFilter[] {
  const filters: EnvoyListenerFilter[] = bindToPort ? [] : [ORIGINAL_DST_FILTER];
  const inspectors = inspectorsOf(chains);
  const ports = [...inspectors.entries()];
  if (ports.some(([, i]) => i.tls)) {
    if (inspectors.get(0)?.tls) {
      // On by default (the passthrough needs it): off where no chain of the port needs it.
      const off = disabledOnPorts(ports.filter(([p, i]) => p !== 0 && !i.tls).map(([p]) => p));
      filters.push(off ? { ...TLS_INSPECTOR_FILTER, filter_disabled: off } : TLS_INSPECTOR_FILTER);
    } else {
      const on = disabledOnPorts(ports.filter(([p, i]) => p !== 0 && i.tls).map(([p]) => p));
      filters.push(on ? { ...TLS_INSPECTOR_FILTER, filter_disabled: { not_match: on } } : TLS_INSPECTOR_FILTER);
    }
  }
  if (ports.some(([, i]) => i.http)) {
    const off = disabledOnPorts(ports.filter(([, i]) => !i.http).map(([p]) => p));
    filters.push(off ? { ...HTTP_INSPECTOR_FILTER, filter_disabled: off } : HTTP_INSPECTOR_FILTER);
  }
  return filters;
}
