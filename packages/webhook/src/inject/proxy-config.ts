// The ProxyConfig an injection renders with: MeshConfig defaultConfig (from the options) overlaid by the
// pod's `proxy.istio.io/config` annotation (YAML), as Istio's GetProxyConfigOrDefault /
// ApplyProxyConfig merge them. Only the fields the template reads are typed; all are kept for PROXY_CONFIG.

import { ISTIO_ANNOTATIONS, parseDocuments } from '@weft/shared';
import { INTERCEPTION_MODES, type InjectOptions, type InterceptionMode } from './inject-options.js';
import { isObject } from './kube-types.js';

/** The effective ProxyConfig of one pod. */
export interface EffectiveProxyConfig {
  readonly interceptionMode: InterceptionMode;
  readonly holdApplicationUntilProxyStarts: boolean;
  readonly proxyMetadata: Readonly<Record<string, string>>;
  /** What differs from Istio's defaults, as Istio prints it in PROXY_CONFIG (protoToJSON). */
  readonly json: Readonly<Record<string, unknown>>;
}

/**
 * The ProxyConfig of a pod with `annotations`, or the problem with its `proxy.istio.io/config`
 * annotation (not YAML, not a mapping, a field of the wrong type).
 */
export function effectiveProxyConfig(annotations: Readonly<Record<string, string>>, options: InjectOptions): { ok: true; value: EffectiveProxyConfig } | { ok: false; error: string } {
  const json: Record<string, unknown> = {};
  if (options.interceptionMode !== 'REDIRECT') json.interceptionMode = options.interceptionMode;
  if (options.meshHoldApplicationUntilProxyStarts) json.holdApplicationUntilProxyStarts = true;
  if (Object.keys(options.proxyMetadata).length > 0) json.proxyMetadata = { ...options.proxyMetadata };
  const text = annotations[ISTIO_ANNOTATIONS.proxyConfig];
  if (text !== undefined && text.trim() !== '') {
    const docs = parseDocuments(text, ISTIO_ANNOTATIONS.proxyConfig);
    const doc = docs[0];
    if (docs.length > 1 || (doc && doc.syntaxErrors.length > 0)) return { ok: false, error: `"${ISTIO_ANNOTATIONS.proxyConfig}": not valid YAML${doc?.syntaxErrors[0] ? `: ${doc.syntaxErrors[0].message}` : ''}` };
    const value = doc?.value;
    if (value !== undefined && !isObject(value)) return { ok: false, error: `"${ISTIO_ANNOTATIONS.proxyConfig}": not a mapping of ProxyConfig fields` };
    for (const [k, v] of Object.entries(value ?? {})) {
      if (k === 'proxyMetadata') {
        if (!isObject(v) || Object.values(v).some((x) => typeof x !== 'string')) return { ok: false, error: `"${ISTIO_ANNOTATIONS.proxyConfig}": proxyMetadata must map names to strings` };
        json.proxyMetadata = { ...(json.proxyMetadata as Record<string, string> | undefined), ...(v as Record<string, string>) };
      } else json[k] = v;
    }
  }
  const mode = json.interceptionMode ?? 'REDIRECT';
  if (typeof mode !== 'string' || !(INTERCEPTION_MODES as readonly string[]).includes(mode)) return { ok: false, error: `"${ISTIO_ANNOTATIONS.proxyConfig}": interceptionMode must be one of ${INTERCEPTION_MODES.join(', ')}` };
  const hold = json.holdApplicationUntilProxyStarts ?? false;
  if (typeof hold !== 'boolean') return { ok: false, error: `"${ISTIO_ANNOTATIONS.proxyConfig}": holdApplicationUntilProxyStarts must be a boolean` };
  return {
    ok: true,
    value: { interceptionMode: mode as InterceptionMode, holdApplicationUntilProxyStarts: hold, proxyMetadata: (json.proxyMetadata as Record<string, string> | undefined) ?? {}, json },
  };
}
