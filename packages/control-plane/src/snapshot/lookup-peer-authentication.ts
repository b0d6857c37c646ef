// Which PeerAuthentication mode is in force for a workload and port (Istio's ComposePeerAuthentication
// over GetPeerAuthenticationsForWorkload, pilot/pkg/security/authn), and the namespace-wide mode
// clients infer for a service (PushContext.BestEffortInferServiceMTLSMode). Lookups only: the inbound
// chains and upstream TLS that follow are the generators'.

import type { PeerAuthenticationMtls, PeerAuthenticationSpec } from '@weft/shared';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';

/** Istio's model.MutualTLSMode (MTLSUnknown never leaves this module: it resolves to PERMISSIVE). */
export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** The effective PeerAuthentication of one workload (Istio's MergedPeerAuthentication). */
export interface MergedPeerAuthentication {
  /** The workload's mode: workload-level, else namespace-level, else mesh-level, else PERMISSIVE. */
  readonly mode: MtlsMode;
  /** The workload-level policy's portLevelMtls (UNSET entries resolved to `mode`), by workload port. */
  readonly perPort: ReadonlyMap<number, MtlsMode>;
}

type Item = ConfigItem<PeerAuthenticationSpec>;

/** The policies of one snapshot, by level (each list is oldest first, as Istio's creation-time order). */
interface PeerAuthenticationIndex {
  readonly rootNamespace: string;
  /** The oldest selector-less policy of the root namespace. */
  readonly mesh: Item | undefined;
  /** The oldest selector-less policy of each other namespace. */
  readonly namespaces: ReadonlyMap<string, Item>;
  /** Policies with a selector, per namespace other than the root (oldest first). */
  readonly workloads: ReadonlyMap<string, readonly Item[]>;
  /** Memo: labels object → namespace → merged policy. */
  readonly merged: WeakMap<object, Map<string, MergedPeerAuthentication>>;
}

const indexes = new WeakMap<readonly Item[], PeerAuthenticationIndex>();

const hasSelector = (item: Item): boolean => Object.keys(item.spec.selector?.matchLabels ?? {}).length > 0;

function indexOf(items: readonly Item[], rootNamespace: string): PeerAuthenticationIndex {
  const known = indexes.get(items);
  if (known && known.rootNamespace === rootNamespace) return known;
  const byAge = [...items].sort((a, b) => a.order - b.order);
  let mesh: Item | undefined;
  const namespaces = new Map<string, Item>();
  const workloads = new Map<string, Item[]>();
  for (const item of byAge) {
    if (!hasSelector(item)) {
      if (item.namespace === rootNamespace) mesh ??= item;
      else if (!namespaces.has(item.namespace)) namespaces.set(item.namespace, item);
    } else if (item.namespace !== rootNamespace) {
      // Istio ignores workload-level policies in the root namespace.
      workloads.set(item.namespace, [...(workloads.get(item.namespace) ?? []), item]);
    }
  }
  const index: PeerAuthenticationIndex = { rootNamespace, mesh, namespaces, workloads, merged: new WeakMap() };
  indexes.set(items, index);
  return index;
}

/** A policy's mode, undefined for UNSET or no `mtls` (inherit from the parent level). */
function modeOf(mtls: PeerAuthenticationMtls | undefined): MtlsMode | undefined {
  const m = mtls?.mode;
  return m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE' ? m : undefined;
}

const NO_PORTS: ReadonlyMap<number, MtlsMode> = new Map();

/**
 * The PeerAuthentication in force for a workload in `namespace` with `labels` (Istio
 * ComposePeerAuthentication): the most specific level wins (workload > namespace > mesh, the mesh
 * being the root namespace's selector-less policy), the oldest policy within a level, UNSET inherits
 * from the level above, PERMISSIVE when nothing says otherwise. Port-level settings come from the
 * workload-level policy only. Memoized per snapshot policy list and labels object.
 */
export function peerAuthenticationFor(snapshot: MeshSnapshot, namespace: string, labels: Readonly<Record<string, string>>): MergedPeerAuthentication {
  const index = indexOf(snapshot.peerAuthentications, snapshot.mesh.rootNamespace);
  let byNamespace = index.merged.get(labels);
  if (!byNamespace) index.merged.set(labels, (byNamespace = new Map()));
  const known = byNamespace.get(namespace);
  if (known) return known;
  let mode: MtlsMode = modeOf(index.mesh?.spec.mtls) ?? 'PERMISSIVE';
  let workload: Item | undefined;
  if (namespace !== index.rootNamespace) {
    mode = modeOf(index.namespaces.get(namespace)?.spec.mtls) ?? mode;
    workload = index.workloads.get(namespace)?.find((w) => Object.entries(w.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v));
    mode = modeOf(workload?.spec.mtls) ?? mode;
  }
  let perPort = NO_PORTS;
  if (workload?.spec.portLevelMtls) {
    const ports = new Map<number, MtlsMode>();
    for (const [port, mtls] of Object.entries(workload.spec.portLevelMtls)) ports.set(Number(port), modeOf(mtls) ?? mode);
    perPort = ports;
  }
  const merged: MergedPeerAuthentication = Object.freeze({ mode, perPort });
  byNamespace.set(namespace, merged);
  return merged;
}

/** The mode for one workload port: its port-level setting, else the workload's mode (Istio GetMutualTLSModeForPort). */
export function mtlsModeForPort(merged: MergedPeerAuthentication, port: number): MtlsMode {
  return merged.perPort.get(port) ?? merged.mode;
}

/**
 * The mode a client assumes for the services of `namespace` (the part of Istio's
 * BestEffortInferServiceMTLSMode that reads policies): the namespace-level policy, else the mesh-level
 * one, else PERMISSIVE. Workload-level and port-level policies are not consulted: a client cannot know
 * which workloads serve a service (endpoints carry their own `tlsMode` for that).
 */
export function namespaceMtlsMode(snapshot: MeshSnapshot, namespace: string): MtlsMode {
  const index = indexOf(snapshot.peerAuthentications, snapshot.mesh.rootNamespace);
  const mesh = modeOf(index.mesh?.spec.mtls) ?? 'PERMISSIVE';
  return namespace === index.rootNamespace ? mesh : (modeOf(index.namespaces.get(namespace)?.spec.mtls) ?? mesh);
}
