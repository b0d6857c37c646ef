// What Istio's Prometheus metrics of a proxy look like per direction: Telemetry `metrics` merged over
// the levels that apply (Istio's mergeMetrics, pilot/pkg/model/telemetry.go), or undefined when no
// Telemetry has `metrics`. A lookup only: the `istio.stats` filter is generators/filter-istio-stats.ts's.

import type { TelemetryMetricOverride } from '@weft/shared';
import { applicableTelemetries, type WorkloadMode } from './lookup-telemetry.js';
import type { MeshSnapshot } from './mesh-snapshot.js';
import { PROMETHEUS_PROVIDER } from './mesh-telemetry.js';
import type { ProxyView } from './proxy-view.js';

/** One tag override of one metric (Istio's tagOverride): remove it, or set it to `value`. */
export interface TagOverride {
  readonly name: string;
  readonly remove: boolean;
  readonly value: string;
}

/** The merged override of one metric (Istio's metricsOverride), `name` being Istio's metric enum name
 *  (`REQUEST_COUNT`) or a custom metric's name. */
export interface MetricOverride {
  readonly name: string;
  readonly disabled: boolean;
  /** Sorted by name. */
  readonly tags: readonly TagOverride[];
}

/** The metrics of one mode (Istio's metricsConfig.ClientMetrics / ServerMetrics). */
export interface ModeMetrics {
  /** Every metric is off (an ALL_METRICS override with `disabled: true` at the most specific level). */
  readonly disabled: boolean;
  /** Sorted by metric name. */
  readonly overrides: readonly MetricOverride[];
}

/** The Prometheus provider's metrics per mode. */
export interface MetricsConfig {
  readonly client: ModeMetrics;
  readonly server: ModeMetrics;
}

/** Istio's metric enum names, ALL_METRICS excepted, sorted (Istio's allMetrics). */
export const ALL_METRIC_NAMES: readonly string[] = Object.freeze(
  [
    'REQUEST_COUNT',
    'REQUEST_DURATION',
    'REQUEST_SIZE',
    'RESPONSE_SIZE',
    'TCP_OPENED_CONNECTIONS',
    'TCP_CLOSED_CONNECTIONS',
    'TCP_SENT_BYTES',
    'TCP_RECEIVED_BYTES',
    'GRPC_REQUEST_MESSAGES',
    'GRPC_RESPONSE_MESSAGES',
  ].sort(),
);

type Match = TelemetryMetricOverride['match'];

/** Istio's isAllMetrics: no metric named (or ALL_METRICS); a custom metric is never all. */
const isAllMetrics = (match: Match): boolean => match?.customMetric === undefined && (match?.metric === undefined || match.metric === 'ALL_METRICS');

/** Istio's getMatches. */
function matchesOf(match: Match): readonly string[] {
  if (match?.customMetric !== undefined) return [match.customMetric];
  if (match?.metric === undefined || match.metric === 'ALL_METRICS') return ALL_METRIC_NAMES;
  return [match.metric];
}

/** Istio's getModes. */
const modesOf = (mode: NonNullable<Match>['mode']): WorkloadMode[] => (mode === 'CLIENT' || mode === 'SERVER' ? [mode] : ['CLIENT', 'SERVER']);

interface Merged {
  disabled: boolean | undefined;
  tags: Map<string, { operation?: string; value?: string }>;
}

/**
 * Istio's mergeMetrics for the Prometheus provider over the Telemetries applying to `proxy` (least
 * specific first): undefined when none has `metrics`. Providers named at a level replace the parent's
 * (default `prometheus`, MeshConfig defaultProviders.metrics); when the last providers in scope leave
 * Prometheus out, both modes are disabled. Overrides are applied in order, later ones over earlier
 * ones, per mode and metric: `disabled` replaces, tag overrides are merged by tag name. An ALL_METRICS
 * override with `disabled: true` turns the whole mode off until a later override enables a metric.
 */
export function metricsFor(snapshot: MeshSnapshot, proxy: Pick<ProxyView, 'namespace' | 'labels'>): MetricsConfig | undefined {
  const entries = applicableTelemetries(snapshot, proxy).flatMap((t) => t.spec.metrics ?? []);
  if (entries.length === 0) return undefined;
  const defaults = snapshot.mesh.defaultProviders?.metrics ?? [PROMETHEUS_PROVIDER];
  const names = (providers: readonly { name: string }[] | undefined): string[] => (providers ?? []).map((p) => p.name.toLowerCase());
  let inScope: string[] = defaults.map((n) => n.toLowerCase());
  for (const e of entries) if (names(e.providers).length > 0) inScope = names(e.providers);
  const off: ModeMetrics = { disabled: true, overrides: [] };
  if (!inScope.includes(PROMETHEUS_PROVIDER)) return { client: off, server: off };

  const perMode: Record<WorkloadMode, Map<string, Merged>> = { CLIENT: new Map(), SERVER: new Map() };
  const allDisabled: Record<WorkloadMode, boolean> = { CLIENT: false, SERVER: false };
  let parent = defaults.map((n) => n.toLowerCase());
  for (const e of entries) {
    const providers = names(e.providers).length > 0 ? names(e.providers) : parent;
    parent = providers;
    if (!providers.includes(PROMETHEUS_PROVIDER)) continue;
    for (const o of e.overrides ?? []) {
      if (isAllMetrics(o.match) && o.disabled === true) {
        for (const mode of modesOf(o.match?.mode)) allDisabled[mode] = true;
        continue;
      }
      for (const mode of modesOf(o.match?.mode)) {
        // A mesh-wide "disable everything" enabled again by a narrower level.
        allDisabled[mode] = false;
        for (const metric of matchesOf(o.match)) {
          let m = perMode[mode].get(metric);
          if (!m) perMode[mode].set(metric, (m = { disabled: undefined, tags: new Map() }));
          if (o.disabled != null) m.disabled = o.disabled;
          for (const [tag, v] of Object.entries(o.tagOverrides ?? {})) m.tags.set(tag, v);
        }
      }
    }
  }
  const finish = (mode: WorkloadMode): ModeMetrics => {
    if (allDisabled[mode]) return off;
    const overrides = [...perMode[mode]]
      .map(([name, m]): MetricOverride => ({
        name,
        disabled: m.disabled === true,
        tags: [...m.tags]
          .map(([tag, v]): TagOverride => (v.operation === 'REMOVE' ? { name: tag, remove: true, value: '' } : { name: tag, remove: false, value: v.value ?? '' }))
          .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { disabled: false, overrides };
  };
  return { client: finish('CLIENT'), server: finish('SERVER') };
}
