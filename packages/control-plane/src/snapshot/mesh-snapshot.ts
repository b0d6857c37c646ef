// The immutable view of the whole mesh at one moment: config in force (typed per kind), the
// service registry and mesh settings. Built from the ConfigStore and a RegistryView; generators
// read slices of it and never change it.

import type {
  AuthorizationPolicySpec,
  DestinationRuleSpec,
  GatewaySpec,
  PeerAuthenticationSpec,
  RequestAuthenticationSpec,
  SidecarSpec,
  TelemetrySpec,
  VirtualServiceSpec,
} from '@weft/shared';
import type { ConfigEntry } from '../config/config-store.js';
import type { Endpoint, MeshService, RegistryView, Workload } from '../registry/model.js';
import type { MeshConfig } from './mesh-config.js';
import { deepFreeze } from '../deep-freeze.js';

/** One config resource in a snapshot: identity, metadata the mesh reads, and the typed spec. */
export interface ConfigItem<S> {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: S;
  /** Position in creation order among resources of its kind (Istio breaks ties by creation time,
   *  oldest first; we use the store's order: source, then file order). */
  readonly order: number;
}

/** The whole mesh at one moment. Every array is sorted by (namespace, name); everything is frozen. */
export interface MeshSnapshot {
  /** Increases with every rebuild. */
  readonly version: number;
  readonly mesh: MeshConfig;
  readonly services: readonly MeshService[];
  /** Services by hostname (one host may exist in several namespaces). */
  readonly servicesByHost: ReadonlyMap<string, readonly MeshService[]>;
  /** Endpoints by `hostname|namespace`. */
  readonly endpointsByService: ReadonlyMap<string, readonly Endpoint[]>;
  readonly workloads: readonly Workload[];
  readonly virtualServices: readonly ConfigItem<VirtualServiceSpec>[];
  readonly destinationRules: readonly ConfigItem<DestinationRuleSpec>[];
  readonly gateways: readonly ConfigItem<GatewaySpec>[];
  readonly sidecars: readonly ConfigItem<SidecarSpec>[];
  readonly peerAuthentications: readonly ConfigItem<PeerAuthenticationSpec>[];
  readonly authorizationPolicies: readonly ConfigItem<AuthorizationPolicySpec>[];
  readonly requestAuthentications: readonly ConfigItem<RequestAuthenticationSpec>[];
  readonly telemetries: readonly ConfigItem<TelemetrySpec>[];
  /** The JWKS istiod fetched for RequestAuthentication rules without inline `jwks`, by
   *  `jwksKey(issuer, jwksUri)` (security/authn/jwks-resolver.ts); a rule whose keys are absent gets a
   *  key nobody can sign for. Absent: nothing fetched. The map object stays the same while no key
   *  changes, so memos keyed by it carry over. */
  readonly jwks?: ReadonlyMap<string, string>;
}

/** The key of {@link MeshSnapshot.endpointsByService}. */
export function serviceKey(hostname: string, namespace: string): string {
  return `${hostname}|${namespace}`;
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}


/** Whether two item lists hold the same resources (same spec objects) in the same order. */
function sameItems<S>(a: readonly ConfigItem<S>[], b: readonly ConfigItem<S>[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ConfigItem<S>;
    const y = b[i] as ConfigItem<S>;
    if (x.spec !== y.spec || x.name !== y.name || x.namespace !== y.namespace || x.order !== y.order || JSON.stringify(x.labels) !== JSON.stringify(y.labels) || JSON.stringify(x.annotations) !== JSON.stringify(y.annotations)) return false;
  }
  return true;
}

const byNsName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace === b.namespace ? a.name.localeCompare(b.name) : a.namespace.localeCompare(b.namespace);

/** Builds a snapshot. `config` is every entry in force (validated); kinds the snapshot does not
 *  hold (ServiceEntry, WorkloadEntry: the registry covers them) are ignored. `jwks` is the resolved
 *  key sets ({@link MeshSnapshot.jwks}), kept as given (not copied). */
export function buildMeshSnapshot(version: number, mesh: MeshConfig, config: readonly ConfigEntry[], registry: RegistryView, previous?: MeshSnapshot, jwks?: ReadonlyMap<string, string>): MeshSnapshot {
  const items = <S>(kind: string, before: readonly ConfigItem<S>[] | undefined): readonly ConfigItem<S>[] => {
    const built = config
      .filter((e) => e.ref.kind === kind)
      .map((e, order) => {
        const meta = (e.resource.metadata ?? {}) as Record<string, unknown>;
        return { name: e.ref.name, namespace: e.ref.namespace, labels: strMap(meta.labels), annotations: strMap(meta.annotations), spec: (e.resource.spec ?? {}) as S, order };
      })
      .sort(byNsName);
    // Unchanged resources keep their spec objects (ConfigStore), so an unchanged kind gets the previous
    // snapshot's list itself: memos keyed by a list (rule indexes, lookups) carry over to this snapshot.
    return before !== undefined && sameItems(before, built) ? before : built;
  };
  const services = [...registry.services].sort((a, b) => (a.hostname === b.hostname ? a.namespace.localeCompare(b.namespace) : a.hostname.localeCompare(b.hostname)));
  const servicesByHost = new Map<string, MeshService[]>();
  for (const s of services) servicesByHost.set(s.hostname, [...(servicesByHost.get(s.hostname) ?? []), s]);
  const endpointsByService = new Map<string, Endpoint[]>();
  for (const ep of registry.endpoints) {
    const key = serviceKey(ep.hostname, ep.namespace);
    endpointsByService.set(key, [...(endpointsByService.get(key) ?? []), ep]);
  }
  return deepFreeze({
    version,
    mesh,
    services,
    servicesByHost,
    endpointsByService,
    workloads: [...registry.workloads].sort(byNsName),
    virtualServices: items<VirtualServiceSpec>('VirtualService', previous?.virtualServices),
    destinationRules: items<DestinationRuleSpec>('DestinationRule', previous?.destinationRules),
    gateways: items<GatewaySpec>('Gateway', previous?.gateways),
    sidecars: items<SidecarSpec>('Sidecar', previous?.sidecars),
    peerAuthentications: items<PeerAuthenticationSpec>('PeerAuthentication', previous?.peerAuthentications),
    authorizationPolicies: items<AuthorizationPolicySpec>('AuthorizationPolicy', previous?.authorizationPolicies),
    requestAuthentications: items<RequestAuthenticationSpec>('RequestAuthentication', previous?.requestAuthentications),
    telemetries: items<TelemetrySpec>('Telemetry', previous?.telemetries),
    ...(jwks !== undefined ? { jwks } : {}),
  });
}
