// What a load balancer picks from: the endpoints of one cluster, fixed when the config is compiled,
// and the Picker contract every lb-*.ts implements.

/** One upstream address of a cluster. Everything is fixed at compile time except `active`, the
 *  number of requests in flight, which the forwarder counts for least-request balancing. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  /** `host:port` (`[v6]:port`), the key of its connection pool. */
  readonly key: string;
  /** load_balancing_weight, 1 when unset. */
  readonly weight: number;
  /** Locality, `region/zone/sub_zone`, for telemetry later. */
  readonly locality: string;
  /** Requests in flight to this endpoint. */
  active: number;
}

/**
 * Chooses an endpoint for one request. A picker is built once per compiled endpoint set and never
 * changes its set; a new EDS update builds a new picker (grpc-js's picker model). Returns undefined when
 * there is no endpoint to pick (the caller answers 503 UH).
 */
export interface Picker {
  readonly policy: string;
  pick(random: () => number): Endpoint | undefined;
}
