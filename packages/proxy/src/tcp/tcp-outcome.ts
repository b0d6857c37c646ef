// What one proxied TCP connection came to, for telemetry (istio_tcp_* metrics, access logs): which
// cluster and host, bytes each way, Envoy's response flags, and why it ended.

/** Envoy's response flags a tcp_proxy connection can carry. */
export type TcpResponseFlag =
  /** No cluster of that name in CDS (Envoy's NoClusterFound). */
  | 'NC'
  /** The cluster has no endpoint to connect to. */
  | 'UH'
  /** Every connect attempt failed (refused, unreachable, connect_timeout). */
  | 'UF'
  /** The cluster's max_connections circuit breaker is full. */
  | 'UO';

/** Why a proxied connection ended. */
export type TcpTermination =
  | 'no_cluster'
  | 'no_healthy_upstream'
  | 'connect_failure'
  | 'overflow'
  /** Both sides finished (each sent its FIN), or the downstream went away. */
  | 'downstream_close'
  | 'upstream_close'
  | 'idle_timeout'
  | 'downstream_error'
  | 'upstream_error';

/** One proxied connection, reported once when both sides are closed. */
export interface TcpOutcome {
  readonly listener: string;
  readonly filterChain: string;
  /** tcp_proxy stat_prefix. */
  readonly statPrefix: string;
  /** The cluster drawn for the connection (it may not exist: flag NC). */
  readonly cluster: string;
  /** `host:port` of the upstream connected to (or last tried), undefined when none was picked. */
  readonly upstreamHost: string | undefined;
  /** `UF`, `UH,UF`... or `-` (Envoy's access log form). */
  readonly responseFlags: string;
  readonly termination: TcpTermination;
  /** Bytes read from the downstream (sent to the upstream). */
  readonly bytesReceived: number;
  /** Bytes written to the downstream (received from the upstream). */
  readonly bytesSent: number;
  readonly connectAttempts: number;
  readonly durationMs: number;
  /** `ip:port` of the client. */
  readonly downstreamRemoteAddress: string;
  /** `ip:port` the client connected to. */
  readonly downstreamLocalAddress: string;
  /** When the connection was accepted, milliseconds since the epoch. */
  readonly startTime?: number;
  /** Which side of the workload the listener serves (Istio's reporter: source for outbound). */
  readonly direction?: 'inbound' | 'outbound';
  /** `ip:port` of the proxy's end of the upstream connection, once connected. */
  readonly upstreamLocalAddress?: string | undefined;
  /** SNI the TLS inspector or TLS termination saw. */
  readonly requestedServerName?: string | undefined;
  /** The client's SPIFFE identity when the chain terminated mutual TLS. */
  readonly peerPrincipal?: string | undefined;
}

/** A proxied connection whose upstream connected (istio_tcp_connections_opened_total). */
export interface TcpOpened {
  readonly direction: 'inbound' | 'outbound';
  readonly cluster: string;
  readonly upstreamHost: string;
  readonly peerPrincipal: string | undefined;
}
