// Loads Envoy's xDS .proto files into one protobufjs Root, once, on first use. The files come from
// the @grpc/grpc-js-xds package's deps/ folders (nothing is vendored); this file owns which files
// are loaded and where they are found, not how messages are packed (any.ts) or served (ads-service.ts).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { ReflectionObject, Root, Type } from 'protobufjs';

const require = createRequire(import.meta.url);

/** The .proto files loaded: the ADS service, every resource type weftd serves (and weft-proxy reads) and
 *  every filter or transport-socket config embedded in them. protobufjs follows their imports. */
export const XDS_PROTO_FILES: readonly string[] = [
  'envoy/service/discovery/v3/ads.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/transport_sockets/tls/v3/secret.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  // The plaintext transport socket (auto-mTLS `tlsMode-disabled` transport_socket_matches).
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  // The file access logger of HCMs and tcp_proxy (Istio's MeshConfig accessLogFile, Telemetry `envoy`).
  'envoy/extensions/access_loggers/file/v3/file.proto',
  // Tracing providers of the HCM's `tracing.provider` (Istio's zipkin and opentelemetry extension providers).
  'envoy/config/trace/v3/zipkin.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  // Configs of types Envoy's protos do not define (Istio's `istio.stats` filter: stats.PluginConfig).
  'xds/type/v3/typed_struct.proto',
  'envoy/extensions/filters/network/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  // RequestAuthentication's JWT filter (inbound and gateway HCMs, before the RBAC filters).
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/http_inspector/v3/http_inspector.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/retry/priority/previous_priorities/v3/previous_priorities_config.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  // The typed_config of RBAC `uri_template` permissions (AuthorizationPolicy paths with `{*}` / `{**}`).
  'envoy/extensions/path/match/uri_template/v3/uri_template_match.proto',
];

/** The folders imports are resolved against, found from the installed packages' locations (so
 *  hoisting or a nested node_modules does not matter). `google/protobuf/*.proto` that protobufjs
 *  does not bundle (descriptor.proto, used by the validation annotations) comes from protobufjs itself. */
export function protoIncludeDirs(): string[] {
  const xdsRoot = path.dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
  const protobufRoot = path.dirname(require.resolve('protobufjs/package.json'));
  return [
    ...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(xdsRoot, 'deps', d)),
    protobufRoot,
  ];
}

let cached: Root | undefined;

/** The Root holding every type in {@link XDS_PROTO_FILES} and their imports, with proto field names
 *  kept as written (`snake_case`, `keepCase`), matching Envoy's docs and YAML. Loaded synchronously on
 *  the first call (a few hundred ms), then shared. Throws if a file is missing: the install is broken. */
export function xdsProtoRoot(): Root {
  if (cached) return cached;
  const dirs = protoIncludeDirs();
  const root = new protobuf.Root();
  root.resolvePath = (origin, target) => {
    if (path.isAbsolute(target)) return target;
    for (const dir of dirs) {
      const candidate = path.join(dir, target);
      if (existsSync(candidate)) return candidate;
    }
    throw new Error(`xDS proto ${target} (imported by ${origin || 'XDS_PROTO_FILES'}) not found in ${dirs.join(', ')}`);
  };
  root.loadSync([...XDS_PROTO_FILES], { keepCase: true });
  root.resolveAll();
  detachFromSources(root);
  cached = root;
  return root;
}

/** A copy of `s` that shares no memory with the string it was cut from. */
const fresh = (s: string): string => (s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8'));

/** Copies every string a reflection object keeps (names, type names, options, reserved names) and drops comments:
 *  as slices of the .proto sources they kept every source text alive, ~1.5 MB of heap in each process
 *  (V8 cuts substrings of 13 chars or more as views of their parent). */
function detachFromSources(obj: ReflectionObject): void {
  const o = obj as unknown as Record<string, unknown>;
  obj.comment = null;
  for (const key of ['name', 'type', 'keyType', 'extend', 'requestType', 'responseType', 'filename']) {
    const v = o[key];
    if (typeof v === 'string') o[key] = fresh(v);
  }
  const detachValues = (record: unknown): void => {
    if (record === null || typeof record !== 'object') return;
    const r = record as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      const v = r[k];
      if (typeof v === 'string') r[k] = fresh(v);
      else if (v !== null && typeof v === 'object') detachValues(v);
    }
  };
  detachValues(obj.options);
  detachValues((obj as { reserved?: unknown }).reserved);
  detachValues((obj as { parsedOptions?: unknown }).parsedOptions);
  if (obj instanceof protobuf.Type) {
    for (const f of obj.fieldsArray) detachFromSources(f);
    for (const one of obj.oneofsArray) detachFromSources(one);
  } else if (obj instanceof protobuf.Enum) {
    for (const k of Object.keys(obj.comments)) delete obj.comments[k];
    detachValues((obj as { valuesOptions?: unknown }).valuesOptions);
  } else if (obj instanceof protobuf.Service) {
    for (const m of obj.methodsArray) detachFromSources(m);
  }
  if (obj instanceof protobuf.Namespace) for (const child of obj.nestedArray) detachFromSources(child);
}

/** The message type with the given full name (`envoy.config.cluster.v3.Cluster`), or undefined when
 *  it is not loaded. */
export function findMessageType(fullName: string): Type | undefined {
  const found = xdsProtoRoot().lookup(fullName);
  return found instanceof protobuf.Type ? found : undefined;
}
