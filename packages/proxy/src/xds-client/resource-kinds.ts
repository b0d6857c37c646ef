// The four resource types weft-proxy subscribes to over ADS and what it needs to know about each:
// type URL, short name, how a resource is named, whether the subscription is a wildcard.

import { TYPE_URL } from '@weft/shared/xds';
import type { ClusterLoadAssignmentShape, EnvoyMessage } from './envoy-shapes.js';

/** A resource type the proxy subscribes to. */
export type ResourceKind = 'cluster' | 'endpoint' | 'listener' | 'route';

/** Everything the client needs to know about one {@link ResourceKind}. */
export interface KindInfo {
  readonly kind: ResourceKind;
  readonly typeUrl: string;
  /** `CDS`, `EDS`, `LDS`, `RDS`. */
  readonly short: string;
  /** The noun NACK messages use, after Envoy's (`listener`, `cluster`, ...). */
  readonly noun: string;
  /** LDS and CDS are wildcard subscriptions whose responses carry the whole set; RDS and EDS are named. */
  readonly wildcard: boolean;
  /** The resource's name: `name`, or `cluster_name` for a ClusterLoadAssignment. */
  nameOf(message: EnvoyMessage): string;
}

const byName = (m: EnvoyMessage): string => (typeof m.name === 'string' ? m.name : '');

/** The kinds in the order a fresh stream subscribes to them (Envoy's: CDS, EDS, LDS, RDS). */
export const KINDS: readonly KindInfo[] = Object.freeze([
  { kind: 'cluster', typeUrl: TYPE_URL.CLUSTER, short: 'CDS', noun: 'cluster', wildcard: true, nameOf: byName },
  { kind: 'endpoint', typeUrl: TYPE_URL.ENDPOINT, short: 'EDS', noun: 'ClusterLoadAssignment', wildcard: false, nameOf: (m: EnvoyMessage) => (m as ClusterLoadAssignmentShape).cluster_name ?? '' },
  { kind: 'listener', typeUrl: TYPE_URL.LISTENER, short: 'LDS', noun: 'listener', wildcard: true, nameOf: byName },
  { kind: 'route', typeUrl: TYPE_URL.ROUTE, short: 'RDS', noun: 'RouteConfiguration', wildcard: false, nameOf: byName },
] satisfies KindInfo[]);

/** The info for `kind`. */
export function kindInfo(kind: ResourceKind): KindInfo {
  return KINDS.find((k) => k.kind === kind) as KindInfo;
}

/** The kind whose type URL is `typeUrl`, or undefined for a type the proxy does not subscribe to. */
export function kindOfTypeUrl(typeUrl: string): KindInfo | undefined {
  return KINDS.find((k) => k.typeUrl === typeUrl);
}
