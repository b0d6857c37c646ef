// What happened to one request, for telemetry (access log, istio_requests_total): the Envoy-style
// response flags, the route and upstream chosen, the attempts made, sizes, and the peer on the other
// side when it introduced itself (telemetry/workload-info.ts).

import type { HeaderBag } from '../compile/header-mutation.js';
import type { WorkloadInfo } from '../telemetry/workload-info.js';

/** The result of one proxied request. */
export interface RequestOutcome {
  /** The status sent downstream; 0 when the client went away before a response head was sent. */
  readonly status: number;
  /** Envoy's `%RESPONSE_FLAGS%`: comma-separated (`UF,URX`), '-' when none. */
  readonly responseFlags: string;
  /** Which side of the workload the listener serves (Istio's reporter: source for outbound). */
  readonly direction: 'outbound' | 'inbound';
  readonly routeConfig: string | undefined;
  readonly route: string | undefined;
  readonly cluster: string | undefined;
  /** `host:port` of the last endpoint tried. */
  readonly upstreamHost: string | undefined;
  /** Tries sent upstream (0 when the proxy answered itself). */
  readonly attempts: number;
  readonly durationMs: number;
  /** The request's authority ('' when unknown). */
  readonly authority: string;
  /** Istio's request_protocol: `grpc` for gRPC requests (content-type application/grpc), else `http`. */
  readonly protocol: 'http' | 'grpc';
  /** Istio's grpc_response_status: the grpc-status sent downstream, '' for plain HTTP. */
  readonly grpcStatus: string;
  /** The workload on the other side (the upstream's for outbound, the client's for inbound), when it
   *  sent its peer metadata. */
  readonly peer: WorkloadInfo | undefined;
  /** Request bytes received from downstream, head and body. */
  readonly requestBytes: number;
  /** Response bytes sent downstream, head and body. */
  readonly responseBytes: number;
  /** The downstream client's SPIFFE identity over mutual TLS; undefined otherwise. */
  readonly peerPrincipal: string | undefined;
  /** Dry-run AuthorizationPolicy results (RBAC shadow rules) as Envoy's `envoy.filters.http.rbac`
   *  dynamic metadata (`<prefix>shadow_engine_result`: allowed / denied, `<prefix>shadow_effective_policy_id`);
   *  undefined when the listener has no shadow rules. */
  readonly rbacShadow?: Readonly<Record<string, string>> | undefined;
  /** When the request started, in milliseconds since the epoch (undefined when it was not timed). */
  readonly startTime?: number | undefined;
  /** Access logs only (a {@link LoggedOutcome}): the response headers sent downstream, for `%RESP()%`. */
  readonly responseHeaders?: HeaderBag | undefined;
  /** Access logs only: Envoy's response code details of a local reply (`route_not_found`,
   *  `fault_filter_abort`...), for `%RESPONSE_CODE_DETAILS%`. */
  readonly responseCodeDetails?: string | undefined;
}

/** The sizes and identity of a downstream request, read when its outcome is finished. */
export interface OutcomeSource {
  readonly authority: string;
  readonly bytesReceived: number;
  readonly bytesSent: number;
  readonly peerPrincipal?: string | undefined;
}

/** Collects an outcome while a request is served, and is the outcome once finished (one object per
 *  request, not two). */
export class OutcomeBuilder implements RequestOutcome {
  #flags = '';
  /** When the request started (performance.now()); NaN when nobody reads the outcome's duration. */
  readonly #start: number;
  status = 0;
  routeConfig: string | undefined = undefined;
  route: string | undefined = undefined;
  cluster: string | undefined = undefined;
  upstreamHost: string | undefined = undefined;
  attempts = 0;
  durationMs = 0;
  authority = '';
  protocol: 'http' | 'grpc' = 'http';
  grpcStatus = '';
  peer: WorkloadInfo | undefined = undefined;
  requestBytes = 0;
  responseBytes = 0;
  peerPrincipal: string | undefined = undefined;
  rbacShadow: Readonly<Record<string, string>> | undefined = undefined;

  /** `timed`: false when the outcome will not be reported, so the clock is not read for it. */
  constructor(
    readonly direction: 'outbound' | 'inbound' = 'outbound',
    timed = true,
  ) {
    this.#start = timed ? performance.now() : Number.NaN;
  }

  get responseFlags(): string {
    return this.#flags === '' ? '-' : this.#flags;
  }

  get startTime(): number | undefined {
    return Number.isNaN(this.#start) ? undefined : performance.timeOrigin + this.#start;
  }

  /** The response head sent downstream (relayed or local). Only a {@link LoggedOutcome} keeps it, so
   *  requests without access logs pay an empty call. */
  noteResponseHead(_headers: HeaderBag): void {}

  /** A local reply's response code details; kept by a {@link LoggedOutcome} only. */
  noteLocalReply(_details: string): void {}

  /** Records a response flag once. */
  flag(flag: string): void {
    if (flag === '') return;
    if (this.#flags === '') this.#flags = flag;
    else if (!this.#flags.split(',').includes(flag)) this.#flags += `,${flag}`;
  }

  /** Finishes the outcome (once, when the request is over); `req` gives its authority and sizes. */
  finish(status: number, req?: OutcomeSource): RequestOutcome {
    this.status = status;
    this.durationMs = performance.now() - this.#start;
    if (req !== undefined) {
      this.authority = req.authority;
      this.requestBytes = req.bytesReceived;
      this.responseBytes = req.bytesSent;
      this.peerPrincipal = req.peerPrincipal;
    }
    return this;
  }
}

/** The outcome of a request an access log will read: it also keeps the response headers and the
 *  local reply's details. Created instead of an OutcomeBuilder only on listeners with access loggers. */
export class LoggedOutcome extends OutcomeBuilder {
  responseHeaders: HeaderBag | undefined = undefined;
  responseCodeDetails: string | undefined = undefined;

  override noteResponseHead(headers: HeaderBag): void {
    this.responseHeaders = headers;
  }

  override noteLocalReply(details: string): void {
    this.responseCodeDetails = details;
  }
}
