// The two-hop targets of the benchmark (`weft-2hop`, `weft-mtls`): a client weft-proxy (sidecar,
// outbound) sends to a server weft-proxy's inbound listeners, which send to the nginx upstream. This
// file makes the certificates (openssl CLI) and the two proxies' xDS resources, in Istio's shapes
// (weftd's generators cds-mtls.ts, lds-inbound.ts, lds-inbound-mtls.ts, filter-http-connection-manager.ts)
// but with certificate files instead of SDS: the `default` / `ROOTCA` secrets need the CA agent.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TYPE_URL } from '@weft/shared/xds';
import { benchHost, benchMesh } from './bench-mesh.mjs';

export const CLIENT_ID = 'spiffe://cluster.local/ns/bench/sa/bench-client';
export const SERVER_ID = 'spiffe://cluster.local/ns/bench/sa/bench-server';

/** The client's services: svc-17 goes to the server's mTLS listener, svc-18 to its plaintext one. */
const MTLS_SERVICE = 17;
const PLAIN_SERVICE = 18;

function openssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/**
 * A CA and two workload certificates as Istio's CA issues them (EC P-256, URI SAN the SPIFFE ID,
 * serverAuth and clientAuth), in `dir` (created). Returns the PEM file paths.
 */
export function makeBenchPki(dir) {
  mkdirSync(dir, { recursive: true });
  const keyArgs = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...keyArgs, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=weft bench CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  const issue = (file, spiffeId) => {
    openssl(['req', '-new', ...keyArgs, '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', '/O=weft'], dir);
    writeFileSync(join(dir, `${file}.ext`), `subjectAltName=critical,URI:${spiffeId}\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`);
    openssl(['x509', '-req', '-in', `${file}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${file}.crt`, '-days', '2', '-extfile', `${file}.ext`], dir);
    return { cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) };
  };
  return { ca: join(dir, 'ca.crt'), client: issue('bench-client', CLIENT_ID), server: issue('bench-server', SERVER_ID) };
}

const file = (filename) => ({ filename });
const ZERO = { seconds: '0' };

/** Istio's ISTIO_MUTUAL UpstreamTlsContext (cds-mtls.ts istioMutualTlsSocket) with the workload
 *  certificate and the CA as files: TLS 1.2-1.3, the server's SPIFFE ID as the only accepted SAN,
 *  Istio's SNI for the cluster, ALPN `istio-peer-exchange`, `istio`. */
function istioMutualFiles(pki, clusterName) {
  const [, port, subset, host] = clusterName.split('|');
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.UPSTREAM_TLS_CONTEXT,
      common_tls_context: {
        tls_params: { tls_minimum_protocol_version: 'TLSv1_2', tls_maximum_protocol_version: 'TLSv1_3' },
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificates: [{ certificate_chain: file(pki.client.cert), private_key: file(pki.client.key) }],
        validation_context: { trusted_ca: file(pki.ca), match_subject_alt_names: [{ exact: SERVER_ID }] },
      },
      sni: `outbound_.${port}_.${subset}_.${host}`,
    },
  };
}

/**
 * The client proxy's xDS: the benchmark's 40 services (bench-mesh.mjs), svc-17's clusters with mTLS to
 * the server's mTLS listener (`mtlsPort`), svc-18's plaintext to its plaintext one (`plainPort`), and
 * the LDS listener on `listenerPort` as the `weft` proxy has it: it subscribes the route configuration
 * (wrk uses the explicit outbound port, as the `weft` target does).
 */
export function twoHopClientMesh({ pki, mtlsPort, plainPort, listenerPort }) {
  const upstreams = new Map([
    [MTLS_SERVICE, { address: '127.0.0.1', port: mtlsPort, transportSocket: (name) => istioMutualFiles(pki, name) }],
    [PLAIN_SERVICE, { address: '127.0.0.1', port: plainPort }],
  ]);
  const mesh = benchMesh({ upstreams, listenerPort });
  return { mtlsHost: benchHost(MTLS_SERVICE), plainHost: benchHost(PLAIN_SERVICE), resources: mesh.resources };
}

/** Istio's inbound mTLS DownstreamTlsContext (lds-inbound-mtls.ts downstreamMtlsSocket) with files:
 *  client certificate required, a SPIFFE ID of cluster.local, Istio's ciphers, ALPN h2, http/1.1. */
function inboundMtlsFiles(pki) {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': TYPE_URL.DOWNSTREAM_TLS_CONTEXT,
      common_tls_context: {
        tls_params: {
          tls_minimum_protocol_version: 'TLSv1_2',
          tls_maximum_protocol_version: 'TLSv1_3',
          cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256', 'AES256-GCM-SHA384', 'AES128-GCM-SHA256'],
        },
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificates: [{ certificate_chain: file(pki.server.cert), private_key: file(pki.server.key) }],
        validation_context: { trusted_ca: file(pki.ca), match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/' }] },
      },
      require_client_certificate: { value: true },
    },
  };
}

/** weftd's inbound HCM (filter-http-connection-manager.ts, direction inbound) with its inline route
 *  configuration (lds-inbound.ts inboundRouteConfig): everything to `cluster`. */
function inboundHcm(name, cluster, port) {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': TYPE_URL.HTTP_CONNECTION_MANAGER,
      stat_prefix: `inbound_${name}`,
      codec_type: 'AUTO',
      route_config: {
        name: cluster,
        virtual_hosts: [
          {
            name: `inbound|http|${port}`,
            domains: ['*'],
            routes: [
              {
                name: 'default',
                match: { prefix: '/' },
                route: { cluster, timeout: ZERO, max_stream_duration: { max_stream_duration: ZERO, grpc_timeout_header_max: ZERO }, retry_policy: { retry_on: 'reset-before-request', num_retries: { value: 2 } } },
                decorator: { operation: `bench-server.bench.svc.cluster.local:${port}/*` },
              },
            ],
          },
        ],
        validate_clusters: { value: false },
      },
      http_filters: [
        { name: 'envoy.filters.http.fault', typed_config: { '@type': TYPE_URL.FAULT } },
        { name: 'envoy.filters.http.cors', typed_config: { '@type': TYPE_URL.CORS } },
        { name: 'envoy.filters.http.router', typed_config: { '@type': TYPE_URL.ROUTER } },
      ],
      use_remote_address: { value: false },
      upgrade_configs: [{ upgrade_type: 'websocket' }],
      stream_idle_timeout: ZERO,
      normalize_path: { value: true },
      path_with_escaped_slashes_action: 'KEEP_UNCHANGED',
      server_name: 'istio-envoy',
      forward_client_cert_details: 'APPEND_FORWARD',
      set_current_client_cert_details: { subject: { value: true }, dns: true, uri: true },
    },
  };
}

/** weftd's bound inbound listener (lds-inbound.ts boundInboundListener) for `port` on 127.0.0.1: one
 *  chain, STRICT mTLS (TLS inspector, transport_protocol tls) or plaintext (raw_buffer). */
function boundInbound(port, cluster, tls) {
  const name = `127.0.0.1_${port}`;
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    traffic_direction: 'INBOUND',
    continue_on_listener_filters_timeout: true,
    ...(tls ? { listener_filters: [{ name: 'envoy.filters.listener.tls_inspector', typed_config: { '@type': TYPE_URL.TLS_INSPECTOR } }] } : {}),
    listener_filters_timeout: ZERO,
    filter_chains: [
      {
        name,
        filter_chain_match: { destination_port: { value: port }, transport_protocol: tls ? 'tls' : 'raw_buffer' },
        ...(tls ? { transport_socket: tls } : {}),
        filters: [inboundHcm(name, cluster, port)],
      },
    ],
  };
}

/**
 * The server proxy's xDS: two inbound listeners on 127.0.0.1, `mtlsPort` (mutual TLS required) and
 * `plainPort`, each with an HCM routing to its inbound cluster, a STATIC cluster to the nginx upstream
 * (127.0.0.1:`upstreamPort`, the app).
 */
export function twoHopServerResources({ pki, mtlsPort, plainPort, upstreamPort }) {
  const inboundCluster = (port) => {
    const name = `inbound|${port}||`;
    return {
      name,
      type: 'STATIC',
      connect_timeout: { seconds: '10' },
      lb_policy: 'ROUND_ROBIN',
      load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] },
    };
  };
  return {
    [TYPE_URL.CLUSTER]: [inboundCluster(mtlsPort), inboundCluster(plainPort)],
    [TYPE_URL.LISTENER]: [boundInbound(mtlsPort, `inbound|${mtlsPort}||`, inboundMtlsFiles(pki)), boundInbound(plainPort, `inbound|${plainPort}||`, undefined)],
  };
}
