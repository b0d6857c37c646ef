// Mesh mTLS on outbound clusters, Istio's way (pilot/pkg/networking/core/cluster_tls.go
// applyUpstreamTLSSettings + buildUpstreamTLSSettings, PushContext.BestEffortInferServiceMTLSMode,
// pilot/pkg/xds/endpoints/mtls_checker.go): ISTIO_MUTUAL's UpstreamTlsContext (the workload certificate
// and the mesh roots over SDS as `default` / `ROOTCA`), auto-mTLS as transport_socket_matches on the
// endpoints' `tlsMode`, and the endpoint metadata those match. SIMPLE / MUTUAL with files are cds-tls.ts.

import type { ClientTLSSettings, DestinationRuleSpec } from '@weft/shared';
import { plainToStruct, TYPE_URL, type StructMessage } from '@weft/shared/xds';
import type { Endpoint, MeshService } from '../registry/model.js';
import type { MtlsMode } from '../snapshot/lookup-peer-authentication.js';
import type { ServiceMtls } from './cds-inputs.js';
import { upstreamTlsSocket } from './cds-tls.js';
import { dnsSrvSubsetKey } from './cluster-names.js';
import { ZERO_DURATION } from './route-duration.js';

/** The SDS secret of the workload's certificate chain and key (Istio SDSDefaultResourceName). */
export const SDS_WORKLOAD_CERT = 'default';
/** The SDS secret of the mesh trust bundle (Istio SDSRootResourceName). */
export const SDS_ROOT_CA = 'ROOTCA';
/** The cluster Istio's SDS config points at (the proxy agent's SDS server); weft-proxy resolves the two
 *  names above itself, whatever the config source says. */
export const SDS_CLUSTER = 'sds-grpc';
/** The endpoint label the injector sets on workloads with a sidecar (Istio label.SecurityTlsMode). */
export const TLS_MODE_LABEL = 'security.istio.io/tlsMode';
/** The filter metadata namespace transport_socket_matches read (Envoy). */
export const TRANSPORT_SOCKET_MATCH_KEY = 'envoy.transport_socket_match';

const TLS_SOCKET = 'envoy.transport_sockets.tls';

/** Istio's SDS config for the workload's secrets (pilot/pkg/model ConstructSdsSecretConfig). */
export function sdsSecretConfig(name: string): Record<string, unknown> {
  return {
    name,
    sds_config: {
      api_config_source: { api_type: 'GRPC', set_node_on_first_message_only: true, transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }] },
      initial_fetch_timeout: ZERO_DURATION,
      resource_api_version: 'V3',
    },
  };
}

/** Istio's ALPN for in-mesh clusters with metadata exchange (util.ALPNInMeshWithMxc / ALPNInMeshH2WithMxc):
 *  `istio` tells the server's sidecar the connection is mesh traffic. */
const ALPN_IN_MESH: readonly string[] = Object.freeze(['istio-peer-exchange', 'istio']);
const ALPN_IN_MESH_H2: readonly string[] = Object.freeze(['istio-peer-exchange', 'istio', 'h2']);

/**
 * The transport socket of an ISTIO_MUTUAL cluster (Istio buildUpstreamClusterTLSContext): TLS 1.2-1.3,
 * the workload certificate (`default`) and the mesh roots (`ROOTCA`) over SDS, the peer's SAN one of
 * `subjectAltNames` (none: any workload the roots vouch for), SNI `sni`, ALPN with `h2` for HTTP/2 clusters.
 */
export function istioMutualTlsSocket(subjectAltNames: readonly string[], sni: string, http2: boolean): Record<string, unknown> {
  return {
    name: TLS_SOCKET,
    typed_config: {
      '@type': TYPE_URL.UPSTREAM_TLS_CONTEXT,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
        alpn_protocols: [...(http2 ? ALPN_IN_MESH_H2 : ALPN_IN_MESH)],
        tls_certificate_sds_secret_configs: [sdsSecretConfig(SDS_WORKLOAD_CERT)],
        combined_validation_context: {
          default_validation_context: subjectAltNames.length > 0 ? { match_subject_alt_names: subjectAltNames.map((exact) => ({ exact })) } : {},
          validation_context_sds_secret_config: sdsSecretConfig(SDS_ROOT_CA),
        },
      },
      sni,
    },
  };
}

/** Plaintext (Istio xdsfilters.RawBufferTransportSocket). */
export const RAW_BUFFER_SOCKET: Readonly<Record<string, unknown>> = Object.freeze({ name: 'envoy.transport_sockets.raw_buffer', typed_config: { '@type': TYPE_URL.RAW_BUFFER } });

/** Istio's auto-mTLS matches: the mTLS socket for endpoints labelled `tlsMode: istio`, plaintext for
 *  the rest (defaultTransportSocketMatch). */
function autoMtlsMatches(socket: Record<string, unknown>): Record<string, unknown>[] {
  return [
    { name: 'tlsMode-istio', match: plainToStruct({ tlsMode: 'istio' }), transport_socket: socket },
    { name: 'tlsMode-disabled', match: plainToStruct({}), transport_socket: RAW_BUFFER_SOCKET },
  ];
}

/** The `tlsMode` of an endpoint's workload: its label, `disabled` without one (Istio GetTLSModeFromEndpointLabels). */
function tlsModeLabelOf(ep: Endpoint): string {
  return ep.labels[TLS_MODE_LABEL] ?? 'disabled';
}

/** One outbound cluster, as its mTLS needs it. */
export interface ClusterMtlsInput {
  readonly service: MeshService;
  readonly mtls: ServiceMtls;
  /** The service's DestinationRule for the proxy (its top-level policy decides passthrough). */
  readonly rule: DestinationRuleSpec | undefined;
  /** The cluster's merged TLS settings (cds-traffic-policy.ts), if any. */
  readonly tls: ClientTLSSettings | undefined;
  readonly port: number;
  readonly subset: string | undefined;
  /** An ORIGINAL_DST cluster (no endpoints of its own to match on). */
  readonly originalDst: boolean;
  readonly http2: boolean;
  /** The service's endpoints on the cluster's port (all subsets). */
  readonly portEndpoints: readonly Endpoint[];
  readonly autoMtls: boolean;
}

/**
 * The mTLS mode a client assumes for a service port (Istio BestEffortInferServiceMTLSMode): unknown
 * for MESH_EXTERNAL services; DISABLE for passthrough ones (resolution NONE or a PASSTHROUGH load
 * balancer) unless every endpoint of the port has a sidecar; else its namespace's PeerAuthentication.
 */
export function inferServiceMtlsMode(c: Pick<ClusterMtlsInput, 'service' | 'mtls' | 'rule' | 'portEndpoints'>): MtlsMode | undefined {
  if (c.service.location === 'MESH_EXTERNAL') return undefined;
  if (c.service.resolution === 'NONE' || c.rule?.trafficPolicy?.loadBalancer?.simple === 'PASSTHROUGH') {
    if (c.portEndpoints.length === 0 || c.portEndpoints.some((ep) => tlsModeLabelOf(ep) === 'disabled')) return 'DISABLE';
  }
  return c.mtls.namespaceMode;
}

/**
 * The cluster fields that carry TLS: `transport_socket` or, for auto-mTLS, `transport_socket_matches`
 * (none: plaintext). DestinationRule TLS wins: DISABLE / SIMPLE / MUTUAL as cds-tls.ts builds them,
 * ISTIO_MUTUAL with its `sni` (else `outbound_.<port>_.<subset>_.<host>`) and `subjectAltNames` (else the
 * service's identities). Without DestinationRule TLS and with auto-mTLS on, an in-mesh service whose
 * inferred mode is not DISABLE gets the ISTIO_MUTUAL socket for endpoints labelled `tlsMode: istio` and
 * plaintext for the others; an ORIGINAL_DST cluster (no endpoints to match) gets the socket itself.
 */
export function clusterTransportFields(c: ClusterMtlsInput): Record<string, unknown> {
  const { tls, service } = c;
  if (tls && tls.mode !== 'ISTIO_MUTUAL') {
    const socket = upstreamTlsSocket(tls, service.hostname, c.http2);
    return socket ? { transport_socket: socket } : {};
  }
  const sni = dnsSrvSubsetKey(c.port, c.subset, service.hostname);
  if (tls) {
    const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : c.mtls.serviceAccounts;
    return { transport_socket: istioMutualTlsSocket(sans, tls.sni || sni, c.http2) };
  }
  if (!c.autoMtls) return {};
  const mode = inferServiceMtlsMode(c);
  if (mode === undefined || mode === 'DISABLE') return {};
  const socket = istioMutualTlsSocket(c.mtls.serviceAccounts, sni, c.http2);
  // Istio leaves ORIGINAL_DST clusters (headless services) out of the matches.
  return c.originalDst ? { transport_socket: socket } : { transport_socket_matches: autoMtlsMatches(socket) };
}

/** The TLS mode a DestinationRule sets for a cluster as Istio's EDS reads it (tlsModeForDestinationRule):
 *  the subset's own policy for a subset cluster, the top-level one otherwise, a matching port-level `tls`
 *  overriding; a `tls` without mode is DISABLE. */
function destinationRuleTlsMode(rule: DestinationRuleSpec | undefined, subset: string | undefined, port: number): ClientTLSSettings['mode'] | undefined {
  const policy = subset === undefined ? rule?.trafficPolicy : rule?.subsets?.find((s) => s.name === subset)?.trafficPolicy;
  if (!policy) return undefined;
  const portTls = policy.portLevelSettings?.find((p) => p.port?.number === port && p.tls)?.tls;
  const tls = portTls ?? policy.tls;
  return tls ? (tls.mode ?? 'DISABLE') : undefined;
}

/**
 * The `tlsMode` each endpoint of one cluster advertises in its `envoy.transport_socket_match` metadata
 * (Istio's mtlsChecker + AppendLbEndpointMetadata): with DestinationRule TLS, its label value when the
 * mode is ISTIO_MUTUAL; otherwise `istio` for workloads labelled so whose PeerAuthentication does not
 * DISABLE the endpoint port. Endpoints absent from the map get no such metadata.
 */
export function endpointTlsModes(mtls: ServiceMtls, rule: DestinationRuleSpec | undefined, subset: string | undefined, port: number, endpoints: readonly Endpoint[]): ReadonlyMap<Endpoint, string> {
  const drMode = destinationRuleTlsMode(rule, subset, port);
  const out = new Map<Endpoint, string>();
  for (const ep of endpoints) {
    const label = tlsModeLabelOf(ep);
    const enabled = drMode !== undefined ? drMode === 'ISTIO_MUTUAL' : label === 'istio' && !mtls.peerDisabled.has(ep);
    if (enabled && label !== '' && label !== 'disabled') out.set(ep, label);
  }
  return out;
}

/** envoy.config.core.v3.Metadata with the transport socket match of an endpoint. */
export function transportSocketMatchMetadata(tlsMode: string): { filter_metadata: Record<string, StructMessage> } {
  return { filter_metadata: { [TRANSPORT_SOCKET_MATCH_KEY]: plainToStruct({ tlsMode }) } };
}
