// weft-injector's Prometheus metrics under Istio's names and types (pkg/kube/inject/monitoring.go),
// in one prom-client Registry per injector (tests run several). Definitions only: the webhook server
// records them. Semantics follow Istio's serveInject exactly, see docs/architecture/injector.md.

import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

// Istio records sidecar_injection_time_seconds per request; its bucket list is not part of the data
// Weft conforms to, so these double from 1 ms (an injection takes a few ms).
const TIME_BUCKETS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096];

/** Every metric weft-injector exports. None has labels, as in Istio. */
export interface InjectionMetrics {
  readonly registry: Registry;
  /** The Prometheus text exposition of every metric. */
  scrape(): Promise<string>;
  /** Every request to /inject (Istio: "Total number of sidecar injection requests."). */
  readonly requests: Counter;
  /** Every AdmissionReview response written, including skips and denials (Istio counts a written response). */
  readonly success: Counter;
  /** Pods the policy did not inject. */
  readonly skip: Counter;
  /** Bad requests (no body, wrong content type, too large, not an AdmissionReview) and pods that could not be injected. */
  readonly failure: Counter;
  /** Time to handle one request, in seconds. */
  readonly time: Histogram;
}

/** Creates the metrics in a fresh registry, plus Node's default process metrics (`process_*`, `nodejs_*`). */
export function createInjectionMetrics(): InjectionMetrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    scrape: () => registry.metrics(),
    requests: new Counter({ name: 'sidecar_injection_requests_total', help: 'Total number of sidecar injection requests.', registers }),
    success: new Counter({ name: 'sidecar_injection_success_total', help: 'Total number of successful sidecar injection requests.', registers }),
    skip: new Counter({ name: 'sidecar_injection_skip_total', help: 'Total number of skipped sidecar injection requests.', registers }),
    failure: new Counter({ name: 'sidecar_injection_failure_total', help: 'Total number of failed sidecar injection requests.', registers }),
    time: new Histogram({ name: 'sidecar_injection_time_seconds', help: 'Total time taken for injection in seconds.', buckets: TIME_BUCKETS, registers }),
  };
}
