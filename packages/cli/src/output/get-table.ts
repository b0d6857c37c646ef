// Output of `weftctl get`: kubectl-style tables with kind-specific columns (the printer columns of
// Istio's CRDs, plus where each resource came from), and the List object for `-o yaml|json`.

import type { ConfigzEntry } from '../local/configz.js';

type Spec = Record<string, unknown>;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Spec => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Spec) : {});
const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
/** kubectl's JSON-ish array cell: `["a","b"]`, or empty for none. */
const cell = (items: readonly string[]): string => (items.length === 0 ? '' : `[${items.map((s) => `"${s}"`).join(',')}]`);
const labels = (v: unknown): string =>
  Object.entries(obj(v))
    .map(([k, x]) => `${k}=${str(x)}`)
    .join(',');

/** Columns per kind after NAMESPACE and NAME. */
const COLUMNS: Readonly<Record<string, readonly [string, (spec: Spec) => string][]>> = {
  VirtualService: [
    ['GATEWAYS', (s) => cell(list(s.gateways).map(str))],
    ['HOSTS', (s) => cell(list(s.hosts).map(str))],
  ],
  DestinationRule: [
    ['HOST', (s) => str(s.host)],
    ['SUBSETS', (s) => list(s.subsets).map((x) => str(obj(x).name)).join(',')],
  ],
  Gateway: [
    ['SELECTOR', (s) => labels(s.selector)],
    ['SERVERS', (s) => list(s.servers).map((x) => `${str(obj(obj(x).port).number)}/${str(obj(obj(x).port).protocol)}`).join(',')],
    ['HOSTS', (s) => cell([...new Set(list(s.servers).flatMap((x) => list(obj(x).hosts).map(str)))])],
  ],
  ServiceEntry: [
    ['HOSTS', (s) => cell(list(s.hosts).map(str))],
    ['LOCATION', (s) => str(s.location)],
    ['RESOLUTION', (s) => str(s.resolution)],
  ],
  WorkloadEntry: [
    ['ADDRESS', (s) => str(s.address)],
    ['LABELS', (s) => labels(s.labels)],
    ['SERVICE-ACCOUNT', (s) => str(s.serviceAccount)],
  ],
  Sidecar: [['WORKLOAD-SELECTOR', (s) => labels(obj(s.workloadSelector).labels)]],
  PeerAuthentication: [['MODE', (s) => str(obj(s.mtls).mode)]],
  AuthorizationPolicy: [['ACTION', (s) => str(s.action) || 'ALLOW']],
};

/** The file and line a resource came from, relative to `configDir` when inside it. */
function sourceOf(e: ConfigzEntry, configDir?: string): string {
  const file = e.origin?.file ?? e.origin?.source ?? '';
  const rel = configDir && file.startsWith(`${configDir.replace(/\/$/, '')}/`) ? file.slice(configDir.replace(/\/$/, '').length + 1) : file;
  return rel && e.origin?.line ? `${rel}:${e.origin.line}` : rel;
}

/** Pads columns to their widest cell, three spaces apart, as kubectl does. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('   ').trimEnd()).join('\n') + (rows.length > 0 ? '\n' : '');
}

/**
 * The table of `entries`, all of kind `kind`: NAMESPACE, NAME, the kind's columns, SOURCE (file:line
 * under `configDir`). Sorted by namespace then name. Empty string when there are none.
 */
export function formatGetTable(kind: string, entries: readonly ConfigzEntry[], configDir?: string): string {
  if (entries.length === 0) return '';
  const columns = COLUMNS[kind] ?? [];
  const header = ['NAMESPACE', 'NAME', ...columns.map(([h]) => h), 'SOURCE'];
  const sorted = [...entries].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const rows = sorted.map((e) => {
    const spec = obj(e.resource.spec);
    return [e.namespace, e.name, ...columns.map(([, f]) => f(spec)), sourceOf(e, configDir)];
  });
  return formatColumns([header, ...rows]);
}

/** `kind: List` with the resources, as `kubectl get -o yaml|json` prints. */
export function asList(entries: readonly ConfigzEntry[]): { apiVersion: 'v1'; kind: 'List'; items: Record<string, unknown>[] } {
  return { apiVersion: 'v1', kind: 'List', items: entries.map((e) => e.resource) };
}
