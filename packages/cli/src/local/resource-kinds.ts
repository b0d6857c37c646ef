// The Istio kinds `weftctl get` knows, with kubectl's plural and Istio's short names
// (`kubectl api-resources` for networking/security/telemetry.istio.io).

/** One kind and the names it answers to. */
export interface KindName {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
}

/** Every kind, in the order `weftctl get all` lists them. */
export const ISTIO_KINDS: readonly KindName[] = Object.freeze([
  { kind: 'Gateway', plural: 'gateways', shortNames: ['gw'] },
  { kind: 'VirtualService', plural: 'virtualservices', shortNames: ['vs'] },
  { kind: 'DestinationRule', plural: 'destinationrules', shortNames: ['dr'] },
  { kind: 'ServiceEntry', plural: 'serviceentries', shortNames: ['se'] },
  { kind: 'WorkloadEntry', plural: 'workloadentries', shortNames: ['we'] },
  { kind: 'WorkloadGroup', plural: 'workloadgroups', shortNames: ['wg'] },
  { kind: 'Sidecar', plural: 'sidecars', shortNames: [] },
  { kind: 'EnvoyFilter', plural: 'envoyfilters', shortNames: [] },
  { kind: 'ProxyConfig', plural: 'proxyconfigs', shortNames: [] },
  { kind: 'PeerAuthentication', plural: 'peerauthentications', shortNames: ['pa'] },
  { kind: 'RequestAuthentication', plural: 'requestauthentications', shortNames: ['ra'] },
  { kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', shortNames: ['ap'] },
  { kind: 'Telemetry', plural: 'telemetries', shortNames: ['telemetry'] },
]);

/**
 * The kinds `name` stands for (case-insensitive: plural, singular, Kind, short name, comma lists as
 * kubectl takes them, `all`), or the names it did not recognise.
 */
export function resolveKinds(name: string): { kinds: KindName[]; unknown: string[] } {
  const kinds: KindName[] = [];
  const unknown: string[] = [];
  for (const part of name.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '')) {
    if (part === 'all') {
      kinds.push(...ISTIO_KINDS);
      continue;
    }
    const bare = part.replace(/\.(?:networking|security|telemetry)\.istio\.io$/, '');
    const k = ISTIO_KINDS.find((k) => k.plural === bare || k.kind.toLowerCase() === bare || k.shortNames.includes(bare));
    if (k) kinds.push(k);
    else unknown.push(part);
  }
  return { kinds: [...new Set(kinds)], unknown };
}
