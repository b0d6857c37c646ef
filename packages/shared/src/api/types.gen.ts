// TypeScript types of every Istio kind, derived from the CRD schemas of its preferred served version.
// Generated from Istio's CRDs (manifests/charts/base/files/crd-all.gen.yaml, Apache-2.0).
// DO NOT EDIT: regenerate with `npm run gen:api` (packages/shared/scripts/gen-api.mjs).

import type { V1ObjectMeta } from '@kubernetes/client-node';

/** Kubernetes object metadata (from @kubernetes/client-node; type-only, erased at run time). */
export type ObjectMeta = V1ObjectMeta;

/** Lua filter configuration. */
export interface TrafficExtensionLua {
  /** The inline Lua code to be executed. */
  inlineCode: string;
}

export interface TrafficExtensionMatchPort {
  number: number;
}

export interface TrafficExtensionMatch {
  /** Criteria for selecting traffic by their direction. */
  mode?: "UNDEFINED" | "CLIENT" | "SERVER" | "CLIENT_AND_SERVER";
  /** Criteria for selecting traffic by their destination port. */
  ports?: TrafficExtensionMatchPort[];
}

/** Optional. */
export interface TrafficExtensionSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
  matchLabels?: Record<string, string>;
}

export interface TrafficExtensionTargetRef {
  /** group is the group of the target resource. */
  group?: string;
  /** kind is kind of the target resource. */
  kind: string;
  /** name is the name of the target resource. */
  name: string;
  /** namespace is the namespace of the referent. */
  namespace?: string;
}

export interface TrafficExtensionWasmVmConfigEnv {
  /** Name of the environment variable. */
  name: string;
  /** Value for the environment variable. */
  value?: string;
  /** Source for the environment variable's value. */
  valueFrom?: "INLINE" | "HOST";
}

/** Configuration for a Wasm VM. */
export interface TrafficExtensionWasmVmConfig {
  /** Specifies environment variables to be injected to this VM. */
  env?: TrafficExtensionWasmVmConfigEnv[];
}

/** WebAssembly filter configuration. */
export interface TrafficExtensionWasm {
  /** Specifies the failure behavior for the plugin due to fatal errors. */
  failStrategy?: "FAIL_CLOSE" | "FAIL_OPEN" | "FAIL_RELOAD";
  /** The pull behaviour to be applied when fetching Wasm module by either OCI image or `http/https`. */
  imagePullPolicy?: "UNSPECIFIED_POLICY" | "IfNotPresent" | "Always";
  /** Credentials to use for OCI image pulling. */
  imagePullSecret?: string;
  /** The configuration that will be passed on to the plugin. */
  pluginConfig?: Record<string, unknown>;
  /** The plugin name to be used in the Envoy configuration (used to be called `rootID`). */
  pluginName?: string;
  /** SHA256 checksum that will be used to verify Wasm module or OCI container. */
  sha256?: string;
  /** Specifies the type of Wasm Extension to be used. */
  type?: "UNSPECIFIED_PLUGIN_TYPE" | "HTTP" | "NETWORK";
  /** URL of a Wasm module or OCI container. */
  url: string;
  verificationKey?: string;
  /** Configuration for a Wasm VM. */
  vmConfig?: TrafficExtensionWasmVmConfig;
}

/** Extend the functionality provided by the Istio proxy through WebAssembly or Lua filters. */
export interface TrafficExtensionSpec {
  /** Lua filter configuration. */
  lua?: TrafficExtensionLua;
  /** Specifies the criteria to determine which traffic is passed to TrafficExtension. */
  match?: TrafficExtensionMatch[];
  /** Determines where in the filter chain this `TrafficExtension` is to be injected. */
  phase?: "UNSPECIFIED" | "AUTHN" | "AUTHZ" | "STATS";
  /** Determines ordering of `TrafficExtensions` in the same `phase`. */
  priority?: number | null;
  /** Optional. */
  selector?: TrafficExtensionSelector;
  /** Optional. */
  targetRefs?: TrafficExtensionTargetRef[];
  /** WebAssembly filter configuration. */
  wasm?: TrafficExtensionWasm;
}

/** Extend the functionality provided by the Istio proxy through WebAssembly or Lua filters. */
export interface TrafficExtension {
  apiVersion: "extensions.istio.io/v1alpha1";
  kind: "TrafficExtension";
  metadata: ObjectMeta;
  spec: TrafficExtensionSpec;
  status?: unknown;
}

export interface WasmPluginMatchPort {
  number: number;
}

export interface WasmPluginMatch {
  /** Criteria for selecting traffic by their direction. */
  mode?: "UNDEFINED" | "CLIENT" | "SERVER" | "CLIENT_AND_SERVER";
  /** Criteria for selecting traffic by their destination port. */
  ports?: WasmPluginMatchPort[];
}

/** Criteria used to select the specific set of pods/VMs on which this plugin configuration should be applied. */
export interface WorkloadSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
  matchLabels?: Record<string, string>;
}

export interface PolicyTargetReference {
  /** group is the group of the target resource. */
  group?: string;
  /** kind is kind of the target resource. */
  kind: string;
  /** name is the name of the target resource. */
  name: string;
  /** namespace is the namespace of the referent. */
  namespace?: string;
}

export interface WasmPluginVmConfigEnv {
  /** Name of the environment variable. */
  name: string;
  /** Value for the environment variable. */
  value?: string;
  /** Source for the environment variable's value. */
  valueFrom?: "INLINE" | "HOST";
}

/** Configuration for a Wasm VM. */
export interface WasmPluginVmConfig {
  /** Specifies environment variables to be injected to this VM. */
  env?: WasmPluginVmConfigEnv[];
}

/** Extend the functionality provided by the Istio proxy through WebAssembly filters. */
export interface WasmPluginSpec {
  /** Specifies the failure behavior for the plugin due to fatal errors. */
  failStrategy?: "FAIL_CLOSE" | "FAIL_OPEN" | "FAIL_RELOAD";
  /** The pull behaviour to be applied when fetching Wasm module by either OCI image or `http/https`. */
  imagePullPolicy?: "UNSPECIFIED_POLICY" | "IfNotPresent" | "Always";
  /** Credentials to use for OCI image pulling. */
  imagePullSecret?: string;
  /** Specifies the criteria to determine which traffic is passed to WasmPlugin. */
  match?: WasmPluginMatch[];
  /** Determines where in the filter chain this `WasmPlugin` is to be injected. */
  phase?: "UNSPECIFIED_PHASE" | "AUTHN" | "AUTHZ" | "STATS";
  /** The configuration that will be passed on to the plugin. */
  pluginConfig?: Record<string, unknown>;
  /** The plugin name to be used in the Envoy configuration (used to be called `rootID`). */
  pluginName?: string;
  /** Determines ordering of `WasmPlugins` in the same `phase`. */
  priority?: number | null;
  /** Criteria used to select the specific set of pods/VMs on which this plugin configuration should be applied. */
  selector?: WorkloadSelector;
  /** SHA256 checksum that will be used to verify Wasm module or OCI container. */
  sha256?: string;
  targetRef?: PolicyTargetReference;
  /** Optional. */
  targetRefs?: PolicyTargetReference[];
  /** Specifies the type of Wasm Extension to be used. */
  type?: "UNSPECIFIED_PLUGIN_TYPE" | "HTTP" | "NETWORK";
  /** URL of a Wasm module or OCI container. */
  url: string;
  verificationKey?: string;
  /** Configuration for a Wasm VM. */
  vmConfig?: WasmPluginVmConfig;
}

/** Extend the functionality provided by the Istio proxy through WebAssembly filters. */
export interface WasmPlugin {
  apiVersion: "extensions.istio.io/v1alpha1";
  kind: "WasmPlugin";
  metadata: ObjectMeta;
  spec: WasmPluginSpec;
  status?: unknown;
}

/** Configure HTTP/2 PING frames for upstream connections. */
export interface ConnectionPoolSettingsHttpHttp2KeepAlive {
  /** Send HTTP/2 PING frames at this interval. */
  interval?: string;
  /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
  timeout?: string;
}

/** HTTP connection pool settings. */
export interface ConnectionPoolSettingsHttp {
  /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
  h2UpgradePolicy?: "DEFAULT" | "DO_NOT_UPGRADE" | "UPGRADE";
  /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
  http1MaxPendingRequests?: number;
  /** Configure HTTP/2 PING frames for upstream connections. */
  http2KeepAlive?: ConnectionPoolSettingsHttpHttp2KeepAlive;
  /** Maximum number of active requests to a destination. */
  http2MaxRequests?: number;
  /** The idle timeout for upstream connection pool connections. */
  idleTimeout?: string;
  /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
  maxConcurrentStreams?: number;
  /** Maximum number of requests per connection to a backend. */
  maxRequestsPerConnection?: number;
  /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
  maxRetries?: number;
  /** If set to true, client protocol will be preserved while initiating connection to backend. */
  useClientProtocol?: boolean;
}

/** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
export interface ConnectionPoolSettingsTcpTcpKeepalive {
  /** The time duration between keep-alive probes. */
  interval?: string;
  /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
  probes?: number;
  /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
  time?: string;
}

/** Settings common to both HTTP and TCP upstream connections. */
export interface ConnectionPoolSettingsTcp {
  /** TCP connection timeout. */
  connectTimeout?: string;
  /** The idle timeout for TCP connections. */
  idleTimeout?: string;
  /** The maximum duration of a connection. */
  maxConnectionDuration?: string;
  /** Maximum number of HTTP1 /TCP connections to a destination host. */
  maxConnections?: number;
  /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
  tcpKeepalive?: ConnectionPoolSettingsTcpTcpKeepalive;
}

export interface ConnectionPoolSettings {
  /** HTTP connection pool settings. */
  http?: ConnectionPoolSettingsHttp;
  /** Settings common to both HTTP and TCP upstream connections. */
  tcp?: ConnectionPoolSettingsTcp;
}

/** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
export interface LoadBalancerSettingsBackendUtilization {
  /** Additional penalty applied to endpoints that return errors, expressed as a percentage of the utilization. */
  errorUtilizationPenaltyPercent?: number;
  /** Custom ORCA metric names used to compute utilization. */
  metricNamesForComputingUtilization?: string[];
  /** If an endpoint stops reporting utilization metrics for this long, its reported weight is discarded and it reverts to the default (equal) weight. */
  weightExpirationPeriod?: string;
  /** Duration after an endpoint first reports metrics before its weight is trusted. */
  weightStabilizationPeriod?: string;
  /** How often the load balancer recomputes endpoint weights from the latest reported utilization data. */
  weightUpdatePeriod?: string;
}

export interface LoadBalancerSettingsConsistentHashHttpCookieAttribute {
  /** The name of the cookie attribute. */
  name: string;
  /** The optional value of the cookie attribute. */
  value?: string;
}

/** Hash based on HTTP cookie. */
export interface LoadBalancerSettingsConsistentHashHttpCookie {
  /** Additional attributes for the cookie. */
  attributes?: LoadBalancerSettingsConsistentHashHttpCookieAttribute[];
  /** Name of the cookie. */
  name: string;
  /** Path to set for the cookie. */
  path?: string;
  /** Lifetime of the cookie. */
  ttl?: string;
}

/** The Maglev load balancer implements consistent hashing to backend hosts. */
export interface LoadBalancerSettingsConsistentHashMaglev {
  /** The table size for Maglev hashing. */
  tableSize?: number;
}

/** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
export interface LoadBalancerSettingsConsistentHashRingHash {
  /** The minimum number of virtual nodes to use for the hash ring. */
  minimumRingSize?: number;
}

/** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
export interface LoadBalancerSettingsConsistentHash {
  /** Hash based on HTTP cookie. */
  httpCookie?: LoadBalancerSettingsConsistentHashHttpCookie;
  /** Hash based on a specific HTTP header. */
  httpHeaderName?: string;
  /** Hash based on a specific HTTP query parameter. */
  httpQueryParameterName?: string;
  /** The Maglev load balancer implements consistent hashing to backend hosts. */
  maglev?: LoadBalancerSettingsConsistentHashMaglev;
  /** Deprecated. */
  minimumRingSize?: number;
  /** The ring/modulo hash load balancer implements consistent hashing to backend hosts. */
  ringHash?: LoadBalancerSettingsConsistentHashRingHash;
  /** Hash based on the source IP address. */
  useSourceIp?: boolean;
}

export interface LoadBalancerSettingsLocalityLbSettingDistribute {
  /** Originating locality, '/' separated, e.g. */
  from?: string;
  /** Map of upstream localities to traffic distribution weights. */
  to?: Record<string, number>;
}

export interface LoadBalancerSettingsLocalityLbSettingFailover {
  /** Originating region. */
  from?: string;
  /** Destination region the traffic will fail over to when endpoints in the 'from' region becomes unhealthy. */
  to?: string;
}

/** Locality load balancer settings. */
export interface LoadBalancerSettingsLocalityLbSetting {
  /** Optional: only one of distribute, failover or failoverPriority can be set. */
  distribute?: LoadBalancerSettingsLocalityLbSettingDistribute[];
  /** Enable locality load balancing. */
  enabled?: boolean | null;
  /** Optional: only one of distribute, failover or failoverPriority can be set. */
  failover?: LoadBalancerSettingsLocalityLbSettingFailover[];
  /** failoverPriority is an ordered list of labels used to sort endpoints to do priority based load balancing. */
  failoverPriority?: string[];
}

/** Represents the warmup configuration of Service. */
export interface LoadBalancerSettingsWarmup {
  /** This parameter controls the speed of traffic increase over the warmup duration. */
  aggression?: number | null;
  duration: string;
  minimumPercent?: number | null;
}

/** Zone Aware load balancer settings. */
export interface LoadBalancerSettingsZoneAwareLbSetting {
  /** Enable zone aware load balancing. */
  enabled?: boolean | null;
  /** Optional. */
  failover?: LoadBalancerSettingsLocalityLbSettingFailover[];
  /** failoverPriority is an ordered list of labels used to sort endpoints for priority-based load balancing. */
  failoverPriority?: string[];
  /** Minimum number of hosts in the upstream cluster's local region required for zone-aware load balancing to be enabled. */
  minClusterSize?: number | null;
}

/** Settings controlling the load balancer algorithms. */
export interface LoadBalancerSettings {
  /** Utilization-based load balancing that uses backend-reported ORCA metrics to weight endpoints by their current load. */
  backendUtilization?: LoadBalancerSettingsBackendUtilization;
  /** Consistent Hash-based load balancing can be used to provide soft session affinity based on HTTP headers, cookies or other properties. */
  consistentHash?: LoadBalancerSettingsConsistentHash;
  /** Locality load balancer settings. */
  localityLbSetting?: LoadBalancerSettingsLocalityLbSetting;
  /** Standard load balancing algorithms that require no tuning. */
  simple?: "UNSPECIFIED" | "LEAST_CONN" | "RANDOM" | "PASSTHROUGH" | "ROUND_ROBIN" | "LEAST_REQUEST";
  /** Represents the warmup configuration of Service. */
  warmup?: LoadBalancerSettingsWarmup;
  /** Deprecated: use `warmup` instead. */
  warmupDurationSecs?: string;
  /** Zone Aware load balancer settings. */
  zoneAwareLbSetting?: LoadBalancerSettingsZoneAwareLbSetting;
}

export interface OutlierDetection {
  /** Minimum ejection duration. */
  baseEjectionTime?: string;
  /** Number of 5xx errors before a host is ejected from the connection pool. */
  consecutive5xxErrors?: number | null;
  consecutiveErrors?: number;
  /** Number of gateway errors before a host is ejected from the connection pool. */
  consecutiveGatewayErrors?: number | null;
  /** The number of consecutive locally originated failures before ejection occurs. */
  consecutiveLocalOriginFailures?: number | null;
  /** Time interval between ejection sweep analysis. */
  interval?: string;
  /** Maximum % of hosts in the load balancing pool for the upstream service that can be ejected. */
  maxEjectionPercent?: number;
  /** Outlier detection will be enabled as long as the associated load balancing pool has at least `minHealthPercent` hosts in healthy mode. */
  minHealthPercent?: number;
  /** Specifies the HTTP response status codes that are treated as outlier detection errors. */
  outlierDetectionHttpErrorCodes?: number[];
  /** Determines whether to distinguish local origin failures from external errors. */
  splitExternalLocalOriginErrors?: boolean;
}

/** Specifies the number of a port on the destination service on which this policy is being applied. */
export interface PortTrafficPolicyPort {
  number?: number;
}

/** TLS related settings for connections to the upstream service. */
export interface ClientTLSSettings {
  /** OPTIONAL: The path to the file containing certificate authority certificates to use in verifying a presented server certificate. */
  caCertificates?: string;
  /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented server certificate. */
  caCrl?: string;
  /** REQUIRED if mode is `MUTUAL`. */
  clientCertificate?: string;
  /** The name of the secret that holds the TLS certs for the client including the CA certificates. */
  credentialName?: string;
  /** `insecureSkipVerify` specifies whether the proxy should skip verifying the CA signature and SAN for the server certificate corresponding to the host. */
  insecureSkipVerify?: boolean | null;
  /** Indicates whether connections to this port should be secured using TLS. */
  mode?: "DISABLE" | "SIMPLE" | "MUTUAL" | "ISTIO_MUTUAL";
  /** REQUIRED if mode is `MUTUAL`. */
  privateKey?: string;
  /** SNI string to present to the server during TLS handshake. */
  sni?: string;
  /** A list of alternate names to verify the subject identity in the certificate. */
  subjectAltNames?: string[];
}

export interface PortTrafficPolicy {
  connectionPool?: ConnectionPoolSettings;
  /** Settings controlling the load balancer algorithms. */
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
  /** Specifies the number of a port on the destination service on which this policy is being applied. */
  port?: PortTrafficPolicyPort;
  /** TLS related settings for connections to the upstream service. */
  tls?: ClientTLSSettings;
}

/** The upstream PROXY protocol settings. */
export interface TrafficPolicyProxyProtocol {
  /** The PROXY protocol version to use. */
  version?: "V1" | "V2";
}

/** Specifies a limit on concurrent retries in relation to the number of active requests. */
export interface TrafficPolicyRetryBudget {
  /** Specifies the duration in which requests will be considered when calculating the budget for retries. */
  budgetInterval?: string;
  /** Specifies the minimum retry concurrency allowed for the retry budget. */
  minRetryConcurrency?: number;
  /** Specifies the limit on concurrent retries as a percentage of the sum of active requests and active pending requests. */
  percent?: number | null;
}

/** Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule. */
export interface TrafficPolicyTunnel {
  /** Specifies which protocol to use for tunneling the downstream connection. */
  protocol?: string;
  /** Specifies a host to which the downstream connection is tunneled. */
  targetHost: string;
  /** Specifies a port to which the downstream connection is tunneled. */
  targetPort: number;
}

/** Traffic policies that apply to this subset. */
export interface TrafficPolicy {
  connectionPool?: ConnectionPoolSettings;
  /** Settings controlling the load balancer algorithms. */
  loadBalancer?: LoadBalancerSettings;
  outlierDetection?: OutlierDetection;
  /** Traffic policies specific to individual ports. */
  portLevelSettings?: PortTrafficPolicy[];
  /** The upstream PROXY protocol settings. */
  proxyProtocol?: TrafficPolicyProxyProtocol;
  /** Specifies a limit on concurrent retries in relation to the number of active requests. */
  retryBudget?: TrafficPolicyRetryBudget;
  /** TLS related settings for connections to the upstream service. */
  tls?: ClientTLSSettings;
  /** Configuration of tunneling TCP over other transport or application layers for the host configured in the DestinationRule. */
  tunnel?: TrafficPolicyTunnel;
}

export interface Subset {
  /** Labels apply a filter over the endpoints of a service in the service registry. */
  labels?: Record<string, string>;
  /** Name of the subset. */
  name: string;
  /** Traffic policies that apply to this subset. */
  trafficPolicy?: TrafficPolicy;
}

/** Criteria used to select the specific set of pods/VMs on which this `DestinationRule` configuration should be applied. */
export interface DestinationRuleWorkloadSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
  matchLabels?: Record<string, string>;
}

/** Configuration affecting load balancing, outlier detection, etc. */
export interface DestinationRuleSpec {
  /** A list of namespaces to which this destination rule is exported. */
  exportTo?: string[];
  /** The name of a service from the service registry. */
  host: string;
  /** One or more named sets that represent individual versions of a service. */
  subsets?: Subset[];
  /** Traffic policies to apply (load balancing policy, connection pool sizes, outlier detection). */
  trafficPolicy?: TrafficPolicy;
  /** Criteria used to select the specific set of pods/VMs on which this `DestinationRule` configuration should be applied. */
  workloadSelector?: DestinationRuleWorkloadSelector;
}

/** Configuration affecting load balancing, outlier detection, etc. */
export interface DestinationRule {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "DestinationRule";
  metadata: ObjectMeta;
  spec?: DestinationRuleSpec;
  status?: unknown;
}

/** Match on envoy cluster attributes. */
export interface EnvoyConfigObjectMatchCluster {
  /** The exact name of the cluster to match. */
  name?: string;
  /** The service port for which this cluster was generated. */
  portNumber?: number;
  /** The fully qualified service name for this cluster. */
  service?: string;
  /** The subset associated with the service. */
  subset?: string;
}

/** The next level filter within this filter to match upon. */
export interface EnvoyConfigObjectMatchListenerFilterChainFilterSubFilter {
  /** The filter name to match on. */
  name?: string;
}

/** The name of a specific filter to apply the patch to. */
export interface EnvoyConfigObjectMatchListenerFilterChainFilter {
  /** The filter name to match on. */
  name?: string;
  /** The next level filter within this filter to match upon. */
  subFilter?: EnvoyConfigObjectMatchListenerFilterChainFilterSubFilter;
}

/** Match a specific filter chain in a listener. */
export interface EnvoyConfigObjectMatchListenerFilterChain {
  /** Applies only to sidecars. */
  applicationProtocols?: string;
  /** The destination_port value used by a filter chain's match condition. */
  destinationPort?: number;
  /** The name of a specific filter to apply the patch to. */
  filter?: EnvoyConfigObjectMatchListenerFilterChainFilter;
  /** The name assigned to the filter chain. */
  name?: string;
  /** The SNI value used by a filter chain's match condition. */
  sni?: string;
  /** Applies only to `SIDECAR_INBOUND` context. */
  transportProtocol?: string;
  /** If non-empty, the name of the transport socket the filter chain is configured with. */
  transportSocket?: string;
}

/** Match on envoy listener attributes. */
export interface EnvoyConfigObjectMatchListener {
  /** Match a specific filter chain in a listener. */
  filterChain?: EnvoyConfigObjectMatchListenerFilterChain;
  /** Match a specific listener filter. */
  listenerFilter?: string;
  /** Match a specific listener by its name. */
  name?: string;
  portName?: string;
  /** The service port/gateway port to which traffic is being sent/received. */
  portNumber?: number;
}

/** Match on properties associated with a proxy. */
export interface EnvoyConfigObjectMatchProxy {
  /** Match on the node metadata supplied by a proxy when connecting to istiod. */
  metadata?: Record<string, string>;
  /** A regular expression in golang regex format (RE2) that can be used to select proxies using a specific version of istio proxy. */
  proxyVersion?: string;
}

/** Match a specific route within the virtual host. */
export interface EnvoyConfigObjectMatchRouteConfigurationVhostRoute {
  /** Match a route with specific action type. */
  action?: "ANY" | "ROUTE" | "REDIRECT" | "DIRECT_RESPONSE";
  /** The Route objects generated by default are named as default. */
  name?: string;
}

/** Match a specific virtual host in a route configuration and apply the patch to the virtual host. */
export interface EnvoyConfigObjectMatchRouteConfigurationVhost {
  /** Match a domain name in a virtual host. */
  domainName?: string;
  /** The VirtualHosts objects generated by Istio are named as host:port, where the host typically corresponds to the VirtualService's host field or the hostname of a service in the registry. */
  name?: string;
  /** Match a specific route within the virtual host. */
  route?: EnvoyConfigObjectMatchRouteConfigurationVhostRoute;
}

/** Match on envoy HTTP route configuration attributes. */
export interface EnvoyConfigObjectMatchRouteConfiguration {
  /** The Istio gateway config's namespace/name for which this route configuration was generated. */
  gateway?: string;
  /** Route configuration name to match on. */
  name?: string;
  /** Applicable only for GATEWAY context. */
  portName?: string;
  /** The service port number or gateway server port number for which this route configuration was generated. */
  portNumber?: number;
  /** Match a specific virtual host in a route configuration and apply the patch to the virtual host. */
  vhost?: EnvoyConfigObjectMatchRouteConfigurationVhost;
}

/** The name of a specific filter to apply the patch to. */
export interface EnvoyConfigObjectMatchWaypointFilter {
  /** The filter name to match on. */
  name?: string;
  /** The next level filter within this filter to match on. */
  subFilter?: EnvoyConfigObjectMatchListenerFilterChainFilterSubFilter;
}

/** Match a specific route. */
export interface EnvoyConfigObjectMatchWaypointRoute {
  /** The Route objects generated by default are named as default. */
  name?: string;
}

export interface EnvoyConfigObjectMatchWaypoint {
  /** The name of a specific filter to apply the patch to. */
  filter?: EnvoyConfigObjectMatchWaypointFilter;
  /** The service port to match on. */
  portNumber?: number;
  /** Match a specific route. */
  route?: EnvoyConfigObjectMatchWaypointRoute;
}

/** Match on listener/route configuration/cluster. */
export interface EnvoyConfigObjectMatch {
  /** Match on envoy cluster attributes. */
  cluster?: EnvoyConfigObjectMatchCluster;
  /** The specific config generation context to match on. */
  context?: "ANY" | "SIDECAR_INBOUND" | "SIDECAR_OUTBOUND" | "GATEWAY" | "WAYPOINT";
  /** Match on envoy listener attributes. */
  listener?: EnvoyConfigObjectMatchListener;
  /** Match on properties associated with a proxy. */
  proxy?: EnvoyConfigObjectMatchProxy;
  /** Match on envoy HTTP route configuration attributes. */
  routeConfiguration?: EnvoyConfigObjectMatchRouteConfiguration;
  waypoint?: EnvoyConfigObjectMatchWaypoint;
}

/** The patch to apply along with the operation. */
export interface EnvoyPatch {
  /** Determines the filter insertion order. */
  filterClass?: "UNSPECIFIED" | "AUTHN" | "AUTHZ" | "STATS";
  /** Determines how the patch should be applied. */
  operation?: "INVALID" | "MERGE" | "ADD" | "REMOVE" | "INSERT_BEFORE" | "INSERT_AFTER" | "INSERT_FIRST" | "REPLACE" | "MERGE_AND_REPLACE_LIST";
  /** The JSON config of the object being patched. */
  value?: Record<string, unknown>;
}

export interface EnvoyConfigObjectPatch {
  /** Specifies where in the Envoy configuration, the patch should be applied. */
  applyTo?: "INVALID" | "LISTENER" | "FILTER_CHAIN" | "NETWORK_FILTER" | "HTTP_FILTER" | "ROUTE_CONFIGURATION" | "VIRTUAL_HOST" | "HTTP_ROUTE" | "CLUSTER" | "EXTENSION_CONFIG" | "BOOTSTRAP" | "LISTENER_FILTER";
  /** Match on listener/route configuration/cluster. */
  match?: EnvoyConfigObjectMatch;
  /** The patch to apply along with the operation. */
  patch?: EnvoyPatch;
}

export interface EnvoyFilterTargetRef {
  /** group is the group of the target resource. */
  group?: string;
  /** kind is kind of the target resource. */
  kind: string;
  /** name is the name of the target resource. */
  name: string;
  /** namespace is the namespace of the referent. */
  namespace?: string;
}

/** Criteria used to select the specific set of pods/VMs on which this patch configuration should be applied. */
export interface EnvoyFilterWorkloadSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied. */
  labels?: Record<string, string>;
}

/** Customizing Envoy configuration generated by Istio. */
export interface EnvoyFilterSpec {
  /** One or more patches with match conditions. */
  configPatches?: EnvoyConfigObjectPatch[];
  /** Priority defines the order in which patch sets are applied within a context. */
  priority?: number;
  /** Optional. */
  targetRefs?: EnvoyFilterTargetRef[];
  /** Criteria used to select the specific set of pods/VMs on which this patch configuration should be applied. */
  workloadSelector?: EnvoyFilterWorkloadSelector;
}

/** Customizing Envoy configuration generated by Istio. */
export interface EnvoyFilter {
  apiVersion: "networking.istio.io/v1alpha3";
  kind: "EnvoyFilter";
  metadata: ObjectMeta;
  spec?: EnvoyFilterSpec;
  status?: unknown;
}

/** The Port on which the proxy should listen for incoming connections. */
export interface Port {
  /** Label assigned to the port. */
  name: string;
  /** A valid non-negative integer port number. */
  number: number;
  /** The protocol exposed on the port. */
  protocol: string;
  targetPort?: number;
}

export interface ServerTLSSettingsTlsCertificate {
  caCertificates?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  privateKey?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  serverCertificate?: string;
}

/** Set of TLS related options that govern the server's behavior. */
export interface ServerTLSSettings {
  /** For mutual TLS, the name of the secret or the configmap that holds CA certificates. */
  caCertCredentialName?: string;
  /** REQUIRED if mode is `MUTUAL` or `OPTIONAL_MUTUAL`. */
  caCertificates?: string;
  /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented client side certificate. */
  caCrl?: string;
  /** Optional: If specified, only support the specified cipher list. */
  cipherSuites?: string[];
  /** For gateways running on Kubernetes, the name of the secret that holds the TLS certs including the CA certificates. */
  credentialName?: string;
  /** Same as CredentialName but for multiple certificates. */
  credentialNames?: string[];
  /** Optional: If specified, only support the specified ecdh curves. */
  ecdhCurves?: string[];
  /** If set to true, the load balancer will send a 301 redirect for all http connections, asking the clients to use HTTPS. */
  httpsRedirect?: boolean;
  /** Optional: If set to true, the proxy will try to validate the certificate, but even if the validation fails, it will allow the connection through. */
  insecureSkipVerify?: boolean | null;
  /** Optional: Maximum TLS protocol version. */
  maxProtocolVersion?: "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";
  /** Optional: Minimum TLS protocol version. */
  minProtocolVersion?: "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";
  /** Optional: Indicates whether connections to this port should be secured using TLS. */
  mode?: "PASSTHROUGH" | "SIMPLE" | "MUTUAL" | "AUTO_PASSTHROUGH" | "ISTIO_MUTUAL" | "OPTIONAL_MUTUAL";
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  privateKey?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  serverCertificate?: string;
  /** A list of alternate names to verify the subject identity in the certificate presented by the client. */
  subjectAltNames?: string[];
  /** Only one of `server_certificate`, `private_key` or `credential_name` or `credential_names` or `tls_certificates` should be specified. */
  tlsCertificates?: ServerTLSSettingsTlsCertificate[];
  /** An optional list of hex-encoded SHA-256 hashes of the authorized client certificates. */
  verifyCertificateHash?: string[];
  /** An optional list of base64-encoded SHA-256 hashes of the SPKIs of authorized client certificates. */
  verifyCertificateSpki?: string[];
}

export interface Server {
  /** The ip or the Unix domain socket to which the listener should be bound to. */
  bind?: string;
  defaultEndpoint?: string;
  /** One or more hosts exposed by this gateway. */
  hosts: string[];
  /** An optional name of the server, when set must be unique across all servers. */
  name?: string;
  /** The Port on which the proxy should listen for incoming connections. */
  port: Port;
  /** Set of TLS related options that govern the server's behavior. */
  tls?: ServerTLSSettings;
}

/** Configuration affecting edge load balancer. */
export interface GatewaySpec {
  /** One or more labels that indicate a specific set of pods/VMs on which this gateway configuration should be applied. */
  selector?: Record<string, string>;
  /** A list of server specifications. */
  servers?: Server[];
}

/** Configuration affecting edge load balancer. */
export interface Gateway {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "Gateway";
  metadata: ObjectMeta;
  spec?: GatewaySpec;
  status?: unknown;
}

/** Specifies the details of the proxy image. */
export interface ProxyConfigImage {
  /** The image type of the image. */
  imageType?: string;
}

/** Optional. */
export interface ProxyConfigSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which a policy should be applied. */
  matchLabels?: Record<string, string>;
}

/** Provides configuration for individual workloads. */
export interface ProxyConfigSpec {
  /** The number of worker threads to run. */
  concurrency?: number | null;
  /** Additional environment variables for the proxy. */
  environmentVariables?: Record<string, string>;
  /** Specifies the details of the proxy image. */
  image?: ProxyConfigImage;
  /** Optional. */
  selector?: ProxyConfigSelector;
}

/** Provides configuration for individual workloads. */
export interface ProxyConfig {
  apiVersion: "networking.istio.io/v1beta1";
  kind: "ProxyConfig";
  metadata: ObjectMeta;
  spec?: ProxyConfigSpec;
  status?: unknown;
}

export interface ServiceEntryEndpoint {
  /** Address associated with the network endpoint without the port. */
  address?: string;
  /** One or more labels associated with the endpoint. */
  labels?: Record<string, string>;
  /** The locality associated with the endpoint. */
  locality?: string;
  /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
  network?: string;
  /** Set of ports associated with the endpoint. */
  ports?: Record<string, number>;
  /** The service account associated with the workload if a sidecar is present in the workload. */
  serviceAccount?: string;
  /** The load balancing weight associated with the endpoint. */
  weight?: number;
}

export interface ServicePort {
  /** Label assigned to the port. */
  name: string;
  /** A valid non-negative integer port number. */
  number: number;
  /** The protocol exposed on the port. */
  protocol?: string;
  /** The port number on the endpoint where the traffic will be received. */
  targetPort?: number;
}

/** Applicable only for MESH_INTERNAL services. */
export interface ServiceEntryWorkloadSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied. */
  labels?: Record<string, string>;
}

/** Configuration affecting service registry. */
export interface ServiceEntrySpec {
  /** The virtual IP addresses associated with the service. */
  addresses?: string[];
  /** One or more endpoints associated with the service. */
  endpoints?: ServiceEntryEndpoint[];
  /** A list of namespaces to which this service is exported. */
  exportTo?: string[];
  /** The hosts associated with the ServiceEntry. */
  hosts: string[];
  /** Specify whether the service should be considered external to the mesh or part of the mesh. */
  location?: "MESH_EXTERNAL" | "MESH_INTERNAL";
  /** The ports associated with the external service. */
  ports?: ServicePort[];
  /** Service resolution mode for the hosts. */
  resolution?: "NONE" | "STATIC" | "DNS" | "DNS_ROUND_ROBIN" | "DYNAMIC_DNS";
  /** If specified, the proxy will verify that the server certificate's subject alternate name matches one of the specified values. */
  subjectAltNames?: string[];
  /** Applicable only for MESH_INTERNAL services. */
  workloadSelector?: ServiceEntryWorkloadSelector;
}

/** Configuration affecting service registry. */
export interface ServiceEntry {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "ServiceEntry";
  metadata: ObjectMeta;
  spec: ServiceEntrySpec;
  status?: unknown;
}

/** The port associated with the listener. */
export interface IstioEgressListenerPort {
  /** Label assigned to the port. */
  name?: string;
  /** A valid non-negative integer port number. */
  number?: number;
  /** The protocol exposed on the port. */
  protocol?: string;
  targetPort?: number;
}

export interface IstioEgressListener {
  /** The IP(IPv4 or IPv6) or the Unix domain socket to which the listener should be bound to. */
  bind?: string;
  /** When the bind address is an IP, the captureMode option dictates how traffic to the listener is expected to be captured (or not). */
  captureMode?: "DEFAULT" | "IPTABLES" | "NONE";
  /** One or more service hosts exposed by the listener in `namespace/dnsName` format. */
  hosts: string[];
  /** The port associated with the listener. */
  port?: IstioEgressListenerPort;
}

/** Configure HTTP/2 PING frames for upstream connections. */
export interface SidecarInboundConnectionPoolHttpHttp2KeepAlive {
  /** Send HTTP/2 PING frames at this interval. */
  interval?: string;
  /** How long to wait for a response to an HTTP/2 PING frame before closing the connection. */
  timeout?: string;
}

/** HTTP connection pool settings. */
export interface SidecarInboundConnectionPoolHttp {
  /** Specify if http1.1 connection should be upgraded to http2 for the associated destination. */
  h2UpgradePolicy?: "DEFAULT" | "DO_NOT_UPGRADE" | "UPGRADE";
  /** Maximum number of requests that will be queued while waiting for a ready connection pool connection. */
  http1MaxPendingRequests?: number;
  /** Configure HTTP/2 PING frames for upstream connections. */
  http2KeepAlive?: SidecarInboundConnectionPoolHttpHttp2KeepAlive;
  /** Maximum number of active requests to a destination. */
  http2MaxRequests?: number;
  /** The idle timeout for upstream connection pool connections. */
  idleTimeout?: string;
  /** The maximum number of concurrent streams allowed for a peer on one HTTP/2 connection. */
  maxConcurrentStreams?: number;
  /** Maximum number of requests per connection to a backend. */
  maxRequestsPerConnection?: number;
  /** Maximum number of retries that can be outstanding to all hosts in a cluster at a given time. */
  maxRetries?: number;
  /** If set to true, client protocol will be preserved while initiating connection to backend. */
  useClientProtocol?: boolean;
}

/** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
export interface SidecarInboundConnectionPoolTcpTcpKeepalive {
  /** The time duration between keep-alive probes. */
  interval?: string;
  /** Maximum number of keepalive probes to send without response before deciding the connection is dead. */
  probes?: number;
  /** The time duration a connection needs to be idle before keep-alive probes start being sent. */
  time?: string;
}

/** Settings common to both HTTP and TCP upstream connections. */
export interface SidecarInboundConnectionPoolTcp {
  /** TCP connection timeout. */
  connectTimeout?: string;
  /** The idle timeout for TCP connections. */
  idleTimeout?: string;
  /** The maximum duration of a connection. */
  maxConnectionDuration?: string;
  /** Maximum number of HTTP1 /TCP connections to a destination host. */
  maxConnections?: number;
  /** If set then set SO_KEEPALIVE on the socket to enable TCP Keepalives. */
  tcpKeepalive?: SidecarInboundConnectionPoolTcpTcpKeepalive;
}

/** Settings controlling the volume of connections Envoy will accept from the network. */
export interface SidecarInboundConnectionPool {
  /** HTTP connection pool settings. */
  http?: SidecarInboundConnectionPoolHttp;
  /** Settings common to both HTTP and TCP upstream connections. */
  tcp?: SidecarInboundConnectionPoolTcp;
}

export interface IstioIngressListenerTlsTlsCertificate {
  caCertificates?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  privateKey?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  serverCertificate?: string;
}

/** Set of TLS related options that will enable TLS termination on the sidecar for requests originating from outside the mesh. */
export interface IstioIngressListenerTls {
  /** For mutual TLS, the name of the secret or the configmap that holds CA certificates. */
  caCertCredentialName?: string;
  /** REQUIRED if mode is `MUTUAL` or `OPTIONAL_MUTUAL`. */
  caCertificates?: string;
  /** OPTIONAL: The path to the file containing the certificate revocation list (CRL) to use in verifying a presented client side certificate. */
  caCrl?: string;
  /** Optional: If specified, only support the specified cipher list. */
  cipherSuites?: string[];
  /** For gateways running on Kubernetes, the name of the secret that holds the TLS certs including the CA certificates. */
  credentialName?: string;
  /** Same as CredentialName but for multiple certificates. */
  credentialNames?: string[];
  /** Optional: If specified, only support the specified ecdh curves. */
  ecdhCurves?: string[];
  /** If set to true, the load balancer will send a 301 redirect for all http connections, asking the clients to use HTTPS. */
  httpsRedirect?: boolean;
  /** Optional: If set to true, the proxy will try to validate the certificate, but even if the validation fails, it will allow the connection through. */
  insecureSkipVerify?: boolean | null;
  /** Optional: Maximum TLS protocol version. */
  maxProtocolVersion?: "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";
  /** Optional: Minimum TLS protocol version. */
  minProtocolVersion?: "TLS_AUTO" | "TLSV1_0" | "TLSV1_1" | "TLSV1_2" | "TLSV1_3";
  /** Optional: Indicates whether connections to this port should be secured using TLS. */
  mode?: "PASSTHROUGH" | "SIMPLE" | "MUTUAL" | "AUTO_PASSTHROUGH" | "ISTIO_MUTUAL" | "OPTIONAL_MUTUAL";
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  privateKey?: string;
  /** REQUIRED if mode is `SIMPLE` or `MUTUAL`. */
  serverCertificate?: string;
  /** A list of alternate names to verify the subject identity in the certificate presented by the client. */
  subjectAltNames?: string[];
  /** Only one of `server_certificate`, `private_key` or `credential_name` or `credential_names` or `tls_certificates` should be specified. */
  tlsCertificates?: IstioIngressListenerTlsTlsCertificate[];
  /** An optional list of hex-encoded SHA-256 hashes of the authorized client certificates. */
  verifyCertificateHash?: string[];
  /** An optional list of base64-encoded SHA-256 hashes of the SPKIs of authorized client certificates. */
  verifyCertificateSpki?: string[];
}

export interface IstioIngressListener {
  /** The IP(IPv4 or IPv6) to which the listener should be bound. */
  bind?: string;
  /** The captureMode option dictates how traffic to the listener is expected to be captured (or not). */
  captureMode?: "DEFAULT" | "IPTABLES" | "NONE";
  /** Settings controlling the volume of connections Envoy will accept from the network. */
  connectionPool?: SidecarInboundConnectionPool;
  /** The IP endpoint or Unix domain socket to which traffic should be forwarded to. */
  defaultEndpoint?: string;
  /** The port associated with the listener. */
  port: IstioEgressListenerPort;
  /** Set of TLS related options that will enable TLS termination on the sidecar for requests originating from outside the mesh. */
  tls?: IstioIngressListenerTls;
}

/** Specifies the port on the host that is being addressed. */
export interface OutboundTrafficPolicyEgressProxyPort {
  number?: number;
}

export interface OutboundTrafficPolicyEgressProxy {
  /** The name of a service from the service registry. */
  host: string;
  /** Specifies the port on the host that is being addressed. */
  port?: OutboundTrafficPolicyEgressProxyPort;
  /** The name of a subset within the service. */
  subset?: string;
}

/** Set the default behavior of the sidecar for handling outbound traffic from the application. */
export interface OutboundTrafficPolicy {
  egressProxy?: OutboundTrafficPolicyEgressProxy;
  /** Valid Options: REGISTRY_ONLY, ALLOW_ANY */
  mode?: "REGISTRY_ONLY" | "ALLOW_ANY";
}

/** Criteria used to select the specific set of pods/VMs on which this `Sidecar` configuration should be applied. */
export interface SidecarWorkloadSelector {
  /** One or more labels that indicate a specific set of pods/VMs on which the configuration should be applied. */
  labels?: Record<string, string>;
}

/** Configuration affecting network reachability of a sidecar. */
export interface SidecarSpec {
  /** Egress specifies the configuration of the sidecar for processing outbound traffic from the attached workload instance to other services in the mesh. */
  egress?: IstioEgressListener[];
  /** Settings controlling the volume of connections Envoy will accept from the network. */
  inboundConnectionPool?: SidecarInboundConnectionPool;
  /** Ingress specifies the configuration of the sidecar for processing inbound traffic to the attached workload instance. */
  ingress?: IstioIngressListener[];
  /** Set the default behavior of the sidecar for handling outbound traffic from the application. */
  outboundTrafficPolicy?: OutboundTrafficPolicy;
  /** Criteria used to select the specific set of pods/VMs on which this `Sidecar` configuration should be applied. */
  workloadSelector?: SidecarWorkloadSelector;
}

/** Configuration affecting network reachability of a sidecar. */
export interface Sidecar {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "Sidecar";
  metadata: ObjectMeta;
  spec?: SidecarSpec;
  status?: unknown;
}

export interface StringMatch {
  exact?: string;
  prefix?: string;
  /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  regex?: string;
}

/** Cross-Origin Resource Sharing policy (CORS). */
export interface CorsPolicy {
  /** Indicates whether the caller is allowed to send the actual request (not the preflight) using credentials. */
  allowCredentials?: boolean | null;
  /** List of HTTP headers that can be used when requesting the resource. */
  allowHeaders?: string[];
  /** List of HTTP methods allowed to access the resource. */
  allowMethods?: string[];
  allowOrigin?: string[];
  /** String patterns that match allowed origins. */
  allowOrigins?: StringMatch[];
  /** A list of HTTP headers that the browsers are allowed to access. */
  exposeHeaders?: string[];
  /** Specifies how long the results of a preflight request can be cached. */
  maxAge?: string;
  /** Indicates whether preflight requests not matching the configured allowed origin shouldn't be forwarded to the upstream. */
  unmatchedPreflights?: "UNSPECIFIED" | "FORWARD" | "IGNORE";
}

/** Delegate is used to specify the particular VirtualService which can be used to define delegate HTTPRoute. */
export interface Delegate {
  /** Name specifies the name of the delegate VirtualService. */
  name?: string;
  /** Namespace specifies the namespace where the delegate VirtualService resides. */
  namespace?: string;
}

/** Specifies the content of the response body. */
export interface HTTPDirectResponseBody {
  /** response body as base64 encoded bytes. */
  bytes?: string;
  string?: string;
}

/** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
export interface HTTPDirectResponse {
  /** Specifies the content of the response body. */
  body?: HTTPDirectResponseBody;
  /** Specifies the HTTP response status to be returned. */
  status: number;
}

/** Percentage of requests to be aborted with the error code provided. */
export interface Percent {
  value?: number;
}

/** Abort Http request attempts and return error codes back to downstream service, giving the impression that the upstream service is faulty. */
export interface HTTPFaultInjectionAbort {
  /** GRPC status code to use to abort the request. */
  grpcStatus?: string;
  http2Error?: string;
  /** HTTP status code to use to abort the Http request. */
  httpStatus?: number;
  /** Percentage of requests to be aborted with the error code provided. */
  percentage?: Percent;
}

/** Delay requests before forwarding, emulating various failures such as network issues, overloaded upstream service, etc. */
export interface HTTPFaultInjectionDelay {
  exponentialDelay?: string;
  /** Add a fixed delay before forwarding the request. */
  fixedDelay?: string;
  /** Percentage of requests on which the delay will be injected (0-100). */
  percent?: number;
  /** Percentage of requests on which the delay will be injected. */
  percentage?: Percent;
}

/** Fault injection policy to apply on HTTP traffic at the client side. */
export interface HTTPFaultInjection {
  /** Abort Http request attempts and return error codes back to downstream service, giving the impression that the upstream service is faulty. */
  abort?: HTTPFaultInjectionAbort;
  /** Delay requests before forwarding, emulating various failures such as network issues, overloaded upstream service, etc. */
  delay?: HTTPFaultInjectionDelay;
}

export interface HeaderOperations {
  add?: Record<string, string>;
  remove?: string[];
  set?: Record<string, string>;
}

export interface Headers {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface HTTPMatchRequest {
  /** HTTP Authority values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  authority?: StringMatch;
  /** Names of gateways where the rule should be applied. */
  gateways?: string[];
  /** The header keys must be lowercase and use hyphen as the separator, e.g. */
  headers?: Record<string, StringMatch>;
  /** Flag to specify whether the URI matching should be case-insensitive. */
  ignoreUriCase?: boolean;
  /** HTTP Method values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  method?: StringMatch;
  /** The name assigned to a match. */
  name?: string;
  /** Specifies the ports on the host that is being addressed. */
  port?: number;
  /** Query parameters for matching. */
  queryParams?: Record<string, StringMatch>;
  /** URI Scheme values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  scheme?: StringMatch;
  /** One or more labels that constrain the applicability of a rule to source (client) workloads with the given labels. */
  sourceLabels?: Record<string, string>;
  /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
  sourceNamespace?: string;
  /** The human readable prefix to use when emitting statistics for this route. */
  statPrefix?: string;
  /** URI to match values are case-sensitive and formatted as follows: - `exact: "value"` for exact string match - `prefix: "value"` for prefix-based match - `regex: "value"` for [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  uri?: StringMatch;
  /** withoutHeader has the same syntax with the header, but has opposite meaning. */
  withoutHeaders?: Record<string, StringMatch>;
}

/** Specifies the port on the host that is being addressed. */
export interface PortSelector {
  number?: number;
}

/** Mirror HTTP traffic to a another destination in addition to forwarding the requests to the intended destination. */
export interface Destination {
  /** The name of a service from the service registry. */
  host: string;
  /** Specifies the port on the host that is being addressed. */
  port?: PortSelector;
  /** The name of a subset within the service. */
  subset?: string;
}

export interface HTTPMirrorPolicy {
  /** Destination specifies the target of the mirror operation. */
  destination: Destination;
  /** Percentage of the traffic to be mirrored by the `destination` field. */
  percentage?: Percent;
}

/** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
export interface HTTPRedirect {
  /** On a redirect, overwrite the Authority/Host portion of the URL with this value. */
  authority?: string;
  /** On a redirect, dynamically set the port: * FROM_PROTOCOL_DEFAULT: automatically set to 80 for HTTP and 443 for HTTPS. */
  derivePort?: "FROM_PROTOCOL_DEFAULT" | "FROM_REQUEST_PORT";
  /** On a redirect, overwrite the port portion of the URL with this value. */
  port?: number;
  /** On a redirect, replace the matched prefix with this value. */
  prefixRewrite?: string;
  /** On a redirect, Specifies the HTTP status code to use in the redirect response. */
  redirectCode?: number;
  /** On a redirect, overwrite the scheme portion of the URL with this value. */
  scheme?: string;
  /** On a redirect, overwrite the Path portion of the URL with this value. */
  uri?: string;
}

/** Retry policy for HTTP requests. */
export interface HTTPRetry {
  /** Number of retries to be allowed for a given request. */
  attempts?: number;
  /** Specifies the minimum duration between retry attempts. */
  backoff?: string;
  /** Timeout per attempt for a given request, including the initial call and any retries. */
  perTryTimeout?: string;
  /** Flag to specify whether the retries should ignore previously tried hosts during retry. */
  retryIgnorePreviousHosts?: boolean | null;
  /** Specifies the conditions under which retry takes place. */
  retryOn?: string;
  /** Flag to specify whether the retries should retry to other localities. */
  retryRemoteLocalities?: boolean | null;
}

/** rewrite the path portion of the URI with the specified regex. */
export interface HTTPRewriteUriRegexRewrite {
  /** [RE2 style regex-based match](https://github.com/google/re2/wiki/Syntax). */
  match?: string;
  /** The string that should replace into matching portions of original URI. */
  rewrite?: string;
}

/** Rewrite HTTP URIs and Authority headers. */
export interface HTTPRewrite {
  /** rewrite the Authority/Host header with this value. */
  authority?: string;
  /** rewrite the path (or the prefix) portion of the URI with this value. */
  uri?: string;
  /** rewrite the path portion of the URI with the specified regex. */
  uriRegexRewrite?: HTTPRewriteUriRegexRewrite;
}

export interface HTTPRouteDestination {
  /** Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to. */
  destination: Destination;
  headers?: Headers;
  /** Weight specifies the relative proportion of traffic to be forwarded to the destination. */
  weight?: number;
}

export interface HTTPRoute {
  /** Cross-Origin Resource Sharing policy (CORS). */
  corsPolicy?: CorsPolicy;
  /** Delegate is used to specify the particular VirtualService which can be used to define delegate HTTPRoute. */
  delegate?: Delegate;
  /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
  directResponse?: HTTPDirectResponse;
  /** Fault injection policy to apply on HTTP traffic at the client side. */
  fault?: HTTPFaultInjection;
  headers?: Headers;
  /** Match conditions to be satisfied for the rule to be activated. */
  match?: HTTPMatchRequest[];
  /** Mirror HTTP traffic to a another destination in addition to forwarding the requests to the intended destination. */
  mirror?: Destination;
  mirror_percent?: number | null;
  mirrorPercent?: number | null;
  /** Percentage of the traffic to be mirrored by the `mirror` field. */
  mirrorPercentage?: Percent;
  /** Specifies the destinations to mirror HTTP traffic in addition to the original destination. */
  mirrors?: HTTPMirrorPolicy[];
  /** The name assigned to the route for debugging purposes. */
  name?: string;
  /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
  redirect?: HTTPRedirect;
  /** Retry policy for HTTP requests. */
  retries?: HTTPRetry;
  /** Rewrite HTTP URIs and Authority headers. */
  rewrite?: HTTPRewrite;
  /** A HTTP rule can either return a direct_response, redirect or forward (default) traffic. */
  route?: HTTPRouteDestination[];
  /** Timeout for HTTP requests, default is disabled. */
  timeout?: string;
}

export interface L4MatchAttributes {
  /** IPv4 or IPv6 ip addresses of destination with optional subnet. */
  destinationSubnets?: string[];
  /** Names of gateways where the rule should be applied. */
  gateways?: string[];
  /** Specifies the port on the host that is being addressed. */
  port?: number;
  /** One or more labels that constrain the applicability of a rule to workloads with the given labels. */
  sourceLabels?: Record<string, string>;
  /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
  sourceNamespace?: string;
  sourceSubnet?: string;
}

export interface RouteDestination {
  /** Destination uniquely identifies the instances of a service to which the request/connection should be forwarded to. */
  destination: Destination;
  /** Weight specifies the relative proportion of traffic to be forwarded to the destination. */
  weight?: number;
}

export interface TCPRoute {
  /** Match conditions to be satisfied for the rule to be activated. */
  match?: L4MatchAttributes[];
  /** The destination to which the connection should be forwarded to. */
  route?: RouteDestination[];
}

export interface TLSMatchAttributes {
  /** IPv4 or IPv6 ip addresses of destination with optional subnet. */
  destinationSubnets?: string[];
  /** Names of gateways where the rule should be applied. */
  gateways?: string[];
  /** Specifies the port on the host that is being addressed. */
  port?: number;
  /** SNI (server name indicator) to match on. */
  sniHosts: string[];
  /** One or more labels that constrain the applicability of a rule to workloads with the given labels. */
  sourceLabels?: Record<string, string>;
  /** Source namespace constraining the applicability of a rule to workloads in that namespace. */
  sourceNamespace?: string;
}

export interface TLSRoute {
  /** Match conditions to be satisfied for the rule to be activated. */
  match: TLSMatchAttributes[];
  /** The destination to which the connection should be forwarded to. */
  route?: RouteDestination[];
}

/** Configuration affecting label/content routing, sni routing, etc. */
export interface VirtualServiceSpec {
  /** A list of namespaces to which this virtual service is exported. */
  exportTo?: string[];
  /** The names of gateways and sidecars that should apply these routes. */
  gateways?: string[];
  /** The destination hosts to which traffic is being sent. */
  hosts?: string[];
  /** An ordered list of route rules for HTTP traffic. */
  http?: HTTPRoute[];
  /** An ordered list of route rules for opaque TCP traffic. */
  tcp?: TCPRoute[];
  /** An ordered list of route rule for non-terminated TLS & HTTPS traffic. */
  tls?: TLSRoute[];
}

/** Configuration affecting label/content routing, sni routing, etc. */
export interface VirtualService {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "VirtualService";
  metadata: ObjectMeta;
  spec?: VirtualServiceSpec;
  status?: unknown;
}

/** Configuration affecting VMs onboarded into the mesh. */
export interface WorkloadEntrySpec {
  /** Address associated with the network endpoint without the port. */
  address?: string;
  /** One or more labels associated with the endpoint. */
  labels?: Record<string, string>;
  /** The locality associated with the endpoint. */
  locality?: string;
  /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
  network?: string;
  /** Set of ports associated with the endpoint. */
  ports?: Record<string, number>;
  /** The service account associated with the workload if a sidecar is present in the workload. */
  serviceAccount?: string;
  /** The load balancing weight associated with the endpoint. */
  weight?: number;
}

/** Configuration affecting VMs onboarded into the mesh. */
export interface WorkloadEntry {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "WorkloadEntry";
  metadata: ObjectMeta;
  spec: WorkloadEntrySpec;
  status?: unknown;
}

/** Metadata that will be used for all corresponding `WorkloadEntries`. */
export interface WorkloadGroupMetadata {
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
}

/** Health is determined by how the command that is executed exited. */
export interface WorkloadGroupProbeExec {
  /** Command to run. */
  command: string[];
}

/** GRPC call is made and response/error is used to determine health. */
export interface WorkloadGroupProbeGrpc {
  /** Port on which the endpoint lives. */
  port?: number;
  service?: string;
}

export interface WorkloadGroupProbeHttpGetHttpHeader {
  name?: string;
  value?: string;
}

/** `httpGet` is performed to a given endpoint and the status/able to connect determines health. */
export interface WorkloadGroupProbeHttpGet {
  /** Host name to connect to, defaults to the pod IP. */
  host?: string;
  /** Headers the proxy will pass on to make the request. */
  httpHeaders?: WorkloadGroupProbeHttpGetHttpHeader[];
  /** Path to access on the HTTP server. */
  path?: string;
  /** Port on which the endpoint lives. */
  port: number;
  scheme?: string;
}

/** Health is determined by if the proxy is able to connect. */
export interface WorkloadGroupProbeTcpSocket {
  host?: string;
  port: number;
}

/** `ReadinessProbe` describes the configuration the user must provide for healthchecking on their workload. */
export interface WorkloadGroupProbe {
  /** Health is determined by how the command that is executed exited. */
  exec?: WorkloadGroupProbeExec;
  /** Minimum consecutive failures for the probe to be considered failed after having succeeded. */
  failureThreshold?: number;
  /** GRPC call is made and response/error is used to determine health. */
  grpc?: WorkloadGroupProbeGrpc;
  /** `httpGet` is performed to a given endpoint and the status/able to connect determines health. */
  httpGet?: WorkloadGroupProbeHttpGet;
  /** Number of seconds after the container has started before readiness probes are initiated. */
  initialDelaySeconds?: number;
  /** How often (in seconds) to perform the probe. */
  periodSeconds?: number;
  /** Minimum consecutive successes for the probe to be considered successful after having failed. */
  successThreshold?: number;
  /** Health is determined by if the proxy is able to connect. */
  tcpSocket?: WorkloadGroupProbeTcpSocket;
  /** Number of seconds after which the probe times out. */
  timeoutSeconds?: number;
}

/** Template to be used for the generation of `WorkloadEntry` resources that belong to this `WorkloadGroup`. */
export interface WorkloadGroupTemplate {
  /** Address associated with the network endpoint without the port. */
  address?: string;
  /** One or more labels associated with the endpoint. */
  labels?: Record<string, string>;
  /** The locality associated with the endpoint. */
  locality?: string;
  /** Network enables Istio to group endpoints resident in the same L3 domain/network. */
  network?: string;
  /** Set of ports associated with the endpoint. */
  ports?: Record<string, number>;
  /** The service account associated with the workload if a sidecar is present in the workload. */
  serviceAccount?: string;
  /** The load balancing weight associated with the endpoint. */
  weight?: number;
}

/** Describes a collection of workload instances. */
export interface WorkloadGroupSpec {
  /** Metadata that will be used for all corresponding `WorkloadEntries`. */
  metadata?: WorkloadGroupMetadata;
  /** `ReadinessProbe` describes the configuration the user must provide for healthchecking on their workload. */
  probe?: WorkloadGroupProbe;
  /** Template to be used for the generation of `WorkloadEntry` resources that belong to this `WorkloadGroup`. */
  template: WorkloadGroupTemplate;
}

/** Describes a collection of workload instances. */
export interface WorkloadGroup {
  apiVersion: "networking.istio.io/v1" | "networking.istio.io/v1beta1" | "networking.istio.io/v1alpha3";
  kind: "WorkloadGroup";
  metadata: ObjectMeta;
  spec: WorkloadGroupSpec;
  status?: unknown;
}

/** Specifies detailed configuration of the CUSTOM action. */
export interface AuthorizationPolicyProvider {
  /** Specifies the name of the extension provider. */
  name?: string;
}

/** Source specifies the source of a request. */
export interface Source {
  /** Optional. */
  ipBlocks?: string[];
  /** Optional. */
  namespaces?: string[];
  /** Optional. */
  notIpBlocks?: string[];
  /** Optional. */
  notNamespaces?: string[];
  /** Optional. */
  notPrincipals?: string[];
  /** Optional. */
  notRemoteIpBlocks?: string[];
  /** Optional. */
  notRequestPrincipals?: string[];
  /** Optional. */
  notServiceAccounts?: string[];
  /** Optional. */
  notTrustDomains?: string[];
  /** Optional. */
  principals?: string[];
  /** Optional. */
  remoteIpBlocks?: string[];
  /** Optional. */
  requestPrincipals?: string[];
  /** Optional. */
  serviceAccounts?: string[];
  /** Optional. */
  trustDomains?: string[];
}

export interface AuthorizationRuleFrom {
  /** Source specifies the source of a request. */
  source?: Source;
}

/** Operation specifies the operation of a request. */
export interface Operation {
  /** Optional. */
  hosts?: string[];
  /** Optional. */
  methods?: string[];
  /** Optional. */
  notHosts?: string[];
  /** Optional. */
  notMethods?: string[];
  /** Optional. */
  notPaths?: string[];
  /** Optional. */
  notPorts?: string[];
  /** Optional. */
  paths?: string[];
  /** Optional. */
  ports?: string[];
}

export interface AuthorizationRuleTo {
  /** Operation specifies the operation of a request. */
  operation?: Operation;
}

export interface Condition {
  /** The name of an Istio attribute. */
  key: string;
  /** Optional. */
  notValues?: string[];
  /** Optional. */
  values?: string[];
}

export interface AuthorizationRule {
  /** Optional. */
  from?: AuthorizationRuleFrom[];
  /** Optional. */
  to?: AuthorizationRuleTo[];
  /** Optional. */
  when?: Condition[];
}

/** Configuration for access control on workloads. */
export interface AuthorizationPolicySpec {
  /** Optional. */
  action?: "ALLOW" | "DENY" | "AUDIT" | "CUSTOM";
  /** Specifies detailed configuration of the CUSTOM action. */
  provider?: AuthorizationPolicyProvider;
  /** Optional. */
  rules?: AuthorizationRule[];
  /** Optional. */
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  /** Optional. */
  targetRefs?: PolicyTargetReference[];
}

/** Configuration for access control on workloads. */
export interface AuthorizationPolicy {
  apiVersion: "security.istio.io/v1" | "security.istio.io/v1beta1";
  kind: "AuthorizationPolicy";
  metadata: ObjectMeta;
  spec?: AuthorizationPolicySpec;
  status?: unknown;
}

/** Mutual TLS settings for workload. */
export interface PeerAuthenticationMtls {
  /** Defines the mTLS mode used for peer authentication. */
  mode?: "UNSET" | "DISABLE" | "PERMISSIVE" | "STRICT";
}

/** Peer authentication configuration for workloads. */
export interface PeerAuthenticationSpec {
  /** Mutual TLS settings for workload. */
  mtls?: PeerAuthenticationMtls;
  /** Port specific mutual TLS settings. */
  portLevelMtls?: Record<string, PeerAuthenticationMtls>;
  /** The selector determines the workloads to apply the PeerAuthentication on. */
  selector?: WorkloadSelector;
}

/** Peer authentication configuration for workloads. */
export interface PeerAuthentication {
  apiVersion: "security.istio.io/v1" | "security.istio.io/v1beta1";
  kind: "PeerAuthentication";
  metadata: ObjectMeta;
  spec?: PeerAuthenticationSpec;
  status?: unknown;
}

export interface JWTRuleFromHeader {
  /** The HTTP header name. */
  name: string;
  /** The prefix that should be stripped before decoding the token. */
  prefix?: string;
}

export interface JWTRuleOutputClaimToHeader {
  /** The name of the claim to be copied from. */
  claim: string;
  /** The name of the header to be created. */
  header: string;
}

export interface JWTRule {
  /** The list of JWT [audiences](https://tools.ietf.org/html/rfc7519#section-4.1.3) that are allowed to access. */
  audiences?: string[];
  /** If set to true, the original token will be kept for the upstream request. */
  forwardOriginalToken?: boolean;
  /** List of cookie names from which JWT is expected. */
  fromCookies?: string[];
  /** List of header locations from which JWT is expected. */
  fromHeaders?: JWTRuleFromHeader[];
  /** List of query parameters from which JWT is expected. */
  fromParams?: string[];
  /** Identifies the issuer that issued the JWT. */
  issuer?: string;
  /** JSON Web Key Set of public keys to validate signature of the JWT. */
  jwks?: string;
  /** URL of the provider's public key set to validate signature of the JWT. */
  jwks_uri?: string;
  /** URL of the provider's public key set to validate signature of the JWT. */
  jwksUri?: string;
  /** This field specifies a list of operations to copy the claim to HTTP headers on a successfully verified token. */
  outputClaimToHeaders?: JWTRuleOutputClaimToHeader[];
  /** This field specifies the header name to output a successfully verified JWT payload to the backend. */
  outputPayloadToHeader?: string;
  /** Configures whether the JWT token must be present in the request. */
  presence?: "OPTIONAL" | "REQUIRED";
  /** List of JWT claim names that should be treated as space-delimited strings. */
  spaceDelimitedClaims?: string[];
  /** The maximum amount of time that the resolver, determined by the PILOT_JWT_ENABLE_REMOTE_JWKS environment variable, will spend waiting for the JWKS to be fetched. */
  timeout?: string;
}

/** Request authentication configuration for workloads. */
export interface RequestAuthenticationSpec {
  /** Define the list of JWTs that can be validated at the selected workloads' proxy. */
  jwtRules?: JWTRule[];
  /** Optional. */
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  /** Optional. */
  targetRefs?: PolicyTargetReference[];
}

/** Request authentication configuration for workloads. */
export interface RequestAuthentication {
  apiVersion: "security.istio.io/v1" | "security.istio.io/v1beta1";
  kind: "RequestAuthentication";
  metadata: ObjectMeta;
  spec?: RequestAuthenticationSpec;
  status?: unknown;
}

/** Optional. */
export interface TelemetryAccessLoggingFilter {
  /** CEL expression for selecting when requests/connections should be logged. */
  expression?: string;
}

/** Allows tailoring of logging behavior to specific conditions. */
export interface TelemetryAccessLoggingMatch {
  /** This determines whether or not to apply the access logging configuration based on the direction of traffic relative to the proxied workload. */
  mode?: "CLIENT_AND_SERVER" | "CLIENT" | "SERVER";
}

export interface TelemetryAccessLoggingProvider {
  /** Required. */
  name: string;
}

export interface TelemetryAccessLogging {
  /** Controls logging. */
  disabled?: boolean | null;
  /** Optional. */
  filter?: TelemetryAccessLoggingFilter;
  /** Allows tailoring of logging behavior to specific conditions. */
  match?: TelemetryAccessLoggingMatch;
  /** Optional. */
  providers?: TelemetryAccessLoggingProvider[];
}

/** Match allows providing the scope of the override. */
export interface TelemetryMetricOverrideMatch {
  /** Allows free-form specification of a metric. */
  customMetric?: string;
  /** One of the well-known [Istio Standard Metrics](https://istio.io/latest/docs/reference/config/metrics/). */
  metric?: "ALL_METRICS" | "REQUEST_COUNT" | "REQUEST_DURATION" | "REQUEST_SIZE" | "RESPONSE_SIZE" | "TCP_OPENED_CONNECTIONS" | "TCP_CLOSED_CONNECTIONS" | "TCP_SENT_BYTES" | "TCP_RECEIVED_BYTES" | "GRPC_REQUEST_MESSAGES" | "GRPC_RESPONSE_MESSAGES";
  /** Controls which mode of metrics generation is selected: `CLIENT`, `SERVER`, or `CLIENT_AND_SERVER`. */
  mode?: "CLIENT_AND_SERVER" | "CLIENT" | "SERVER";
}

export interface TelemetryMetricOverrideTagOverridesValue {
  /** Operation controls whether or not to update/add a tag, or to remove it. */
  operation?: "UPSERT" | "REMOVE";
  /** Value is only considered if the operation is `UPSERT`. */
  value?: string;
}

export interface TelemetryMetricOverride {
  /** Optional. */
  disabled?: boolean | null;
  /** Match allows providing the scope of the override. */
  match?: TelemetryMetricOverrideMatch;
  /** Optional. */
  tagOverrides?: Record<string, TelemetryMetricOverrideTagOverridesValue>;
}

export interface TelemetryMetric {
  /** Optional. */
  overrides?: TelemetryMetricOverride[];
  /** Optional. */
  providers?: TelemetryAccessLoggingProvider[];
  /** Optional. */
  reportingInterval?: string;
}

/** Environment adds the value of an environment variable to each span. */
export interface TelemetryTracingCustomTagsValueEnvironment {
  /** Optional. */
  defaultValue?: string;
  /** Name of the environment variable from which to extract the tag value. */
  name: string;
}

/** Formatter adds the value of access logging substitution formatter. */
export interface TelemetryTracingCustomTagsValueFormatter {
  /** The formatter tag value to use, same formatter as HTTP access logging (e.g. */
  value: string;
}

/** RequestHeader adds the value of an header from the request to each span. */
export interface TelemetryTracingCustomTagsValueHeader {
  /** Optional. */
  defaultValue?: string;
  /** Name of the header from which to extract the tag value. */
  name: string;
}

/** Literal adds the same, hard-coded value to each span. */
export interface TelemetryTracingCustomTagsValueLiteral {
  /** The tag value to use. */
  value: string;
}

export interface TelemetryTracingCustomTagsValue {
  /** Environment adds the value of an environment variable to each span. */
  environment?: TelemetryTracingCustomTagsValueEnvironment;
  /** Formatter adds the value of access logging substitution formatter. */
  formatter?: TelemetryTracingCustomTagsValueFormatter;
  /** RequestHeader adds the value of an header from the request to each span. */
  header?: TelemetryTracingCustomTagsValueHeader;
  /** Literal adds the same, hard-coded value to each span. */
  literal?: TelemetryTracingCustomTagsValueLiteral;
}

/** Allows tailoring of behavior to specific conditions. */
export interface TelemetryTracingMatch {
  /** This determines whether or not to apply the tracing configuration based on the direction of traffic relative to the proxied workload. */
  mode?: "CLIENT_AND_SERVER" | "CLIENT" | "SERVER";
}

export interface TelemetryTracing {
  /** Optional. */
  customTags?: Record<string, TelemetryTracingCustomTagsValue>;
  /** Controls whether trace context headers (e.g., `traceparent`/`tracestate` for W3C, `X-B3-*` for Zipkin) are propagated in forwarded requests. */
  disableContextPropagation?: boolean | null;
  /** Controls span reporting. */
  disableSpanReporting?: boolean | null;
  /** Determines whether or not trace spans generated by Envoy will include Istio specific tags. */
  enableIstioTags?: boolean | null;
  /** Allows tailoring of behavior to specific conditions. */
  match?: TelemetryTracingMatch;
  /** Optional. */
  providers?: TelemetryAccessLoggingProvider[];
  /** Controls the rate at which traffic will be selected for tracing if no prior sampling decision has been made. */
  randomSamplingPercentage?: number | null;
  useRequestIdForTraceSampling?: boolean | null;
}

/** Telemetry configuration for workloads. */
export interface TelemetrySpec {
  /** Optional. */
  accessLogging?: TelemetryAccessLogging[];
  /** Optional. */
  metrics?: TelemetryMetric[];
  /** Optional. */
  selector?: WorkloadSelector;
  targetRef?: PolicyTargetReference;
  /** Optional. */
  targetRefs?: PolicyTargetReference[];
  /** Optional. */
  tracing?: TelemetryTracing[];
}

/** Telemetry configuration for workloads. */
export interface Telemetry {
  apiVersion: "telemetry.istio.io/v1" | "telemetry.istio.io/v1alpha1";
  kind: "Telemetry";
  metadata: ObjectMeta;
  spec?: TelemetrySpec;
  status?: unknown;
}

/** Every Istio resource type in the CRD file. */
export type IstioResource =
  | TrafficExtension
  | WasmPlugin
  | DestinationRule
  | EnvoyFilter
  | Gateway
  | ProxyConfig
  | ServiceEntry
  | Sidecar
  | VirtualService
  | WorkloadEntry
  | WorkloadGroup
  | AuthorizationPolicy
  | PeerAuthentication
  | RequestAuthentication
  | Telemetry;

/** The kind names of {@link IstioResource}. */
export type IstioKind = IstioResource['kind'];
