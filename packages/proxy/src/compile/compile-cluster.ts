// Compiles one Cluster with its endpoints (from EDS, or the inline load_assignment of STATIC and DNS
// clusters) into endpoints, a picker for its lb_policy, its circuit breaker and its outlier detector.
// The live parts (counters, ejections, per-endpoint stats) come from the ClusterRuntime, so a recompile
// only swaps the immutable parts.

import { upstreamHttpOptionsOf, type UpstreamHttpOptions } from '../http2/upstream-protocol.js';
import { createClusterPicker, type LbPolicy } from '../balancer/cluster-picker.js';
import { DEFAULT_LEAST_REQUEST } from '../balancer/lb-least-request.js';
import { DEFAULT_MAGLEV_TABLE_SIZE, isPrime } from '../balancer/lb-maglev.js';
import { createOriginalDstPicker, endpointKey } from '../balancer/lb-original-dst.js';
import { DEFAULT_MAX_RING_SIZE, DEFAULT_MIN_RING_SIZE } from '../balancer/lb-ring-hash.js';
import type { EdsHealth, Endpoint, Picker } from '../balancer/picker.js';
import { DEFAULT_PANIC_THRESHOLD } from '../balancer/priority-load.js';
import { breakerThresholds } from '../cluster/circuit-breaker.js';
import type { ClusterLiveState, ClusterRuntime } from '../cluster/cluster-runtime.js';
import { wrapped, type ClusterResilienceShape } from '../cluster/cluster-shapes.js';
import type { CircuitBreaker, OutlierDetector, TryResult } from '../cluster/cluster-state.js';
import { createHostStats, type HostStats } from '../cluster/host-stats.js';
import { outlierConfig } from '../cluster/outlier-config.js';
import type { ClusterLoadAssignmentShape, ClusterShape } from '../xds-client/envoy-shapes.js';
import { durationMs } from './duration.js';
import { structToPlain, type StructMessage } from '@weft/shared/xds';
import type { TransportSocketShape } from '../tls/downstream-tls.js';
import { loadUpstreamTls, type UpstreamTls } from '../tls/upstream-tls.js';

/**
 * A cluster ready to serve. The request path uses it like this (HTTP; one request, one or more tries):
 *
 * 1. hash: `const hash = action.hashPolicy?.(routeRequest, socket.remoteAddress, cookieGen)`; add every
 *    `cookieGen.setCookies` entry as a `set-cookie` response header.
 * 2. per try: for a retry (try 2+) first `breaker.tryStartRetry()` — false: stop retrying, keep the
 *    last result, flag UO (upstream_rq_retry_overflow); `breaker.endRetry()` when that try ends.
 * 3. `breaker.tryStartRequest()` — false: 503 with flag UO; `breaker.endRequest()` when the try ends.
 * 4. `picker.pick(random, { hash, originalDestination, hostSelectionRetryCount, shouldSelectAnotherHost })`
 *    — undefined: 503 with flag UH.
 * 5. `beginTry(endpoint)` (replaces `endpoint.active++`).
 * 6. a new upstream connection: `breaker.tryOpenConnection(endpoint)` — false: the request waits for a
 *    connection as pending if `breaker.tryStartPending()` (false: 503 UO), `endPending()` once it has
 *    one; `breaker.closeConnection(endpoint)` when the socket closes.
 * 7. `endTry(endpoint, result)` exactly once when the try is over (replaces `endpoint.active--`):
 *    `{ kind: 'status', status }` once response headers arrived (even if the body fails later), else
 *    `connect-failure`, `reset` or `timeout` (per-try or route timeout); `undefined` if the downstream
 *    went away. It feeds outlier detection: never call `outlier.report` as well.
 *
 * TCP proxy: steps 3 (optional), 4 and 6 per connection attempt; report the connect result with
 * `outlier?.report(endpoint, …)`: `{ kind: 'status', status: 200 }` on connect (Envoy's
 * LocalOriginConnectSuccessFinal), `{ kind: 'connect-failure' }` on failure.
 */
export interface CompiledCluster {
  readonly name: string;
  readonly type: string;
  /** Every host of the cluster, in assignment order, all priorities, unhealthy ones included (Envoy
   *  routes to them in panic mode); DRAINING hosts are left out. Empty for ORIGINAL_DST. */
  readonly endpoints: readonly Endpoint[];
  readonly picker: Picker;
  /** connect_timeout, Envoy's 5 s when unset. */
  readonly connectTimeoutMs: number;
  /** How upstream HTTP connections are made (HTTP/1.1 or HTTP/2, idle timeout, limits), from the
   *  cluster's HttpProtocolOptions. */
  readonly upstreamHttp: UpstreamHttpOptions;
  /** TLS for connections to an endpoint (the first of transport_socket_matches its metadata matches,
   *  else transport_socket); undefined when the cluster has no TLS at all (every endpoint plaintext). */
  readonly tlsFor: ((endpoint: Endpoint) => UpstreamTls | undefined) | undefined;
  /** Shared by every compiled version of this cluster name; thresholds from the newest. */
  readonly breaker: CircuitBreaker;
  /** Present when the cluster has outlier_detection. Fed by endTry: do not also call report. */
  readonly outlier: OutlierDetector | undefined;
  /** A try to `endpoint` is being sent: counts rq_active (what least request reads) and rq_total. */
  beginTry(endpoint: Endpoint): void;
  /**
   * The try that beginTry started has ended: rq_active back down; rq_success (non-5xx status), rq_error
   * (5xx, reset, connect failure; cx_connect_fail too) or rq_timeout (per-try or route timeout); and
   * the result goes to outlier detection. `result` undefined means the try was abandoned because the
   * downstream went away: only rq_active changes and outlier detection hears nothing.
   */
  endTry(endpoint: Endpoint, result: TryResult | undefined): void;
}

/** Maps EDS health_status to load-balancing health; undefined for DRAINING (left out). */
function edsHealth(status: string | undefined): EdsHealth | undefined {
  switch (status) {
    case 'UNHEALTHY':
    case 'TIMEOUT':
      return 'unhealthy';
    case 'DEGRADED':
      return 'degraded';
    case 'DRAINING':
      return undefined;
    default:
      return 'healthy';
  }
}

/** An endpoint whose `active` is the live rq_active of `stats`. */
function liveEndpoint(fields: Omit<Endpoint, 'active' | 'stats'>, stats: HostStats): Endpoint {
  const e = { ...fields, stats } as Endpoint;
  Object.defineProperty(e, 'active', {
    enumerable: true,
    get: () => stats.rqActive,
    set: (v: number) => {
      stats.rqActive = v;
    },
  });
  return Object.freeze(e);
}

/** The hosts of a ClusterLoadAssignment with their live stats from `state` (fresh ones when absent). */
export function endpointsOf(cla: ClusterLoadAssignmentShape | undefined, state?: ClusterLiveState): Endpoint[] {
  const out: Endpoint[] = [];
  for (const locality of cla?.endpoints ?? []) {
    const where = [locality.locality?.region ?? '', locality.locality?.zone ?? '', locality.locality?.sub_zone ?? ''].join('/');
    const priority = locality.priority ?? 0;
    const localityWeight = locality.load_balancing_weight?.value ?? 0;
    for (const lb of locality.lb_endpoints ?? []) {
      const health = edsHealth(lb.health_status);
      if (health === undefined) continue;
      const sa = lb.endpoint?.address?.socket_address;
      if (!sa?.address || !sa.port_value) continue;
      const key = endpointKey(sa.address, sa.port_value);
      const stats = state ? state.hostStats(key) : createHostStats();
      out.push(
        liveEndpoint(
          {
            host: sa.address,
            port: sa.port_value,
            key,
            weight: lb.load_balancing_weight?.value || 1,
            locality: where,
            priority,
            localityWeight,
            edsHealth: health,
            ...(lb.endpoint?.hostname ? { hostname: lb.endpoint.hostname } : {}),
            ...transportMatchOf(lb),
          },
          stats,
        ),
      );
    }
  }
  return out;
}

/** An endpoint's `envoy.transport_socket_match` filter metadata, as a plain object. */
function transportMatchOf(lb: unknown): { transportMatch?: Readonly<Record<string, unknown>> } {
  const m = (lb as { metadata?: { filter_metadata?: Record<string, unknown> } }).metadata?.filter_metadata?.['envoy.transport_socket_match'];
  if (m === null || typeof m !== 'object') return {};
  const plain = 'fields' in m ? structToPlain(m as StructMessage) : (m as Record<string, unknown>);
  return { transportMatch: Object.freeze(plain) };
}

/** Envoy's transport socket choice: the first match whose every field equals the endpoint's metadata
 *  (an empty match takes every endpoint), else the cluster's transport_socket. */
function compileTls(cluster: ClusterShape): CompiledCluster['tlsFor'] {
  const shape = cluster as { transport_socket?: TransportSocketShape; transport_socket_matches?: readonly { match?: unknown; transport_socket?: TransportSocketShape }[] };
  const tlsOf = (ts: TransportSocketShape | undefined): UpstreamTls | undefined => {
    const r = loadUpstreamTls(ts);
    return r.ok ? r.tls : undefined; // refused configs never get here (validate-cluster.ts NACKs them)
  };
  const fallback = tlsOf(shape.transport_socket);
  const matches = (shape.transport_socket_matches ?? []).map((m) => {
    const raw = m.match as StructMessage | Record<string, unknown> | undefined;
    const match = raw && typeof raw === 'object' && 'fields' in raw ? structToPlain(raw as StructMessage) : ((raw ?? {}) as Record<string, unknown>);
    return { match: Object.entries(match), tls: tlsOf(m.transport_socket) };
  });
  if (matches.length === 0) return fallback === undefined ? undefined : () => fallback;
  if (matches.every((m) => m.tls === undefined) && fallback === undefined) return undefined;
  return (endpoint) => {
    const meta = endpoint.transportMatch;
    for (const m of matches) if (m.match.every(([k, v]) => meta !== undefined && meta[k] === v)) return m.tls;
    return fallback;
  };
}

const LIST_POLICIES = new Set<string>(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV']);

/** The stats of `e` (from the endpoint, else from the runtime by key). */
const statsOf = (state: ClusterLiveState, e: Endpoint): HostStats => e.stats ?? state.hostStats(e.key);

/** Compiles `cluster`; `assignments` holds the accepted ClusterLoadAssignments by name. An EDS cluster
 *  whose assignment has not arrived has no endpoints (503 UH), as a warming cluster would in Envoy.
 *  Updates `runtime`'s state of this cluster: thresholds, outlier config and host list. */
export function compileCluster(cluster: ClusterShape, assignments: ReadonlyMap<string, ClusterLoadAssignmentShape>, runtime: ClusterRuntime): CompiledCluster {
  const name = cluster.name ?? '';
  const type = cluster.type ?? 'STATIC';
  const shape = cluster as ClusterShape & ClusterResilienceShape;
  const state = runtime.cluster(name);
  state.breaker.configure(breakerThresholds(shape.circuit_breakers?.thresholds));
  const outlierCfg = type === 'ORIGINAL_DST' ? undefined : outlierConfig(shape.outlier_detection);

  let endpoints: readonly Endpoint[] = [];
  let picker: Picker;
  if (type === 'ORIGINAL_DST') {
    state.outlier.configure(undefined, []);
    picker = createOriginalDstPicker(
      (host, port, key) => liveEndpoint({ host, port, key, weight: 1, locality: '//' }, state.hostStats(key)),
      (key) => state.releaseHost(key),
    );
  } else {
    const cla = type === 'EDS' ? assignments.get(cluster.eds_cluster_config?.service_name || name) : cluster.load_assignment;
    endpoints = Object.freeze(endpointsOf(cla, state));
    const keys = new Set(endpoints.map((e) => e.key));
    state.retainHosts(keys);
    state.outlier.configure(outlierCfg, keys);
    const policy = (LIST_POLICIES.has(cluster.lb_policy ?? '') ? cluster.lb_policy : 'ROUND_ROBIN') as LbPolicy;
    const common = shape.common_lb_config;
    const tableSize = wrapped(shape.maglev_lb_config?.table_size, DEFAULT_MAGLEV_TABLE_SIZE);
    const bias = shape.least_request_lb_config?.active_request_bias?.default_value;
    picker = createClusterPicker({
      policy,
      endpoints,
      ...(outlierCfg ? { health: state.outlier } : {}),
      panicThreshold: common?.healthy_panic_threshold ? Math.round(Number(common.healthy_panic_threshold.value ?? 0)) : DEFAULT_PANIC_THRESHOLD,
      localityWeighted: common?.locality_weighted_lb_config !== undefined,
      leastRequest: {
        choiceCount: wrapped(shape.least_request_lb_config?.choice_count, DEFAULT_LEAST_REQUEST.choiceCount),
        activeRequestBias: typeof bias === 'number' && bias >= 0 ? bias : DEFAULT_LEAST_REQUEST.activeRequestBias,
      },
      ringHash: {
        minRingSize: wrapped(shape.ring_hash_lb_config?.minimum_ring_size, DEFAULT_MIN_RING_SIZE),
        maxRingSize: Math.min(DEFAULT_MAX_RING_SIZE, wrapped(shape.ring_hash_lb_config?.maximum_ring_size, DEFAULT_MAX_RING_SIZE)),
      },
      // Envoy refuses a table size that is not prime; the validator should have NACKed it, so fall back.
      maglevTableSize: isPrime(tableSize) ? tableSize : DEFAULT_MAGLEV_TABLE_SIZE,
      seed: runtime.random,
    });
  }
  const outlier = outlierCfg ? state.outlier : undefined;
  return Object.freeze({
    name,
    type,
    endpoints,
    picker,
    connectTimeoutMs: durationMs(shape.connect_timeout) ?? 5000,
    upstreamHttp: upstreamHttpOptionsOf(shape),
    tlsFor: compileTls(cluster),
    breaker: state.breaker,
    outlier,
    beginTry(endpoint: Endpoint): void {
      const s = statsOf(state, endpoint);
      s.rqActive++;
      s.rqTotal++;
    },
    endTry(endpoint: Endpoint, result: TryResult | undefined): void {
      const s = statsOf(state, endpoint);
      if (s.rqActive > 0) s.rqActive--;
      if (!result) return;
      if (result.kind === 'status') {
        if (result.status >= 500 && result.status < 600) s.rqError++;
        else s.rqSuccess++;
      } else if (result.kind === 'timeout') s.rqTimeout++;
      else {
        s.rqError++;
        if (result.kind === 'connect-failure') s.cxConnectFail++;
      }
      outlier?.report(endpoint, result);
    },
  });
}
