// What happened to one request, for telemetry later (access log, istio_requests_total): the
// Envoy-style response flags, the route and upstream chosen, and the attempts made.

/** The result of one proxied request. */
export interface RequestOutcome {
  readonly status: number;
  /** Envoy's `%RESPONSE_FLAGS%`: comma-separated (`UF,URX`), '-' when none. */
  readonly responseFlags: string;
  readonly routeConfig: string | undefined;
  readonly route: string | undefined;
  readonly cluster: string | undefined;
  /** `host:port` of the last endpoint tried. */
  readonly upstreamHost: string | undefined;
  /** Tries sent upstream (0 when the proxy answered itself). */
  readonly attempts: number;
  readonly durationMs: number;
}

/** Collects an outcome while a request is served. */
export class OutcomeBuilder {
  readonly #flags: string[] = [];
  readonly #start = performance.now();
  routeConfig: string | undefined;
  route: string | undefined;
  cluster: string | undefined;
  upstreamHost: string | undefined;
  attempts = 0;

  /** Records a response flag once. */
  flag(flag: string): void {
    if (flag !== '' && !this.#flags.includes(flag)) this.#flags.push(flag);
  }

  /** The finished outcome. */
  finish(status: number): RequestOutcome {
    return Object.freeze({
      status,
      responseFlags: this.#flags.length === 0 ? '-' : this.#flags.join(','),
      routeConfig: this.routeConfig,
      route: this.route,
      cluster: this.cluster,
      upstreamHost: this.upstreamHost,
      attempts: this.attempts,
      durationMs: performance.now() - this.#start,
    });
  }
}
