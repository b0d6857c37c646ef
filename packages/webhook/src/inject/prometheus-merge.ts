// Istio's metrics merging (webhook.go applyPrometheusMerge): when the pod is scraped, its own
// prometheus.io/{scrape,port,path} annotations move into ISTIO_PROMETHEUS_ANNOTATIONS on the proxy
// (weft-proxy's --app-metrics reads it) and the annotations point Prometheus at the proxy's merged
// endpoint, `:<status port>/stats/prometheus`. Annotation names are compared as Prometheus sanitizes
// them, so `prometheus.io.scrape` and `prometheus-io/scrape` count too.

import { ISTIO_ANNOTATIONS as A } from '@weft/shared';
import { parseGoBool } from './annotation-validation.js';
import type { Pod } from './kube-types.js';
import { PROXY_CONTAINER } from './sidecar-template.js';

/** The proxy's environment variable with the app's own scrape settings (pilot-agent's PrometheusScrapingConfig). */
export const PROMETHEUS_ANNOTATIONS_ENV = 'ISTIO_PROMETHEUS_ANNOTATIONS';

const SCRAPE = 'prometheus_io_scrape';
const PORT = 'prometheus_io_port';
const PATH = 'prometheus_io_path';

/** Prometheus' SanitizeLabelName: every character outside [a-zA-Z0-9_] becomes `_`. */
export const sanitizeLabelName = (name: string): string => name.replace(/[^a-zA-Z0-9_]/g, '_');

function findBySanitized(annotations: Readonly<Record<string, string>>, wanted: string): string | undefined {
  for (const [k, v] of Object.entries(annotations)) if (sanitizeLabelName(k) === wanted) return v;
  return undefined;
}

/** Whether the pod is scraped: a prometheus.io/scrape annotation that is a Go bool decides, else yes. */
function isScraped(annotations: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(annotations)) {
    if (sanitizeLabelName(k) !== SCRAPE) continue;
    const b = parseGoBool(v);
    if (b !== undefined) return b;
  }
  return true;
}

/** Whether merging is on for this pod: prometheus.istio.io/merge-metrics, else the mesh setting. */
function mergeEnabled(annotations: Readonly<Record<string, string>>, meshDefault: boolean): boolean {
  const v = annotations[A.prometheusMergeMetrics];
  return v !== undefined ? (parseGoBool(v) ?? meshDefault) : meshDefault;
}

/** Removes every spelling of the prometheus.io scrape/port/path annotations. */
export function clearPrometheusAnnotations(annotations: Record<string, string>): void {
  for (const k of Object.keys(annotations)) if ([SCRAPE, PORT, PATH].includes(sanitizeLabelName(k))) delete annotations[k];
}

/** The prometheus.io/port annotation's value under any spelling. */
export function prometheusPortOf(annotations: Readonly<Record<string, string>>): string | undefined {
  return findBySanitized(annotations, PORT);
}

/** Several app endpoints to merge, `port:path` comma-separated (Istio's multi-port merging; the
 *  ISTIO_PROMETHEUS_ANNOTATIONS `targets` list is inferred from its hello-multiport-metrics golden). */
export const SCRAPE_TARGETS_ANNOTATION = 'prometheus.istio.io/scrape-targets';

function scrapeTargets(value: string | undefined): { port: string; path: string }[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => {
      const colon = t.indexOf(':');
      return colon < 0 ? { port: t, path: '/metrics' } : { port: t.slice(0, colon), path: t.slice(colon + 1) || '/metrics' };
    });
}

/** Applies metrics merging to `pod` in place; `statusPort` is the MeshConfig status port (15020). */
export function applyPrometheusMerge(pod: Pod, statusPort: number, meshDefault: boolean): void {
  const metadata = (pod.metadata ??= {});
  const annotations = (metadata.annotations ??= {});
  if (!isScraped(annotations) || !mergeEnabled(annotations, meshDefault)) return;
  const target = String(statusPort);
  // Already pointing at the agent: the user controls it, or the pod is being re-injected.
  if (prometheusPortOf(annotations) === target) return;
  const targets = scrapeTargets(annotations[SCRAPE_TARGETS_ANNOTATION]);
  const scrape: { scrape: string; path: string; port: string; targets?: { port: string; path: string }[] } = {
    scrape: findBySanitized(annotations, SCRAPE) ?? '',
    path: findBySanitized(annotations, PATH) ?? targets[0]?.path ?? '',
    port: findBySanitized(annotations, PORT) ?? targets[0]?.port ?? '',
  };
  if (targets.length > 0) scrape.targets = targets;
  delete annotations[SCRAPE_TARGETS_ANNOTATION];
  const proxy = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === PROXY_CONTAINER);
  if (proxy && (scrape.scrape !== '' || scrape.path !== '' || scrape.port !== '')) (proxy.env ??= []).push({ name: PROMETHEUS_ANNOTATIONS_ENV, value: JSON.stringify(scrape) });
  clearPrometheusAnnotations(annotations);
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
}
