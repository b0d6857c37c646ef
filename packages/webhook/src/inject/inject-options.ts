// What an injection is parameterised by: Istio's injector `values` and MeshConfig defaults that the
// default `sidecar` template reads, with Istio's defaults, plus the weft-proxy image and addresses.
// Owns the defaults only; the template (sidecar-template.ts) reads them.

import { WEFT_VERSION } from '@weft/shared';

/** Istio's traffic interception modes (MeshConfig ProxyConfig.interceptionMode). */
export const INTERCEPTION_MODES = ['REDIRECT', 'TPROXY', 'NONE'] as const;
/** One of {@link INTERCEPTION_MODES}. */
export type InterceptionMode = (typeof INTERCEPTION_MODES)[number];

/** Resource requirements as Kubernetes writes them (quantities as strings). */
export interface ResourceRequirements {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/** The settings of an injection. Frozen; build with {@link createInjectOptions}. */
export interface InjectOptions {
  /** Image of the `istio-proxy` container (weft-proxy). Istio: values.global.proxy.image. */
  readonly proxyImage: string;
  /** Image of the `istio-init` / `istio-validation` container; it must run Istio's `istio-iptables`
   *  command line (args below). Istio: values.global.proxy_init.image. */
  readonly proxyInitImage: string;
  /** imagePullPolicy of the injected containers; undefined leaves it to Kubernetes. */
  readonly imagePullPolicy: string | undefined;
  /** Image pull secrets added to the pod (values.global.imagePullSecrets). */
  readonly imagePullSecrets: readonly string[];
  /** The control-plane revision this injector serves ('' is Istio's `default`). */
  readonly revision: string;
  /** Namespace of the control plane (values.global.istioNamespace); names the default addresses. */
  readonly istioNamespace: string;
  /** CA address given to the proxy (CA_ADDR). Undefined: `istiod[-<revision>].<istioNamespace>.svc:15012`, as Istio. */
  readonly caAddress: string | undefined;
  /** weftd's plaintext xDS address given to weft-proxy (--discovery-address). Undefined:
   *  `istiod[-<revision>].<istioNamespace>.svc:15010`. */
  readonly discoveryAddress: string | undefined;
  /** SPIFFE trust domain (MeshConfig trustDomain): TRUST_DOMAIN, and ISTIO_META_MESH_ID unless {@link meshId}. */
  readonly trustDomain: string;
  /** values.global.meshID; undefined: the trust domain. */
  readonly meshId: string | undefined;
  /** values.global.multiCluster.clusterName (ISTIO_META_CLUSTER_ID). */
  readonly clusterId: string;
  /** values.global.network: ISTIO_META_NETWORK and the `topology.istio.io/network` label; '' for none. */
  readonly network: string;
  /** values.global.proxy.clusterDomain (the proxy's DNS domain suffix). */
  readonly clusterDomain: string;
  /** MeshConfig defaultConfig.interceptionMode; the pod annotation sidecar.istio.io/interceptionMode wins. */
  readonly interceptionMode: InterceptionMode;
  /** values.global.proxy.includeIPRanges (istio-init `-i`). */
  readonly includeOutboundIpRanges: string;
  /** values.global.proxy.excludeIPRanges (`-x`). */
  readonly excludeOutboundIpRanges: string;
  /** values.global.proxy.includeInboundPorts (`-b`). */
  readonly includeInboundPorts: string;
  /** values.global.proxy.excludeInboundPorts (`-d`, after 15090,15021 and the status port). */
  readonly excludeInboundPorts: string;
  /** values.global.proxy.includeOutboundPorts (`-q` when set). */
  readonly includeOutboundPorts: string;
  /** values.global.proxy.excludeOutboundPorts (`-o` when set). */
  readonly excludeOutboundPorts: string;
  /** The agent status port (MeshConfig defaultConfig.statusPort): probe rewrite target, merged
   *  Prometheus metrics (prometheus.io/port). The status.sidecar.istio.io/port annotation wins per pod. */
  readonly statusPort: number;
  /** values.global.proxy.statusPort, which Istio's template reads apart from the MeshConfig's: the
   *  port excluded from capture, and 0 drops the proxy's readiness probes. Undefined: {@link statusPort}. */
  readonly templateStatusPort: number | undefined;
  /** values.global.proxy.readiness{InitialDelaySeconds,PeriodSeconds,FailureThreshold}. */
  readonly readinessInitialDelaySeconds: number;
  readonly readinessPeriodSeconds: number;
  readonly readinessFailureThreshold: number;
  /** values.global.proxy.resources of the proxy and init containers; the sidecar.istio.io/proxyCPU...
   *  annotations replace them per pod. Undefined: none. */
  readonly proxyResources: ResourceRequirements | undefined;
  /** Istio ENABLE_NATIVE_SIDECARS: the proxy is an init container with restartPolicy Always
   *  (Kubernetes native sidecars); the pod annotation sidecar.istio.io/nativeSidecar wins. */
  readonly nativeSidecars: boolean;
  /** values.global.proxy.holdApplicationUntilProxyStarts (ignored with native sidecars, as Istio). */
  readonly holdApplicationUntilProxyStarts: boolean;
  /** values.sidecarInjectorWebhook.rewriteAppHTTPProbe: send app probes through the agent's
   *  /app-health/... paths. Istio's default is true; Weft's is false until weft-proxy serves them. */
  readonly rewriteAppHttpProbe: boolean;
  /** MeshConfig enablePrometheusMerge. */
  readonly enablePrometheusMerge: boolean;
  /** values.global.proxy.enableCoreDump. */
  readonly enableCoreDump: boolean;
  /** values.global.proxy.privileged. */
  readonly privileged: boolean;
  /** values.global.proxy.capNetBindService. */
  readonly capNetBindService: boolean;
  /** values.global.proxy.logLevel (weft-proxy --log-level; Envoy's names). */
  readonly logLevel: string;
  /** values.global.proxy.componentLogLevel (kept for Istio parity; weft-proxy has no per-component levels). */
  readonly componentLogLevel: string;
  /** values.global.logging.level (istio-init --log_output_level). */
  readonly agentLogLevel: string;
  /** MeshConfig defaultConfig.proxyMetadata: extra env of the proxy and init containers. */
  readonly proxyMetadata: Readonly<Record<string, string>>;
  /** MeshConfig defaultConfig.holdApplicationUntilProxyStarts. */
  readonly meshHoldApplicationUntilProxyStarts: boolean;
  /** Istio CNI (values.pilot.cni): `istio-validation` replaces `istio-init`. */
  readonly cni: { readonly enabled: boolean; readonly provider: 'default' | 'multus' };
  /** MeshConfig inboundTrafficPolicy.mode. */
  readonly inboundTrafficPolicyMode: 'passthrough' | 'localhost';
  /** Audience of the projected service account token (values.global.sds.token.aud). */
  readonly tokenAudience: string;
}

/** weft-proxy's image for this version of Weft. */
export const DEFAULT_PROXY_IMAGE = `ghcr.io/weft/proxy:${WEFT_VERSION}`;

const DEFAULTS: InjectOptions = {
  proxyImage: DEFAULT_PROXY_IMAGE,
  proxyInitImage: DEFAULT_PROXY_IMAGE,
  imagePullPolicy: undefined,
  imagePullSecrets: [],
  revision: '',
  istioNamespace: 'istio-system',
  caAddress: undefined,
  discoveryAddress: undefined,
  trustDomain: 'cluster.local',
  meshId: undefined,
  clusterId: 'Kubernetes',
  network: '',
  clusterDomain: 'cluster.local',
  interceptionMode: 'REDIRECT',
  includeOutboundIpRanges: '*',
  excludeOutboundIpRanges: '',
  includeInboundPorts: '*',
  excludeInboundPorts: '',
  includeOutboundPorts: '',
  excludeOutboundPorts: '',
  statusPort: 15020,
  templateStatusPort: undefined,
  readinessInitialDelaySeconds: 0,
  readinessPeriodSeconds: 15,
  readinessFailureThreshold: 4,
  proxyResources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } },
  nativeSidecars: true,
  holdApplicationUntilProxyStarts: false,
  rewriteAppHttpProbe: false,
  enablePrometheusMerge: true,
  enableCoreDump: false,
  privileged: false,
  capNetBindService: false,
  logLevel: 'warning',
  componentLogLevel: 'misc:error',
  agentLogLevel: 'default:info',
  proxyMetadata: {},
  meshHoldApplicationUntilProxyStarts: false,
  cni: { enabled: false, provider: 'default' },
  inboundTrafficPolicyMode: 'passthrough',
  tokenAudience: 'istio-ca',
};

/** Istio's defaults (those of a default install and its injection tests), except probe rewriting (off:
 *  weft-proxy does not serve /app-health yet), with `overrides` on top. Frozen. */
export function createInjectOptions(overrides: Partial<InjectOptions> = {}): InjectOptions {
  return Object.freeze({ ...DEFAULTS, ...overrides });
}

/** The address of istiod (weftd) for `port`: `istiod[-<revision>].<namespace>.svc:<port>`, as Istio names it. */
export function istiodAddress(options: Pick<InjectOptions, 'revision' | 'istioNamespace'>, port: number): string {
  return `istiod${options.revision !== '' ? `-${options.revision}` : ''}.${options.istioNamespace}.svc:${port}`;
}
