// Who a workload is, for Istio's metric labels: this proxy's own workload (from its xDS node
// metadata) and its peers. Peers introduce themselves as Istio's HTTP metadata exchange does: the
// client's proxy adds `x-envoy-peer-metadata-id` and `x-envoy-peer-metadata` (base64 of a serialized
// google.protobuf.Struct of node metadata) to requests to mesh services, the server's proxy strips
// them, reads them, and puts its own on the response, which the client's proxy strips and reads.

import { findMessageType, plainToStruct, structToPlain, type StructMessage } from '@weft/shared/xds';

export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';

/** A workload as Istio's standard metrics name it; 'unknown' where nothing is known. */
export interface WorkloadInfo {
  readonly workload: string;
  readonly namespace: string;
  readonly app: string;
  readonly version: string;
  readonly canonicalService: string;
  readonly canonicalRevision: string;
  readonly cluster: string;
}

export const UNKNOWN_WORKLOAD: WorkloadInfo = Object.freeze({
  workload: 'unknown',
  namespace: 'unknown',
  app: 'unknown',
  version: 'unknown',
  canonicalService: 'unknown',
  canonicalRevision: 'unknown',
  cluster: 'unknown',
});

/** Istio's default cluster id when a proxy's node metadata has no CLUSTER_ID. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

/** The node metadata keys a proxy sends to its peers (Istio's exchanged set, less platform ones). */
const EXCHANGED_KEYS = ['NAME', 'NAMESPACE', 'LABELS', 'WORKLOAD_NAME', 'CLUSTER_ID', 'MESH_ID', 'SERVICE_ACCOUNT', 'INSTANCE_IPS'] as const;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The labels Istio derives from node metadata: app and version from the `app` / `version` labels (or
 * their app.kubernetes.io forms), the canonical service and revision from the
 * `service.istio.io/canonical-*` labels, falling back as Istio's injector does (name label, app, the
 * workload name; version label, `latest`).
 */
export function workloadInfoFromMetadata(metadata: Readonly<Record<string, unknown>>): WorkloadInfo {
  const rawLabels = metadata.LABELS;
  const labels: Record<string, unknown> = rawLabels !== null && typeof rawLabels === 'object' ? (rawLabels as Record<string, unknown>) : {};
  const workload = str(metadata.WORKLOAD_NAME) ?? str(metadata.NAME) ?? 'unknown';
  const app = str(labels.app) ?? str(labels['app.kubernetes.io/name']);
  const version = str(labels.version) ?? str(labels['app.kubernetes.io/version']);
  return Object.freeze({
    workload,
    namespace: str(metadata.NAMESPACE) ?? 'unknown',
    app: app ?? 'unknown',
    version: version ?? 'unknown',
    canonicalService: str(labels['service.istio.io/canonical-name']) ?? app ?? workload,
    canonicalRevision: str(labels['service.istio.io/canonical-revision']) ?? version ?? 'latest',
    cluster: str(metadata.CLUSTER_ID) ?? DEFAULT_CLUSTER_ID,
  });
}

type MessageType = NonNullable<ReturnType<typeof findMessageType>>;

let structType: MessageType | undefined;
function struct(): MessageType {
  structType ??= findMessageType('google.protobuf.Struct');
  if (!structType) throw new Error('google.protobuf.Struct is not in the loaded protos');
  return structType;
}

/** The two headers a proxy introduces itself with: its node id, and its exchanged metadata. */
export interface PeerHeaders {
  readonly id: string;
  readonly value: string;
}

/** This proxy's {@link PeerHeaders}, its metadata encoded as Istio's metadata exchange does. */
export function encodePeerHeaders(nodeId: string, metadata: Readonly<Record<string, unknown>>): PeerHeaders {
  const exchanged: Record<string, unknown> = {};
  for (const key of EXCHANGED_KEYS) if (metadata[key] !== undefined && metadata[key] !== '') exchanged[key] = metadata[key];
  const type = struct();
  const bytes = type.encode(type.fromObject(plainToStruct(exchanged))).finish();
  return Object.freeze({ id: nodeId, value: Buffer.from(bytes).toString('base64') });
}

/** Decoded peers by header value: a mesh has few distinct peers, and each sends the same bytes. */
const decoded = new Map<string, WorkloadInfo | undefined>();
const DECODED_LIMIT = 512;

/** The peer a `x-envoy-peer-metadata` value describes; undefined for a value that does not decode. */
export function decodePeerHeader(value: string): WorkloadInfo | undefined {
  if (decoded.has(value)) return decoded.get(value);
  let info: WorkloadInfo | undefined;
  try {
    const type = struct();
    const message = type.toObject(type.decode(Buffer.from(value, 'base64')), { defaults: false }) as StructMessage;
    const plain = structToPlain(message);
    info = Object.keys(plain).length === 0 ? undefined : workloadInfoFromMetadata(plain);
  } catch {
    info = undefined;
  }
  if (decoded.size >= DECODED_LIMIT) decoded.clear();
  decoded.set(value, info);
  return info;
}
