// The Telemetry-driven parts of a proxy's HTTP connection managers that are not access logs: the
// `tracing` field (filter-tracing.ts) and the `istio.stats` filter of metric overrides
// (filter-istio-stats.ts), applied to the listeners once they are built.

import type { MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { listenerStatsFor, withStatsFilter } from './filter-istio-stats.js';
import { listenerTracingFor, withTracing } from './filter-tracing.js';
import type { EnvoyResource } from './types.js';

/** `listeners` with `proxy`'s tracing and metric overrides on every HCM; the same array when neither
 *  applies. */
export function withTelemetryFilters(listeners: EnvoyResource[], snapshot: MeshSnapshot, proxy: ProxyView): EnvoyResource[] {
  return withStatsFilter(withTracing(listeners, listenerTracingFor(snapshot, proxy)), listenerStatsFor(snapshot, proxy));
}
