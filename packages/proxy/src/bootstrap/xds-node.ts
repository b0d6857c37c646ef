// Who this proxy says it is on the ADS stream: the xDS node (id, cluster, metadata), built from the
// config the way Istio's pilot-agent builds Envoy's bootstrap node. weftd's createProxyView reads it back.

import { WEFT_VERSION } from '@weft/shared/version';
import type { ProxyConfig } from '../config.js';

/** The xDS node as plain data (metadata not yet a Struct); what /config_dump's bootstrap shows. */
export interface XdsNode {
  /** Istio-style `sidecar~10.0.0.7~reviews-v1.default~default.svc.cluster.local`. */
  readonly id: string;
  /** `<workload>.<namespace>`, as pilot-agent sets Envoy's service cluster. */
  readonly cluster: string;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly userAgentName: string;
  readonly userAgentVersion: string;
}

/**
 * Builds the node: the id is `config.nodeId` when set, else `<mode>~<ip>~<pod>.<ns>~<domain>`. Metadata
 * carries what weftd's proxy view reads (NAMESPACE, LABELS, WORKLOAD_NAME, SERVICE_ACCOUNT, INSTANCE_IPS,
 * NAME, and for sidecars WEFT_APP_ADDRESS), on top of the forwarded `ISTIO_META_*` values. `hostName` stands in for a missing pod and
 * workload name.
 */
export function buildXdsNode(config: ProxyConfig, hostName: string): XdsNode {
  const podName = config.podName || config.workloadName || hostName;
  const workloadName = config.workloadName || podName;
  const domain = config.domain || `${config.namespace}.svc.cluster.local`;
  const ip = config.workloadAddresses[0] ?? '127.0.0.1';
  const id = config.nodeId || `${config.mode}~${ip}~${podName}.${config.namespace}~${domain}`;
  const metadata = {
    ...config.extraMetadata,
    NAME: podName,
    NAMESPACE: config.namespace,
    WORKLOAD_NAME: workloadName,
    LABELS: { ...config.labels },
    SERVICE_ACCOUNT: config.serviceAccount,
    INSTANCE_IPS: config.workloadAddresses.join(','),
    // weftd's proxy view also accepts the type from metadata, for node ids that are not Istio-shaped.
    PROXY_TYPE: config.mode,
    // Where the app listens: weftd's inbound clusters point there (sidecars only; gateways have no app).
    ...(config.mode === 'sidecar' ? { WEFT_APP_ADDRESS: config.appAddress } : {}),
    WEFT_VERSION,
  };
  return Object.freeze({ id, cluster: `${workloadName}.${config.namespace}`, metadata: Object.freeze(metadata), userAgentName: 'weft-proxy', userAgentVersion: WEFT_VERSION });
}
