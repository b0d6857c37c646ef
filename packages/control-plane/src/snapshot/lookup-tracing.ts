// What tracing a proxy's listeners get, per direction: Telemetry `tracing` merged over the levels that
// apply (Istio's Telemetries.Tracing, pilot/pkg/model/telemetry.go), or undefined when no Telemetry
// and no default provider speak, so the legacy MeshConfig `defaultConfig.tracing` applies. A lookup
// only: the HCM `tracing` field is generators/filter-tracing.ts's.

import type { TelemetryTracing } from '@weft/shared';
import { applicableTelemetries, type WorkloadMode } from './lookup-telemetry.js';
import type { MeshSnapshot } from './mesh-snapshot.js';
import { findExtensionProvider, type CustomTagSpec, type ExtensionProvider } from './mesh-telemetry.js';
import type { ProxyView } from './proxy-view.js';

/** Istio's TracingSpec: the merged tracing settings of one mode. */
export interface TracingSpec {
  /** The provider in force (the first named at the most specific level, else the first default
   *  provider); undefined: none could be found, and the spec is disabled. */
  readonly provider: ExtensionProvider | undefined;
  /** No spans reported (`disableSpanReporting`, or no provider). */
  readonly disabled: boolean;
  /** `randomSamplingPercentage` of the most specific level that sets it. */
  readonly randomSamplingPercentage: number | undefined;
  /** `customTags` of the most specific level that sets them (a shallow merge, as Istio's). */
  readonly customTags: Readonly<Record<string, CustomTagSpec>> | undefined;
  readonly useRequestIdForTraceSampling: boolean;
  /** `enableIstioTags` (default true). */
  readonly enableIstioTags: boolean;
}

/** Istio's TracingConfig: CLIENT mode for outbound listeners and gateways, SERVER for inbound ones. */
export interface TracingConfig {
  readonly client: TracingSpec;
  readonly server: TracingSpec;
}

interface MutableSpec {
  provider: ExtensionProvider | undefined;
  disabled: boolean;
  randomSamplingPercentage: number | undefined;
  customTags: Readonly<Record<string, CustomTagSpec>> | undefined;
  useRequestIdForTraceSampling: boolean;
  enableIstioTags: boolean;
}

const matchesMode = (entry: TelemetryTracing, mode: WorkloadMode): boolean => {
  const m = entry.match?.mode;
  return m === undefined || m === 'CLIENT_AND_SERVER' || m === mode;
};

/** Telemetry's custom tags in the mesh config's shape (Istio: `formatter` tags need Envoy ≥ 1.29's
 *  CustomTag `value`, which weft-proxy's protos lack: left out). */
function customTagsOf(tags: NonNullable<TelemetryTracing['customTags']>): Record<string, CustomTagSpec> {
  const out: Record<string, CustomTagSpec> = {};
  for (const [name, tag] of Object.entries(tags)) {
    if (tag.literal) out[name] = { literal: { value: tag.literal.value } };
    else if (tag.environment) out[name] = { environment: { name: tag.environment.name, ...(tag.environment.defaultValue !== undefined ? { defaultValue: tag.environment.defaultValue } : {}) } };
    else if (tag.header) out[name] = { header: { name: tag.header.name, ...(tag.header.defaultValue !== undefined ? { defaultValue: tag.header.defaultValue } : {}) } };
  }
  return out;
}

/**
 * Istio's Telemetries.Tracing for `proxy`: undefined when no applicable Telemetry has `tracing` and
 * MeshConfig names no default tracing provider. Otherwise both specs start from the first default
 * provider, and each `tracing` entry of the applicable levels (least specific first; an entry with
 * `match.mode` only touches that mode) sets, when it says so, the provider (its first one), span
 * reporting, custom tags, the sampling percentage and request-id sampling. A spec left without a
 * provider is disabled.
 */
export function tracingFor(snapshot: MeshSnapshot, proxy: Pick<ProxyView, 'namespace' | 'labels'>): TracingConfig | undefined {
  const { mesh } = snapshot;
  const entries = applicableTelemetries(snapshot, proxy).flatMap((t) => t.spec.tracing ?? []);
  const defaults = mesh.defaultProviders?.tracing ?? [];
  if (entries.length === 0 && defaults.length === 0) return undefined;
  const start = (): MutableSpec => ({
    provider: defaults[0] !== undefined ? findExtensionProvider(mesh.extensionProviders, defaults[0]) : undefined,
    disabled: false,
    randomSamplingPercentage: undefined,
    customTags: undefined,
    useRequestIdForTraceSampling: true,
    enableIstioTags: true,
  });
  const client = start();
  const server = start();
  for (const entry of entries) {
    const specs = [matchesMode(entry, 'CLIENT') ? client : undefined, matchesMode(entry, 'SERVER') ? server : undefined].filter((s): s is MutableSpec => s !== undefined);
    const first = entry.providers?.[0]?.name;
    for (const spec of specs) {
      // Istio supports one provider per mode and takes the first one named.
      if (first !== undefined) spec.provider = findExtensionProvider(mesh.extensionProviders, first);
      if (entry.disableSpanReporting != null) spec.disabled = entry.disableSpanReporting;
      if (entry.customTags != null) spec.customTags = customTagsOf(entry.customTags);
      if (entry.randomSamplingPercentage != null) spec.randomSamplingPercentage = entry.randomSamplingPercentage;
      if (entry.useRequestIdForTraceSampling != null) spec.useRequestIdForTraceSampling = entry.useRequestIdForTraceSampling;
      if (entry.enableIstioTags != null) spec.enableIstioTags = entry.enableIstioTags;
    }
  }
  const done = (s: MutableSpec): TracingSpec => Object.freeze({ ...s, disabled: s.disabled || s.provider === undefined });
  return Object.freeze({ client: done(client), server: done(server) });
}

/** Whether tracing may be configured anywhere in the mesh: the legacy MeshConfig tracer, a default
 *  tracing provider, or a Telemetry with `tracing`. The sharing key reads it (see push/sharing-key.ts). */
export function meshMayTrace(snapshot: MeshSnapshot): boolean {
  const { mesh } = snapshot;
  if (mesh.enableTracing !== false && mesh.defaultConfig?.tracing?.zipkin?.address) return true;
  if ((mesh.defaultProviders?.tracing ?? []).length > 0) return true;
  return snapshot.telemetries.some((t) => (t.spec.tracing ?? []).length > 0);
}

/** Istio's canonical service and revision of a proxy, as buildServiceTags reads them (the
 *  `service.istio.io/canonical-*` labels, else `unknown` / `latest`), with the fallbacks Istio's
 *  injector writes those labels from (app.kubernetes.io/name, app, the workload name; the version
 *  labels). */
export function canonicalServiceOf(proxy: Pick<ProxyView, 'labels' | 'workloadName'>): { readonly service: string; readonly revision: string } {
  const l = proxy.labels;
  const service = l['service.istio.io/canonical-name'] ?? l['app.kubernetes.io/name'] ?? l.app ?? (proxy.workloadName !== '' ? proxy.workloadName : 'unknown');
  const revision = l['service.istio.io/canonical-revision'] ?? l['app.kubernetes.io/version'] ?? l.version ?? 'latest';
  return { service, revision };
}
