// Istio's well-known label and annotation names (istio.io/api annotation and label packages), the ones
// Weft components read or write, plus Weft's own namespace injection label. Names only: what each one
// means is documented where it is used.

/** Istio's pod and namespace labels. */
export const ISTIO_LABELS = Object.freeze({
  /** Namespace label: `enabled` / `disabled` sidecar injection (Istio's classic switch). */
  istioInjection: 'istio-injection',
  /** Namespace or pod label: the control plane revision that injects and serves it. */
  istioRevision: 'istio.io/rev',
  /** Pod label: `true` / `false` per-pod injection override (preferred over the annotation). */
  sidecarInject: 'sidecar.istio.io/inject',
  /** Pod label: `istio` when the workload accepts Istio mTLS (auto-mTLS reads it), `disabled` otherwise. */
  tlsMode: 'security.istio.io/tlsMode',
  canonicalName: 'service.istio.io/canonical-name',
  canonicalRevision: 'service.istio.io/canonical-revision',
  /** Pod label overriding the workload name derived from the owner. */
  workloadName: 'service.istio.io/workload-name',
  /** Pod label: the network of the workload (multi-network meshes). */
  network: 'topology.istio.io/network',
} as const);

/** Weft's namespace label, an alias of `istio-injection` (`weft-injection=enabled`). */
export const WEFT_INJECTION_LABEL = 'weft-injection';

/** Istio's pod annotations read or written by sidecar injection. */
export const ISTIO_ANNOTATIONS = Object.freeze({
  sidecarInject: 'sidecar.istio.io/inject',
  /** JSON written by the injector: the containers, init containers and volumes it added. */
  sidecarStatus: 'sidecar.istio.io/status',
  injectTemplates: 'inject.istio.io/templates',
  proxyConfig: 'proxy.istio.io/config',
  proxyOverrides: 'proxy.istio.io/overrides',
  proxyImage: 'sidecar.istio.io/proxyImage',
  proxyCpu: 'sidecar.istio.io/proxyCPU',
  proxyCpuLimit: 'sidecar.istio.io/proxyCPULimit',
  proxyMemory: 'sidecar.istio.io/proxyMemory',
  proxyMemoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
  interceptionMode: 'sidecar.istio.io/interceptionMode',
  nativeSidecar: 'sidecar.istio.io/nativeSidecar',
  logLevel: 'sidecar.istio.io/logLevel',
  componentLogLevel: 'sidecar.istio.io/componentLogLevel',
  agentLogLevel: 'sidecar.istio.io/agentLogLevel',
  enableCoreDump: 'sidecar.istio.io/enableCoreDump',
  capNetBindService: 'sidecar.istio.io/capNetBindService',
  rewriteAppHttpProbers: 'sidecar.istio.io/rewriteAppHTTPProbers',
  userVolume: 'sidecar.istio.io/userVolume',
  userVolumeMount: 'sidecar.istio.io/userVolumeMount',
  bootstrapOverride: 'sidecar.istio.io/bootstrapOverride',
  statusPort: 'status.sidecar.istio.io/port',
  readinessInitialDelaySeconds: 'readiness.status.sidecar.istio.io/initialDelaySeconds',
  readinessPeriodSeconds: 'readiness.status.sidecar.istio.io/periodSeconds',
  readinessFailureThreshold: 'readiness.status.sidecar.istio.io/failureThreshold',
  includeOutboundIpRanges: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
  excludeOutboundIpRanges: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  includeInboundPorts: 'traffic.sidecar.istio.io/includeInboundPorts',
  excludeInboundPorts: 'traffic.sidecar.istio.io/excludeInboundPorts',
  includeOutboundPorts: 'traffic.sidecar.istio.io/includeOutboundPorts',
  excludeOutboundPorts: 'traffic.sidecar.istio.io/excludeOutboundPorts',
  excludeInterfaces: 'traffic.sidecar.istio.io/excludeInterfaces',
  kubevirtInterfaces: 'traffic.sidecar.istio.io/kubevirtInterfaces',
  rerouteVirtualInterfaces: 'istio.io/reroute-virtual-interfaces',
  prometheusMergeMetrics: 'prometheus.istio.io/merge-metrics',
  /** The revision that injected the pod (written by the injector). */
  revision: 'istio.io/rev',
} as const);
