// Public surface of @weft/cli: the program, for embedding and tests.
export { createProgram, run } from './program.js';
export type { Io } from './io.js';
export { findPrometheus, prometheusArgs, renderPrometheusConfig, PROMETHEUS_INSTALL_HINT, type PrometheusTargets, type ScrapeTarget } from './local/prometheus.js';
