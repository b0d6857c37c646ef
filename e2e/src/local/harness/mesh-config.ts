// The Istio YAML of a local mesh, as a user writes it for VMs: a ServiceEntry per service, a
// WorkloadEntry per running instance, VirtualServices, DestinationRules, AuthorizationPolicies,
// PeerAuthentications, RequestAuthentications and Telemetries. Resources are typed with
// @weft/shared's API types and validated before they are written into weftd's config directory.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  validateResource,
  type AuthorizationPolicy,
  type AuthorizationPolicySpec,
  type PeerAuthentication,
  type PeerAuthenticationSpec,
  type RequestAuthentication,
  type RequestAuthenticationSpec,
  type Telemetry,
  type TelemetrySpec,
  type DestinationRuleSpec,
  type ServiceEntry,
  type VirtualServiceSpec,
  type WorkloadEntry,
  type DestinationRule,
  type VirtualService,
} from '@weft/shared';
import { stringify } from 'yaml';

/** The kinds a local-mesh scenario writes. */
export type MeshResource = ServiceEntry | WorkloadEntry | VirtualService | DestinationRule | AuthorizationPolicy | PeerAuthentication | RequestAuthentication | Telemetry;

const API_VERSION = 'networking.istio.io/v1';

/** The name of a service's one port: its protocol in lower case (`http`, `http2`, `grpc`), as Istio's
 *  naming convention for ports (`<protocol>[-<suffix>]`) expects. */
export function portNameOf(protocol: string): string {
  return protocol.toLowerCase();
}

/** A MESH_INTERNAL, STATIC ServiceEntry for `<name>.<namespace>.svc.cluster.local`, one port of
 *  `protocol` (default HTTP) named after it, served by the WorkloadEntries labelled `app: <name>`. */
export function serviceEntry(name: string, namespace: string, port: number, protocol = 'HTTP'): ServiceEntry {
  return {
    apiVersion: API_VERSION,
    kind: 'ServiceEntry',
    metadata: { name, namespace },
    spec: {
      hosts: [`${name}.${namespace}.svc.cluster.local`],
      location: 'MESH_INTERNAL',
      resolution: 'STATIC',
      ports: [{ number: port, name: portNameOf(protocol), protocol }],
      workloadSelector: { labels: { app: name } },
    },
  };
}

/** A WorkloadEntry at `address`; `targetPort` is where the instance listens for the service's port named
 *  `portName` (default `http`; `targetPort` omitted for a client that serves nothing). */
export function workloadEntry(name: string, namespace: string, address: string, labels: Readonly<Record<string, string>>, targetPort?: number, portName = 'http'): WorkloadEntry {
  return {
    apiVersion: API_VERSION,
    kind: 'WorkloadEntry',
    metadata: { name, namespace },
    spec: { address, labels: { ...labels }, serviceAccount: labels.app ?? 'default', ...(targetPort === undefined ? {} : { ports: { [portName]: targetPort } }) },
  };
}

/** A VirtualService named `name` in `namespace`. */
export function virtualService(name: string, namespace: string, spec: VirtualServiceSpec): VirtualService {
  return { apiVersion: API_VERSION, kind: 'VirtualService', metadata: { name, namespace }, spec };
}

/** A DestinationRule named `name` in `namespace`. */
export function destinationRule(name: string, namespace: string, spec: DestinationRuleSpec): DestinationRule {
  return { apiVersion: API_VERSION, kind: 'DestinationRule', metadata: { name, namespace }, spec };
}

/** An AuthorizationPolicy (security.istio.io/v1) named `name` in `namespace`; `annotations` for
 *  `istio.io/dry-run`. */
export function authorizationPolicy(name: string, namespace: string, spec: AuthorizationPolicySpec, annotations?: Readonly<Record<string, string>>): AuthorizationPolicy {
  return { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name, namespace, ...(annotations ? { annotations: { ...annotations } } : {}) }, spec };
}

/** A PeerAuthentication (security.istio.io/v1) named `name` in `namespace`: namespace-wide without a
 *  `selector`, mesh-wide in the root namespace. */
export function peerAuthentication(name: string, namespace: string, spec: PeerAuthenticationSpec): PeerAuthentication {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name, namespace }, spec };
}

/** A RequestAuthentication (security.istio.io/v1) named `name` in `namespace`. */
export function requestAuthentication(name: string, namespace: string, spec: RequestAuthenticationSpec): RequestAuthentication {
  return { apiVersion: 'security.istio.io/v1', kind: 'RequestAuthentication', metadata: { name, namespace }, spec };
}

/** A Telemetry (telemetry.istio.io/v1) named `name` in `namespace`: mesh-wide in the root namespace
 *  (istio-system), namespace-wide without a `selector`. */
export function telemetry(name: string, namespace: string, spec: TelemetrySpec): Telemetry {
  return { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name, namespace }, spec };
}

/** A DestinationRule for `host` with one subset per version (`version: <v>` labels). */
export function subsetsByVersion(host: string, namespace: string, versions: readonly string[], trafficPolicy?: DestinationRuleSpec['trafficPolicy']): DestinationRule {
  return destinationRule(host, namespace, { host, subsets: versions.map((v) => ({ name: v, labels: { version: v } })), ...(trafficPolicy ? { trafficPolicy } : {}) });
}

/**
 * Renders resources as one multi-document YAML text. Throws when a resource is invalid (a mistake in
 * the scenario, not a behaviour under test: weftd would reject the file and the test would wait for
 * nothing).
 */
export function renderYaml(resources: readonly MeshResource[]): string {
  for (const r of resources) {
    const result = validateResource(r);
    if (result.errors.length > 0) throw new Error(`${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name ?? ''} is invalid: ${result.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
  }
  return resources.map((r) => stringify(r)).join('---\n');
}

/** A config directory weftd watches. */
export class ConfigDir {
  constructor(readonly path: string) {}

  /**
   * Writes (or overwrites) `file` with `resources`, in place: one write of the whole text, which weftd
   * reads after its settle time. Not an atomic rename over the file (as many editors save): weftd's
   * recursive fs.watch on Linux (Node 20) stops reporting a file once it has been replaced by a rename,
   * so the second such save of the same file goes unnoticed (reported; see the e2e/local report).
   */
  write(file: string, resources: readonly MeshResource[]): void {
    writeFileSync(join(this.path, file), renderYaml(resources));
  }
}
