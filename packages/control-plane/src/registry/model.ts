// The service registry's model: services, their ports and their endpoints, independent of where
// they come from (ServiceEntry + WorkloadEntry locally, Kubernetes Services + EndpointSlices later).

/** Protocols Istio knows for a port (from the port `protocol`, the name prefix, or appProtocol). */
export type Protocol = 'HTTP' | 'HTTPS' | 'HTTP2' | 'GRPC' | 'GRPC-WEB' | 'TCP' | 'TLS' | 'MONGO' | 'REDIS' | 'MYSQL' | 'UDP' | 'UNSUPPORTED';

/** One port of a service. */
export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: Protocol;
  /** Port on the endpoints when not overridden per endpoint (ServiceEntry `targetPort`). */
  readonly targetPort?: number;
}

/** How the proxy finds the endpoints of a service (ServiceEntry `resolution`). */
export type Resolution = 'NONE' | 'STATIC' | 'DNS' | 'DNS_ROUND_ROBIN';

/** A service: one host of a ServiceEntry (Istio makes one service per host), or a Kubernetes Service. */
export interface MeshService {
  /** Fully qualified host name, e.g. `reviews.default.svc.cluster.local` or `api.example.com`. */
  readonly hostname: string;
  readonly namespace: string;
  readonly ports: readonly ServicePort[];
  /** Virtual IPs / CIDRs (ServiceEntry `addresses`). */
  readonly addresses: readonly string[];
  readonly resolution: Resolution;
  readonly location: 'MESH_INTERNAL' | 'MESH_EXTERNAL';
  /** Namespaces that can see the service: `*` (all), `.` (own), or names. */
  readonly exportTo: readonly string[];
  /** Where the service came from, e.g. `ServiceEntry/default/reviews`. */
  readonly origin: string;
  /** Identities the service's workloads present (ServiceEntry `subjectAltNames`, Istio's
   *  Service.ServiceAccounts), verified as given by mTLS clients; absent when none are declared. */
  readonly subjectAltNames?: readonly string[];
}

/** One instance serving a service port. */
export interface Endpoint {
  /** The service host and namespace this endpoint belongs to. */
  readonly hostname: string;
  readonly namespace: string;
  /** The service port name this endpoint serves. */
  readonly servicePortName: string;
  /** IP, host name (DNS resolution) or `unix://` path. */
  readonly address: string;
  readonly port: number;
  readonly labels: Readonly<Record<string, string>>;
  /** `region/zone/subzone`, possibly partial or empty. */
  readonly locality: string;
  /** Load-balancing weight (1 when unset). */
  readonly weight: number;
  readonly serviceAccount: string;
  readonly network: string;
  readonly healthy: boolean;
  /** The workload behind it (`WorkloadEntry/ns/name`), or the ServiceEntry for inline endpoints. */
  readonly workload: string;
}

/** A workload that runs (or may run) a proxy: a WorkloadEntry locally, a Pod in a cluster. */
export interface Workload {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  readonly locality: string;
  readonly network: string;
  /** Named ports of the workload (WorkloadEntry `ports`). */
  readonly ports: Readonly<Record<string, number>>;
}

/** A consistent view of the registry at one moment. */
export interface RegistryView {
  readonly services: readonly MeshService[];
  readonly endpoints: readonly Endpoint[];
  readonly workloads: readonly Workload[];
}
