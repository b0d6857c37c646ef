// What the control plane knows about one connected proxy: who it is and where it runs, taken
// from its xDS node (id + metadata, Istio's conventions). Generators see only this and a snapshot.

/** The role of a proxy (Istio node type): a workload's sidecar or a gateway ("router"). */
export type ProxyType = 'sidecar' | 'router';

/** A connected proxy, as generators need it. Immutable. */
export interface ProxyView {
  /** The xDS node id, Istio-style `sidecar~127.0.0.11~reviews-v1.default~default.svc.cluster.local`. */
  readonly id: string;
  readonly type: ProxyType;
  /** Workload namespace (node metadata NAMESPACE, or the 4th `~` part's first label). */
  readonly namespace: string;
  /** Workload name (node metadata WORKLOAD_NAME / the WorkloadEntry name). */
  readonly workloadName: string;
  /** Workload labels (node metadata LABELS). */
  readonly labels: Readonly<Record<string, string>>;
  /** Workload IPs (node metadata INSTANCE_IPS, else the 2nd `~` part). */
  readonly ipAddresses: readonly string[];
  readonly serviceAccount: string;
  /** `GENERATOR` metadata: `grpc` for proxyless gRPC clients. */
  readonly generator?: 'grpc';
  /** All node metadata, for less common settings. */
  readonly metadata: Readonly<Record<string, unknown>>;
}

/**
 * Builds a ProxyView from an xDS node id and its metadata (a plain object from the node Struct).
 * Istio's node id is `<type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>`; metadata wins
 * where both say something. Missing parts default (namespace `default`, type `sidecar`).
 */
export function createProxyView(nodeId: string, metadata: Readonly<Record<string, unknown>> = {}): ProxyView {
  const parts = nodeId.split('~');
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const idType = parts.length === 4 ? parts[0] : undefined;
  const idIp = parts.length === 4 ? parts[1] : undefined;
  const idWorkload = parts.length === 4 ? parts[2] : undefined;
  const idNamespace = parts.length === 4 ? parts[3]?.split('.')[0] : undefined;
  const labelsRaw = metadata.LABELS;
  const labels: Record<string, string> = {};
  if (typeof labelsRaw === 'object' && labelsRaw !== null) {
    for (const [k, v] of Object.entries(labelsRaw)) if (typeof v === 'string') labels[k] = v;
  }
  const ips = str(metadata.INSTANCE_IPS)?.split(',').map((s) => s.trim()).filter(Boolean) ?? (idIp ? [idIp] : []);
  const namespace = str(metadata.NAMESPACE) ?? idNamespace ?? 'default';
  const workloadName = str(metadata.WORKLOAD_NAME) ?? idWorkload?.split('.')[0] ?? '';
  const type: ProxyType = idType === 'router' || metadata.PROXY_TYPE === 'router' ? 'router' : 'sidecar';
  const view: ProxyView = {
    id: nodeId,
    type,
    namespace,
    workloadName,
    labels: Object.freeze(labels),
    ipAddresses: Object.freeze(ips),
    serviceAccount: str(metadata.SERVICE_ACCOUNT) ?? 'default',
    metadata: Object.freeze({ ...metadata }),
    ...(metadata.GENERATOR === 'grpc' ? { generator: 'grpc' as const } : {}),
  };
  return Object.freeze(view);
}
