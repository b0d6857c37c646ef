// Envoy access logs on a proxy's listeners, as Istio configures them (pilot/pkg/networking/core/
// accesslog.go, pilot/pkg/model/accesslog.go): the MeshConfig file logger (accessLogFile,
// accessLogEncoding, accessLogFormat) on every HTTP connection manager and tcp_proxy, unless Telemetry
// resources applying to the workload say otherwise. Which Telemetries apply is snapshot/lookup-telemetry.ts's.

import { plainToStruct, TYPE_URL } from '@weft/shared/xds';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import { applicableTelemetries, mergeAccessLogging, type WorkloadMode } from '../snapshot/lookup-telemetry.js';
import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import type { EnvoyResource } from './types.js';

/** Istio's EnvoyTextLogFormat (Istio ≥ 1.9 text format, `%UPSTREAM_CLUSTER_RAW%` since 1.21). */
export const ENVOY_TEXT_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% ' +
  '%DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" ' +
  '%UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

/** Istio's EnvoyJSONLogFormatIstio (in Istio's source order; Envoy sorts the keys when it writes). */
export const ENVOY_JSON_LOG_FORMAT_ISTIO: Readonly<Record<string, string>> = Object.freeze({
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
});

/** Envoy's name of the file access logger (wellknown.FileAccessLog). */
export const FILE_ACCESS_LOG_NAME = 'envoy.access_loggers.file';

/** Where Istio's built-in `envoy` Telemetry provider writes (its extensionProviders default). */
const BUILTIN_PROVIDER_PATH = '/dev/stdout';
/** Istio's built-in access log provider name (builtinEnvoyAccessLogProvider). */
const BUILTIN_PROVIDER = 'envoy';

/** envoy.config.accesslog.v3.AccessLog. */
export type EnvoyAccessLog = Readonly<Record<string, unknown>>;

/** Istio's fileAccessLogFormat: a custom text format gets its missing final newline, as Istio's API
 *  promises ("Istio will insert a newline ('\n') on all formats (if missing)"). */
function textFormat(format: string | undefined): string {
  if (!format) return ENVOY_TEXT_LOG_FORMAT;
  return format.endsWith('\n') ? format : `${format}\n`;
}

/** A custom JSON format: the object accessLogFormat holds, or undefined (Istio logs the parse error and
 *  uses its default format). */
function jsonFormat(format: string | undefined): Record<string, unknown> | undefined {
  if (!format) return undefined;
  try {
    const parsed: unknown = JSON.parse(format);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const builtLogs = new WeakMap<MeshConfig, Map<string, EnvoyAccessLog>>();

/**
 * Istio's FileAccessLogFromMeshConfig: an `envoy.access_loggers.file` logger writing to `path` in the
 * mesh's encoding and format (TEXT: `text_format_source.inline_string`; JSON: `json_format` with
 * `json_format_options.sort_properties: false`). One frozen object per mesh config and path, so every
 * listener holds the same one.
 */
export function fileAccessLogFromMeshConfig(path: string, mesh: MeshConfig): EnvoyAccessLog {
  let byPath = builtLogs.get(mesh);
  if (!byPath) builtLogs.set(mesh, (byPath = new Map()));
  const known = byPath.get(path);
  if (known) return known;
  const logFormat =
    mesh.accessLogEncoding === 'JSON'
      ? { json_format: plainToStruct(jsonFormat(mesh.accessLogFormat) ?? ENVOY_JSON_LOG_FORMAT_ISTIO), json_format_options: { sort_properties: false } }
      : { text_format_source: { inline_string: textFormat(mesh.accessLogFormat) } };
  const log: EnvoyAccessLog = Object.freeze({ name: FILE_ACCESS_LOG_NAME, typed_config: Object.freeze({ '@type': TYPE_URL.FILE_ACCESS_LOG, path, log_format: logFormat }) });
  byPath.set(path, log);
  return log;
}

/** A listener's access loggers by direction, and why some Telemetry settings were not followed. */
export interface ListenerAccessLogs {
  /** Outbound listeners and gateways (Istio's CLIENT mode). */
  readonly client: readonly EnvoyAccessLog[];
  /** A sidecar's inbound listeners (SERVER mode). */
  readonly server: readonly EnvoyAccessLog[];
  readonly warnings: readonly string[];
}

const NONE: readonly EnvoyAccessLog[] = Object.freeze([]);

/** The loggers of one mode (Istio setHTTPAccessLog / setTCPAccessLog): Telemetry's providers when
 *  any applies (only Istio's built-in `envoy` file provider exists in Weft; disabled providers give
 *  none), else the MeshConfig logger when accessLogFile is set. */
function loggersFor(snapshot: MeshSnapshot, proxy: ProxyView, mode: WorkloadMode, warnings: Set<string>): readonly EnvoyAccessLog[] {
  const { mesh } = snapshot;
  const merged = mergeAccessLogging(applicableTelemetries(snapshot, proxy), mode);
  // Istio looks providers up in MeshConfig extensionProviders; Weft's only one is the built-in `envoy`.
  const known = (merged ?? []).filter((p) => {
    if (p.provider.toLowerCase() === BUILTIN_PROVIDER) return true;
    warnings.add(`Telemetry access log provider '${p.provider}' is not known (only 'envoy' is): ignored`);
    return false;
  });
  // Nothing from Telemetry (no resource, or only unknown providers): MeshConfig, as Istio falls back.
  if (known.length === 0) return mesh.accessLogFile ? [fileAccessLogFromMeshConfig(mesh.accessLogFile, mesh)] : NONE;
  const enabled = known.filter((p) => !p.disabled);
  for (const p of enabled) if (p.filter !== undefined) warnings.add(`Telemetry access log filter '${p.filter}' is not supported: every request is logged`);
  return enabled.length > 0 ? [fileAccessLogFromMeshConfig(BUILTIN_PROVIDER_PATH, mesh)] : NONE;
}

/** The access loggers of `proxy`'s listeners (see {@link withAccessLogs}). */
export function listenerAccessLogsFor(snapshot: MeshSnapshot, proxy: ProxyView): ListenerAccessLogs {
  const warnings = new Set<string>();
  const client = loggersFor(snapshot, proxy, 'CLIENT', warnings);
  // Gateways have no SERVER listeners.
  const server = proxy.type === 'router' ? NONE : loggersFor(snapshot, proxy, 'SERVER', warnings);
  return { client, server, warnings: [...warnings] };
}

/** Istio's inbound loop guard (port 15006 itself) carries no access log (blackholeFilterChain). */
const UNLOGGED_CHAINS: ReadonlySet<string> = new Set(['virtualInbound-blackhole']);

function withLogs(filter: unknown, logs: readonly EnvoyAccessLog[]): unknown {
  const f = filter as { typed_config?: Record<string, unknown> };
  const type = f.typed_config?.['@type'];
  if (type !== TYPE_URL.HTTP_CONNECTION_MANAGER && type !== TYPE_URL.TCP_PROXY) return filter;
  return { ...f, typed_config: { ...f.typed_config, access_log: logs } };
}

function chainWithLogs(chain: unknown, logs: readonly EnvoyAccessLog[]): unknown {
  const c = chain as { name?: string; filters?: readonly unknown[] };
  if (c.name !== undefined && UNLOGGED_CHAINS.has(c.name)) return chain;
  return { ...c, filters: (c.filters ?? []).map((f) => withLogs(f, logs)) };
}

/**
 * `listeners` with `access_log` set on every HTTP connection manager and tcp_proxy of their filter
 * chains (and default chains): INBOUND listeners get the SERVER loggers, the others the CLIENT ones, as
 * Istio's listener classes. Listeners without loggers are returned as they are (the same objects), so
 * a mesh without access logs pays nothing.
 */
export function withAccessLogs(listeners: EnvoyResource[], logs: ListenerAccessLogs): EnvoyResource[] {
  if (logs.client.length === 0 && logs.server.length === 0) return listeners;
  return listeners.map((l) => {
    const chosen = l.traffic_direction === 'INBOUND' ? logs.server : logs.client;
    if (chosen.length === 0) return l;
    const chains = l.filter_chains as readonly unknown[] | undefined;
    return {
      ...l,
      ...(chains ? { filter_chains: chains.map((c) => chainWithLogs(c, chosen)) } : {}),
      ...(l.default_filter_chain ? { default_filter_chain: chainWithLogs(l.default_filter_chain, chosen) } : {}),
    };
  });
}
