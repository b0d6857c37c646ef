// Istio's `istio.stats` HTTP filter config (istio/proxy stats.PluginConfig, sent by weftd as an
// xds.type.v3.TypedStruct): per-metric overrides of the standard metrics, compiled once per listener
// update. IstioMetrics applies them when a series is created: a dropped metric has no lines, removed
// tags are left out, added tags come last with their value.

import { ISTIO_STATS_CONFIG_TYPE_URL, structToPlain, TYPE_URL, type StructMessage } from '@weft/shared/xds';

/** The HTTP metrics IstioMetrics keeps, by the stats plugin's names, in its render order. */
export const HTTP_METRIC_NAMES: readonly string[] = Object.freeze(['requests_total', 'request_duration_milliseconds', 'request_bytes', 'response_bytes']);

/** What happens to one metric. */
export interface MetricOverride {
  readonly drop: boolean;
  readonly remove: ReadonlySet<string>;
  /** Tags set (UPSERT): a standard tag keeps its place with the new value; a new one comes last. */
  readonly set: readonly (readonly [string, string])[];
}

/** A listener's overrides, by {@link HTTP_METRIC_NAMES} index (undefined: unchanged). */
export interface MetricOverrides {
  readonly byMetric: readonly (MetricOverride | undefined)[];
  /** Label text per metric for a series whose standard labels are `names` = `values` (undefined:
   *  the metric is dropped). Built once per series. */
  labels(names: readonly string[], values: readonly string[]): readonly (string | undefined)[];
}

const escapeLabel = (value: string): string => (/[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value);

/**
 * A dimension's value: Istio's are CEL expressions over request attributes. A CEL string literal
 * (`'v'` or `"v"`) is its content; weft-proxy evaluates no other expression, so any other text is
 * taken as the value itself (labels are built once per series, never per request).
 */
export function dimensionValue(expression: string): string {
  const e = expression.trim();
  if (e.length >= 2 && (e[0] === "'" || e[0] === '"') && e[e.length - 1] === e[0]) return e.slice(1, -1);
  return e;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined);
/** A field by its proto name or its JSON (lowerCamel) name. */
const field = (o: Obj, name: string): unknown => o[name] ?? o[name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase())];

/** Compiled overrides, or the problems (a NACK) of a PluginConfig (a plain JSON object). */
export function compileStatsConfig(config: unknown): { ok: true; overrides: MetricOverrides | undefined } | { ok: false; problems: string[] } {
  const c = obj(config) ?? {};
  const problems: string[] = [];
  const byMetric: (MetricOverride | undefined)[] = HTTP_METRIC_NAMES.map(() => undefined);
  const metrics = field(c, 'metrics');
  if (metrics !== undefined && !Array.isArray(metrics)) problems.push('metrics: must be a list');
  for (const [i, raw] of (Array.isArray(metrics) ? metrics : []).entries()) {
    const m = obj(raw);
    if (!m) {
      problems.push(`metrics[${i}]: must be an object`);
      continue;
    }
    const name = typeof m.name === 'string' ? m.name : '';
    const dims = obj(field(m, 'dimensions')) ?? {};
    const remove = field(m, 'tags_to_remove');
    if (remove !== undefined && (!Array.isArray(remove) || remove.some((t) => typeof t !== 'string'))) problems.push(`metrics[${i}].tags_to_remove: must be a list of strings`);
    const set: [string, string][] = [];
    for (const [k, v] of Object.entries(dims)) {
      if (typeof v !== 'string') problems.push(`metrics[${i}].dimensions.${k}: must be a string`);
      else set.push([k, dimensionValue(v)]);
    }
    // An entry without a name applies to every metric (the stats plugin's MetricConfig.name).
    const targets = name === '' ? HTTP_METRIC_NAMES.map((_n, j) => j) : [HTTP_METRIC_NAMES.indexOf(name)].filter((j) => j >= 0);
    for (const j of targets) {
      const before = byMetric[j];
      const removed = new Set([...(before?.remove ?? []), ...(Array.isArray(remove) ? (remove as string[]) : [])]);
      const merged = new Map([...(before?.set ?? []), ...set]);
      byMetric[j] = { drop: m.drop === true || (before?.drop ?? false), remove: removed, set: [...merged] };
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  if (byMetric.every((m) => m === undefined)) return { ok: true, overrides: undefined };
  return { ok: true, overrides: createOverrides(byMetric) };
}

function createOverrides(byMetric: readonly (MetricOverride | undefined)[]): MetricOverrides {
  return Object.freeze({
    byMetric,
    labels(names: readonly string[], values: readonly string[]): readonly (string | undefined)[] {
      const standard = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`).join(',');
      return byMetric.map((m) => {
        if (m === undefined) return standard;
        if (m.drop) return undefined;
        const setMap = new Map(m.set);
        const parts: string[] = [];
        names.forEach((n, i) => {
          if (m.remove.has(n)) return;
          parts.push(`${n}="${escapeLabel(setMap.get(n) ?? values[i] ?? '')}"`);
          setMap.delete(n);
        });
        for (const [n, v] of setMap) if (!m.remove.has(n)) parts.push(`${n}="${escapeLabel(v)}"`);
        return parts.join(',');
      });
    },
  });
}

/** Istio's stats filter name. */
export const ISTIO_STATS_FILTER = 'istio.stats';

/**
 * The overrides an HCM's http_filters carry: its `istio.stats` filter's TypedStruct (type_url
 * stats.PluginConfig, value the config's JSON as a Struct). No such filter: undefined overrides.
 */
export function statsOverridesOf(httpFilters: readonly { readonly name?: string; readonly typed_config?: Readonly<Record<string, unknown>> }[]): ReturnType<typeof compileStatsConfig> {
  for (const f of httpFilters) {
    const tc = f.typed_config;
    if (tc?.['@type'] !== TYPE_URL.TYPED_STRUCT || tc.type_url !== ISTIO_STATS_CONFIG_TYPE_URL) continue;
    const value = obj(tc.value);
    const plain = value ? structToPlain(value as StructMessage) : {};
    // One object per distinct config: IstioMetrics keys its series by it, so every listener update
    // with the same overrides keeps counting in the same series.
    const key = JSON.stringify(plain);
    const known = interned.get(key);
    if (known) return known;
    const compiled = compileStatsConfig(plain);
    if (interned.size >= INTERNED_LIMIT) interned.clear();
    interned.set(key, compiled);
    return compiled;
  }
  return { ok: true, overrides: undefined };
}

const interned = new Map<string, ReturnType<typeof compileStatsConfig>>();
const INTERNED_LIMIT = 256;
