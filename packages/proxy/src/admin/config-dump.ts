// GET /config_dump: the accepted xDS state in Envoy's envoy.admin.v3.ConfigDump JSON shape (bootstrap,
// clusters, endpoints with ?include_eds, listeners, routes), resources in proto3 JSON so that istioctl-
// style tools read it unchanged. Rendering only; the state comes from the xDS client's snapshot.

import { TYPE_URL, toProtoJson } from '@weft/shared/xds';
import type { XdsNode } from '../bootstrap/xds-node.js';
import type { ListenerBinding } from '../listeners/listener-manager.js';
import type { AcceptedResource, FailedUpdate, KindState, XdsSnapshot } from '../xds-client/resource-store.js';

const ADMIN = 'type.googleapis.com/envoy.admin.v3.';

/** What the bootstrap part of the dump shows. */
export interface BootstrapInfo {
  readonly node: XdsNode;
  /** `host:port` of the ADS server. */
  readonly discoveryAddress: string;
  readonly adminPort: number;
  /** When the proxy started (epoch ms). */
  readonly startedAt: number;
}

/** Query options Envoy's /config_dump takes that weft-proxy supports. */
export interface ConfigDumpOptions {
  /** `?include_eds`: add the EndpointsConfigDump (Envoy leaves EDS out by default). */
  readonly includeEds?: boolean;
  /** `?resource=<field>`: only the items of that repeated field (`dynamic_listeners`, ...), each with its `@type`. */
  readonly resource?: string;
  /** Sockets bound for LDS listeners: a listener none of whose sockets could be bound shows the bind
   *  error in its `error_state`, as Envoy reports a listener it cannot bind. */
  readonly listenerBindings?: readonly ListenerBinding[];
}

const timestamp = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Drops undefined and '' values, as proto3 JSON omits defaults. */
function compact(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined && v !== ''));
}

const packed = (typeUrl: string, message: Readonly<Record<string, unknown>>): Record<string, unknown> => ({ '@type': typeUrl, ...toProtoJson(typeUrl, message) });

function errorState(typeUrl: string, failure: FailedUpdate | undefined): Record<string, unknown> | undefined {
  if (!failure) return undefined;
  return compact({ failed_configuration: packed(typeUrl, failure.message), last_update_attempt: timestamp(failure.lastUpdateAttempt), details: failure.details, version_info: failure.version });
}

/** Every name with an accepted version or a failure, sorted, paired with both. */
function entries(state: KindState): [string, AcceptedResource | undefined, FailedUpdate | undefined][] {
  const names = [...new Set([...state.resources.keys(), ...state.failures.keys()])].sort();
  return names.map((n) => [n, state.resources.get(n), state.failures.get(n)]);
}

function bootstrapDump(info: BootstrapInfo): Record<string, unknown> {
  const [, host = '', port = '0'] = /^\[?(.*?)\]?:(\d+)$/.exec(info.discoveryAddress) ?? [];
  const ads = { ads: {}, resource_api_version: 'V3' };
  return {
    '@type': `${ADMIN}BootstrapConfigDump`,
    bootstrap: {
      node: compact({ id: info.node.id, cluster: info.node.cluster, metadata: info.node.metadata, user_agent_name: info.node.userAgentName, user_agent_version: info.node.userAgentVersion }),
      static_resources: {
        clusters: [
          {
            name: 'xds-grpc',
            type: 'STRICT_DNS',
            load_assignment: { cluster_name: 'xds-grpc', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: host, port_value: Number(port) } } } }] }] },
            typed_extension_protocol_options: { 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': TYPE_URL.HTTP_PROTOCOL_OPTIONS, explicit_http_config: { http2_protocol_options: {} } } },
          },
        ],
      },
      dynamic_resources: { lds_config: ads, cds_config: ads, ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] } },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: info.adminPort } } },
    },
    last_updated: timestamp(info.startedAt),
  };
}

function clustersDump(state: KindState): Record<string, unknown> {
  return compact({
    '@type': `${ADMIN}ClustersConfigDump`,
    version_info: state.versionInfo,
    dynamic_active_clusters: entries(state).map(([, r, f]) =>
      compact({ version_info: r?.version, cluster: r ? packed(TYPE_URL.CLUSTER, r.message) : undefined, last_updated: timestamp(r?.lastUpdated), error_state: errorState(TYPE_URL.CLUSTER, f) }),
    ),
  });
}

function endpointsDump(state: KindState): Record<string, unknown> {
  return {
    '@type': `${ADMIN}EndpointsConfigDump`,
    dynamic_endpoint_configs: entries(state).map(([, r, f]) =>
      compact({ version_info: r?.version, endpoint_config: r ? packed(TYPE_URL.ENDPOINT, r.message) : undefined, last_updated: timestamp(r?.lastUpdated), error_state: errorState(TYPE_URL.ENDPOINT, f) }),
    ),
  };
}

/** `cannot bind ...` per listener name, for listeners with no socket bound and at least one failed. */
function bindFailures(bindings: readonly ListenerBinding[]): Map<string, string> {
  const bound = new Set(bindings.filter((b) => b.state === 'bound').map((b) => b.listenerName));
  const out = new Map<string, string>();
  for (const b of bindings) {
    if (b.state !== 'failed' || !b.error || bound.has(b.listenerName)) continue;
    out.set(b.listenerName, out.has(b.listenerName) ? `${out.get(b.listenerName)}; ${b.error}` : b.error);
  }
  return out;
}

function listenersDump(state: KindState, bindings: readonly ListenerBinding[]): Record<string, unknown> {
  const failed = bindFailures(bindings);
  return compact({
    '@type': `${ADMIN}ListenersConfigDump`,
    version_info: state.versionInfo,
    dynamic_listeners: entries(state).map(([name, r, f]) => {
      const bindError = failed.get(name);
      return compact({
        name,
        active_state: r ? { version_info: r.version, listener: packed(TYPE_URL.LISTENER, r.message), last_updated: timestamp(r.lastUpdated) } : undefined,
        error_state: errorState(TYPE_URL.LISTENER, f) ?? (bindError ? { details: bindError } : undefined),
      });
    }),
  });
}

function routesDump(state: KindState): Record<string, unknown> {
  return {
    '@type': `${ADMIN}RoutesConfigDump`,
    dynamic_route_configs: entries(state).map(([, r, f]) =>
      compact({ version_info: r?.version, route_config: r ? packed(TYPE_URL.ROUTE, r.message) : undefined, last_updated: timestamp(r?.lastUpdated), error_state: errorState(TYPE_URL.ROUTE, f) }),
    ),
  };
}

// The message type of the items of each repeated field `?resource=` can select.
const ITEM_TYPES: Readonly<Record<string, string>> = {
  dynamic_active_clusters: `${ADMIN}ClustersConfigDump.DynamicCluster`,
  dynamic_endpoint_configs: `${ADMIN}EndpointsConfigDump.DynamicEndpointConfig`,
  dynamic_listeners: `${ADMIN}ListenersConfigDump.DynamicListener`,
  dynamic_route_configs: `${ADMIN}RoutesConfigDump.DynamicRouteConfig`,
};

/** The outcome of a /config_dump request: the JSON body, or a 400 with Envoy-like text. */
export type ConfigDumpResult = { readonly ok: true; readonly body: Record<string, unknown> } | { readonly ok: false; readonly error: string };

/**
 * Builds the ConfigDump: `{ configs: [Bootstrap, Clusters, (Endpoints), Listeners, Routes] }` in
 * Envoy's order, each resource as `{ '@type', ...proto3 JSON }` with its `version_info` and
 * `last_updated`, and `error_state` for names whose last update was refused.
 */
export function buildConfigDump(snapshot: XdsSnapshot, info: BootstrapInfo, options: ConfigDumpOptions = {}): ConfigDumpResult {
  const includeEds = options.includeEds || options.resource === 'dynamic_endpoint_configs';
  const configs = [bootstrapDump(info), clustersDump(snapshot.cluster), ...(includeEds ? [endpointsDump(snapshot.endpoint)] : []), listenersDump(snapshot.listener, options.listenerBindings ?? []), routesDump(snapshot.route)];
  if (options.resource === undefined) return { ok: true, body: { configs } };
  const itemType = ITEM_TYPES[options.resource];
  if (!itemType) return { ok: false, error: `${options.resource} not found in config dump` };
  const items = configs.flatMap((c) => (Array.isArray(c[options.resource as string]) ? (c[options.resource as string] as Record<string, unknown>[]) : []));
  return { ok: true, body: { configs: items.map((item) => ({ '@type': itemType, ...item })) } };
}
