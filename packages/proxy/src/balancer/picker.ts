// What a load balancer picks from and the contracts every lb-*.ts implements: Endpoint (one upstream
// address of a cluster), Picker (a whole cluster: priorities, health, panic, localities), and the
// inner HostChooser / HashChooser that pick within one list of hosts.

import type { HostStats } from '../cluster/host-stats.js';

/** EDS health as load balancing sees it (Envoy's coarse health): HEALTHY and UNKNOWN are healthy;
 *  UNHEALTHY and TIMEOUT are unhealthy (used only in panic mode); DEGRADED only when healthy hosts
 *  cannot take the load. DRAINING endpoints are not compiled into pickers at all. */
export type EdsHealth = 'healthy' | 'degraded' | 'unhealthy';

/**
 * One upstream address of a cluster. Everything is fixed at compile time except `active`. For compiled
 * endpoints `active` is an accessor over `stats.rqActive`, which lives in the ClusterRuntime and so
 * survives recompiles; for a plain object literal it is just a field.
 */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `host:port` (`[v6]:port`): the key of its connection pool, of its runtime state, and the string
   *  ring hash and maglev hash (Envoy's address()->asString()). */
  readonly key: string;
  /** load_balancing_weight, 1 when unset. */
  readonly weight: number;
  /** Locality, `region/zone/sub_zone`. */
  readonly locality: string;
  /** EDS priority (0 is preferred); 0 when absent. */
  readonly priority?: number;
  /** The load_balancing_weight of its LocalityLbEndpoints (locality-weighted balancing); 0 when unset,
   *  as in Envoy (a locality without a weight gets no traffic under locality_weighted_lb_config). */
  readonly localityWeight?: number;
  /** EDS health; healthy when absent. */
  readonly edsHealth?: EdsHealth;
  readonly hostname?: string;
  /** Live per-host stats (compiled endpoints always have them). */
  readonly stats?: HostStats;
  /** Its `envoy.transport_socket_match` metadata (which of the cluster's transport_socket_matches
   *  applies, e.g. `{ tlsMode: 'istio' }` for a workload with a sidecar); absent when none. */
  readonly transportMatch?: Readonly<Record<string, unknown>>;
  /** Requests in flight to this endpoint. */
  active: number;
}

/** Per-request input to a picker. Every field is optional: `pick(random)` alone is a valid call. */
export interface PickContext {
  /** The 64-bit hash of the route's hash_policy (ring hash, maglev); absent when the policy yields
   *  nothing, and then hash-based pickers pick at random, as Envoy does. */
  readonly hash?: bigint;
  /** Where the downstream connection was originally headed (ORIGINAL_DST / passthrough clusters). */
  readonly originalDestination?: { readonly host: string; readonly port: number };
  /** Envoy's host_selection_retry_max_attempts: how many more picks may be made when
   *  `shouldSelectAnotherHost` rejects one (retry_host_predicate, e.g. previous_hosts). */
  readonly hostSelectionRetryCount?: number;
  /** Rejects a candidate (e.g. one already tried by this request); the last candidate is returned
   *  when every attempt is rejected. */
  shouldSelectAnotherHost?(endpoint: Endpoint): boolean;
}

/**
 * Chooses an endpoint for one request. A picker is built once per compiled endpoint set and never
 * changes its set; a new EDS update builds a new picker (grpc-js's picker model). Health changes
 * (outlier ejections) are seen on the next pick. Returns undefined when there is no endpoint to pick
 * (the caller answers 503 UH).
 */
export interface Picker {
  readonly policy: string;
  pick(random: () => number, ctx?: PickContext): Endpoint | undefined;
}

/** Which hosts outlier detection has ejected, as a picker reads it. `refresh` brings ejections up to
 *  date (returning hosts whose time is up) and returns a number that changes whenever any host's
 *  ejection changed, so a picker rebuilds its host sets only then. */
export interface HostHealth {
  refresh(): number;
  isEjected(endpoint: Endpoint): boolean;
}

/** A load balancer over one fixed list of hosts (one priority, one health class, maybe one locality):
 *  round robin, least request, random. */
export interface HostChooser {
  choose(random: () => number): Endpoint | undefined;
}

/** A consistent-hash table over one fixed list of hosts (ring hash, maglev). `attempt` > 0 asks for
 *  an alternative host for the same hash (Envoy's retry host predicate handling). */
export interface HashChooser {
  choose(hash: bigint, attempt: number): Endpoint | undefined;
}

/** A host with its normalized weight (weights of a list sum to at most 1), the input of hash tables. */
export interface WeightedHost {
  readonly endpoint: Endpoint;
  readonly weight: number;
}

/** The EDS health of `e`, healthy when unset (plain literals). */
export const edsHealthOf = (e: Endpoint): EdsHealth => e.edsHealth ?? 'healthy';
