// Envoy's outlier detection for one cluster (DetectorImpl in outlier_detection_impl.cc). Consecutive
// 5xx, gateway-failure and local-origin-failure ejections happen as soon as the count is reached;
// success-rate and failure-percentage ejections, returns from ejection and the back-off decay happen on
// the interval. There is no timer: the interval's ticks are run lazily, in order and at their own times,
// whenever a report or a pick reads the detector, so results match a timer's. One instance per cluster
// name lives in the ClusterRuntime; a recompile changes its config and its host list only.

import type { Endpoint } from '../balancer/picker.js';
import type { OutlierDetector, TryResult } from './cluster-state.js';
import type { OutlierConfig } from './outlier-config.js';

/** Envoy's ejection types (envoy.data.cluster.v3.OutlierEjectionType), as its stat suffixes. */
export type EjectionType =
  | 'consecutive_5xx'
  | 'consecutive_gateway_failure'
  | 'consecutive_local_origin_failure'
  | 'success_rate'
  | 'local_origin_success_rate'
  | 'failure_percentage'
  | 'local_origin_failure_percentage';

/** Envoy's outlier_detection.* cluster stats. */
export interface OutlierStats {
  /** Gauge: hosts ejected now. */
  ejectionsActive: number;
  ejectionsEnforcedTotal: number;
  /** Ejections refused by max_ejection_percent. */
  ejectionsOverflow: number;
  readonly detected: Record<EjectionType, number>;
  readonly enforced: Record<EjectionType, number>;
}

/** A success-rate average and ejection threshold; -1 when not computed in the last interval. */
export interface SuccessRateNumbers {
  readonly average: number;
  readonly ejectionThreshold: number;
}

interface Bucket {
  success: number;
  total: number;
}

/** Two buckets: requests of the running interval, and those of the last complete one. */
class SuccessRateMonitor {
  current: Bucket = { success: 0, total: 0 };
  backup: Bucket = { success: 0, total: 0 };
  /** The host's success rate in the last interval, -1 when not computed. */
  rate = -1;

  swap(): void {
    const b = this.backup;
    b.success = 0;
    b.total = 0;
    this.backup = this.current;
    this.current = b;
  }

  /** [success rate %, volume] of the last complete interval, undefined without requests. */
  rateAndVolume(): [number, number] | undefined {
    const b = this.backup;
    return b.total === 0 ? undefined : [(b.success * 100) / b.total, b.total];
  }

  isIdle(): boolean {
    return this.current.total === 0 && this.backup.total === 0;
  }
}

/** The outlier state of one host. */
class HostMonitor {
  ejected = false;
  numEjections = 0;
  lastEjection = 0;
  lastUnejection: number | undefined;
  /** Envoy's ejectTimeBackoff: ejection time is base × this, up to max; decays while healthy. */
  backoff = 0;
  jitter = 0;
  consecutive5xx = 0;
  consecutiveGateway = 0;
  consecutiveLocal = 0;
  readonly external = new SuccessRateMonitor();
  readonly local = new SuccessRateMonitor();
}

const zeroByType = (): Record<EjectionType, number> => ({
  consecutive_5xx: 0,
  consecutive_gateway_failure: 0,
  consecutive_local_origin_failure: 0,
  success_rate: 0,
  local_origin_success_rate: 0,
  failure_percentage: 0,
  local_origin_failure_percentage: 0,
});

/** Ticks run in one catch-up before the detector stops being exact (only after absurdly long idling
 *  with a tiny interval). */
const MAX_CATCH_UP_TICKS = 10_000;

const NO_RATE: SuccessRateNumbers = Object.freeze({ average: -1, ejectionThreshold: -1 });

/** The outlier detector of one cluster name. Inactive (never ejects) until configured. */
export class ClusterOutlierDetector implements OutlierDetector {
  readonly #clock: () => number;
  readonly #random: () => number;
  #config: OutlierConfig | undefined;
  readonly #hosts = new Map<string, HostMonitor>();
  #epoch = 0;
  #nextTick = 0;
  #external: SuccessRateNumbers = NO_RATE;
  #local: SuccessRateNumbers = NO_RATE;
  readonly stats: OutlierStats = { ejectionsActive: 0, ejectionsEnforcedTotal: 0, ejectionsOverflow: 0, detected: zeroByType(), enforced: zeroByType() };

  /** `clock` is monotonic milliseconds; `random` in [0, 1) draws enforcement percentages and jitter. */
  constructor(clock: () => number, random: () => number) {
    this.#clock = clock;
    this.#random = random;
  }

  /** Whether the newest config has outlier_detection. */
  get enabled(): boolean {
    return this.#config !== undefined;
  }

  get config(): OutlierConfig | undefined {
    return this.#config;
  }

  /**
   * Applies the newest config and host list (endpoint keys). Hosts that left lose their state (Envoy
   * drops their monitors); new hosts start clean. Without a config every host is returned and the
   * detector goes quiet. A changed interval restarts the interval from now.
   */
  configure(config: OutlierConfig | undefined, keys: Iterable<string>): void {
    const now = this.#clock();
    if (!config) {
      if (this.#config) {
        this.#hosts.clear();
        this.stats.ejectionsActive = 0;
        this.#external = NO_RATE;
        this.#local = NO_RATE;
        this.#config = undefined;
        this.#epoch++;
      }
      return;
    }
    if (this.#config?.intervalMs !== config.intervalMs) this.#nextTick = now + config.intervalMs;
    this.#config = config;
    const keep = new Set(keys);
    for (const [key, m] of this.#hosts) {
      if (keep.has(key)) continue;
      this.#hosts.delete(key);
      if (m.ejected) {
        this.stats.ejectionsActive--;
        this.#epoch++;
      }
    }
    for (const key of keep) if (!this.#hosts.has(key)) this.#hosts.set(key, new HostMonitor());
  }

  refresh(): number {
    if (this.#config) this.#advance(this.#clock());
    return this.#epoch;
  }

  isEjected(endpoint: Endpoint): boolean {
    return this.#hosts.get(endpoint.key)?.ejected === true;
  }

  /** Whether the host `key` is ejected, how often it was, and its success rates, for the admin API. */
  host(key: string): { readonly ejected: boolean; readonly numEjections: number; readonly successRate: number; readonly localOriginSuccessRate: number } | undefined {
    const m = this.#hosts.get(key);
    return m && { ejected: m.ejected, numEjections: m.numEjections, successRate: m.external.rate, localOriginSuccessRate: m.local.rate };
  }

  /** The cluster's success-rate numbers of the last interval (external or local origin). */
  successRate(origin: 'external' | 'local'): SuccessRateNumbers {
    return origin === 'external' ? this.#external : this.#local;
  }

  report(endpoint: Endpoint, result: TryResult): void {
    const config = this.#config;
    if (!config) return;
    const now = this.#clock();
    this.#advance(now);
    const m = this.#hosts.get(endpoint.key);
    if (!m) return;
    if (config.splitExternalLocalOriginErrors) {
      // Local-origin errors have their own counter; a response means the connection worked.
      if (result.kind === 'status') {
        this.#localOriginSuccess(m);
        this.#putHttpStatus(m, result.status, now);
      } else this.#localOriginFailure(m, now);
      return;
    }
    // Not split: Envoy maps a connect failure or reset to 503 and a timeout to 504.
    const status = result.kind === 'status' ? result.status : result.kind === 'timeout' ? 504 : 503;
    this.#putHttpStatus(m, status, now);
  }

  #putHttpStatus(m: HostMonitor, status: number, now: number): void {
    const config = this.#config as OutlierConfig;
    m.external.current.total++;
    if (status >= 500 && status < 600) {
      if (status >= 502 && status <= 504) {
        if (++m.consecutiveGateway === config.consecutiveGatewayFailure) this.#onConsecutive(m, 'consecutive_gateway_failure', now);
      } else m.consecutiveGateway = 0;
      if (++m.consecutive5xx === config.consecutive5xx) this.#onConsecutive(m, 'consecutive_5xx', now);
    } else {
      m.external.current.success++;
      m.consecutive5xx = 0;
      m.consecutiveGateway = 0;
    }
  }

  #localOriginFailure(m: HostMonitor, now: number): void {
    m.local.current.total++;
    if (++m.consecutiveLocal === (this.#config as OutlierConfig).consecutiveLocalOriginFailure) this.#onConsecutive(m, 'consecutive_local_origin_failure', now);
  }

  #localOriginSuccess(m: HostMonitor): void {
    m.local.current.total++;
    m.local.current.success++;
    m.consecutiveLocal = 0;
  }

  /** A consecutive-error count reached its threshold. An ejected host keeps counting (and does not
   *  trigger again until its counters are reset on return), as in Envoy. */
  #onConsecutive(m: HostMonitor, type: EjectionType, now: number): void {
    if (m.ejected) return;
    this.stats.detected[type]++;
    this.#eject(m, type, now);
    if (type === 'consecutive_5xx') m.consecutive5xx = 0;
    else if (type === 'consecutive_gateway_failure') m.consecutiveGateway = 0;
    else m.consecutiveLocal = 0;
  }

  #enforcing(type: EjectionType): number {
    const c = this.#config as OutlierConfig;
    switch (type) {
      case 'consecutive_5xx':
        return c.enforcingConsecutive5xx;
      case 'consecutive_gateway_failure':
        return c.enforcingConsecutiveGatewayFailure;
      case 'consecutive_local_origin_failure':
        return c.enforcingConsecutiveLocalOriginFailure;
      case 'success_rate':
        return c.enforcingSuccessRate;
      case 'local_origin_success_rate':
        return c.enforcingLocalOriginSuccessRate;
      case 'failure_percentage':
        return c.enforcingFailurePercentage;
      case 'local_origin_failure_percentage':
        return c.enforcingFailurePercentageLocalOrigin;
    }
  }

  /** Envoy's ejectHost: refused past max_ejection_percent of all hosts (unless
   *  always_eject_one_host and none is ejected), then enforced with the type's percentage. */
  #eject(m: HostMonitor, type: EjectionType, now: number): void {
    const c = this.#config as OutlierConfig;
    const ejectedPercent = (100 * (this.stats.ejectionsActive + 1)) / this.#hosts.size;
    const allowed = ejectedPercent <= c.maxEjectionPercent || (c.alwaysEjectOneHost && this.stats.ejectionsActive === 0);
    if (!allowed) {
      this.stats.ejectionsOverflow++;
      return;
    }
    if (!(this.#random() * 100 < this.#enforcing(type))) return;
    this.stats.ejectionsActive++;
    this.stats.ejectionsEnforcedTotal++;
    this.stats.enforced[type]++;
    m.ejected = true;
    m.numEjections++;
    m.lastEjection = now;
    m.jitter = Math.floor(this.#random() * (c.maxEjectionTimeJitterMs + 1));
    if (m.backoff * c.baseEjectionTimeMs < c.maxEjectionTimeMs + c.baseEjectionTimeMs) m.backoff++;
    this.#epoch++;
  }

  #uneject(m: HostMonitor, now: number): void {
    m.ejected = false;
    // Fresh counters, so a host close to a threshold is not ejected again on one error.
    m.consecutive5xx = 0;
    m.consecutiveGateway = 0;
    m.consecutiveLocal = 0;
    m.lastUnejection = now;
    this.stats.ejectionsActive--;
    this.#epoch++;
  }

  /** Runs every interval tick due by `now`, each at its own time. */
  #advance(now: number): void {
    const c = this.#config as OutlierConfig;
    for (let ticks = 0; now >= this.#nextTick; ticks++) {
      // After two idle ticks both buckets are empty; once nothing is ejected or backing off, further
      // ticks change nothing and can be skipped.
      if ((ticks >= 2 && this.#isQuiet()) || ticks >= MAX_CATCH_UP_TICKS) {
        this.#nextTick += (Math.floor((now - this.#nextTick) / c.intervalMs) + 1) * c.intervalMs;
        return;
      }
      this.#tick(this.#nextTick);
      this.#nextTick += c.intervalMs;
    }
  }

  #isQuiet(): boolean {
    for (const m of this.#hosts.values()) if (m.ejected || m.backoff > 0 || !m.external.isIdle() || !m.local.isIdle()) return false;
    return true;
  }

  /** Envoy's onIntervalTimer at time `t`. */
  #tick(t: number): void {
    const c = this.#config as OutlierConfig;
    for (const m of this.#hosts.values()) {
      if (m.ejected && Math.min(c.baseEjectionTimeMs * m.backoff, c.maxEjectionTimeMs) + m.jitter <= t - m.lastEjection) this.#uneject(m, t);
      m.external.swap();
      m.local.swap();
      m.external.rate = -1;
      m.local.rate = -1;
    }
    this.#external = this.#successRateEjections('external', t);
    this.#local = this.#successRateEjections('local', t);
    for (const m of this.#hosts.values()) {
      if (!m.ejected && m.lastUnejection !== undefined && t - m.lastUnejection >= c.intervalMs && m.backoff > 0) m.backoff--;
    }
  }

  /** Envoy's processSuccessRateEjections for one origin; returns the cluster's numbers. */
  #successRateEjections(origin: 'external' | 'local', t: number): SuccessRateNumbers {
    const c = this.#config as OutlierConfig;
    if (this.#hosts.size < c.successRateMinimumHosts && this.#hosts.size < c.failurePercentageMinimumHosts) return NO_RATE;
    const srHosts: [HostMonitor, number][] = [];
    const fpHosts: [HostMonitor, number][] = [];
    let sum = 0;
    for (const m of this.#hosts.values()) {
      if (m.ejected) continue;
      const monitor = origin === 'external' ? m.external : m.local;
      const rv = monitor.rateAndVolume();
      if (!rv) continue;
      const [rate, volume] = rv;
      if (volume >= Math.min(c.successRateRequestVolume, c.failurePercentageRequestVolume)) monitor.rate = rate;
      if (volume >= c.successRateRequestVolume) {
        srHosts.push([m, rate]);
        sum += rate;
      }
      if (volume >= c.failurePercentageRequestVolume) fpHosts.push([m, rate]);
    }
    let numbers = NO_RATE;
    if (srHosts.length > 0 && srHosts.length >= c.successRateMinimumHosts) {
      const mean = sum / srHosts.length;
      const variance = srHosts.reduce((a, [, r]) => a + (r - mean) ** 2, 0) / srHosts.length;
      const threshold = mean - c.successRateStdevFactor * Math.sqrt(variance);
      numbers = { average: mean, ejectionThreshold: threshold };
      const type: EjectionType = origin === 'external' ? 'success_rate' : 'local_origin_success_rate';
      for (const [m, rate] of srHosts) {
        if (rate < threshold) {
          this.stats.detected[type]++;
          this.#eject(m, type, t);
        }
      }
    }
    if (fpHosts.length > 0 && fpHosts.length >= c.failurePercentageMinimumHosts) {
      const type: EjectionType = origin === 'external' ? 'failure_percentage' : 'local_origin_failure_percentage';
      for (const [m, rate] of fpHosts) {
        if (100 - rate >= c.failurePercentageThreshold && !m.ejected) {
          this.stats.detected[type]++;
          this.#eject(m, type, t);
        }
      }
    }
    return numbers;
  }
}
