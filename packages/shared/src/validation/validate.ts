// The one entry point for validating a resource: header (apiVersion, kind), then structural
// (metadata, CRD schema, CEL rules), then semantic.

import { parseApiVersion, type GroupVersionKind } from '../api/gvk.js';
import { Collector, type Validation } from './result.js';
import { hasSchema, validateStructural } from './structural/index.js';
import { validateMetadata } from './structural/metadata.js';
import { validateSemantic } from './semantic/index.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the group/version/kind of an object, or undefined when apiVersion/kind are missing. */
export function gvkOf(obj: unknown): GroupVersionKind | undefined {
  if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

/** True for Istio's API groups (`networking.istio.io`, `security.istio.io`, ...). */
function isIstioGroup(group: string): boolean {
  return group === 'istio.io' || group.endsWith('.istio.io');
}

/**
 * True when {@link validateResource} checks resources of this kind: Weft has its schema, or it
 * claims an Istio API group (so an unknown kind there is a typo worth an error). Other Kubernetes
 * kinds (Deployment, Service, ...) are accepted unchecked, as `istioctl validate` does: Istio YAML
 * often travels with them.
 */
export function isCheckedKind(gvk: GroupVersionKind): boolean {
  return hasSchema(gvk) || isIstioGroup(gvk.group);
}

/** `istioctl validate` checks a resource without a namespace as if in `default`, where
 *  `kubectl apply` would put it: some rules depend on it (exportTo "."). A missing spec is an
 *  empty one. */
function withDefaults(obj: Record<string, unknown>): Record<string, unknown> {
  const metadata = isRecord(obj.metadata) ? obj.metadata : {};
  const hasNamespace = typeof metadata.namespace === 'string' && metadata.namespace !== '';
  return {
    ...obj,
    metadata: hasNamespace ? metadata : { ...metadata, namespace: 'default' },
    // istiod converts a resource without `spec` to one with an empty spec, and validates that.
    spec: obj.spec ?? {},
  };
}

/** Options of {@link validateResource}. */
export interface ValidateOptions {
  /** Report fields the CRD does not declare as errors instead of warnings. */
  readonly strict?: boolean;
}

/**
 * Validates one resource the way Istio would on `kubectl apply` (API server object metadata
 * checks, CRD schema + CEL rules) and in istiod's validation webhook (semantic rules). Collects
 * every problem; never throws on any input. A resource whose header is unusable (not an object,
 * no apiVersion/kind, unknown kind in an Istio group) gets only header errors: the later layers
 * need a kind. Kinds outside Istio's groups without a schema are not checked (see {@link isCheckedKind}).
 * Semantic rules run only when the header and schema layers found no error, as in the API server.
 * Errors come in layer order (header, structural, semantic); callers sort by position if they wish.
 */
export function validateResource(obj: unknown, options: ValidateOptions = {}): Validation {
  const c = new Collector();
  try {
    if (!isRecord(obj)) {
      c.error('WEFT_ERR_RESOURCE_HEADER', '', 'expected an object with apiVersion, kind, metadata and spec');
      return c.result();
    }
    const gvk = gvkOf(obj);
    if (!gvk) {
      if (typeof obj.apiVersion !== 'string') c.error('WEFT_ERR_RESOURCE_HEADER', 'apiVersion', 'Required value: apiVersion must be a string such as networking.istio.io/v1');
      if (typeof obj.kind !== 'string') c.error('WEFT_ERR_RESOURCE_HEADER', 'kind', 'Required value: kind must be a string such as VirtualService');
      return c.result();
    }
    if (!isCheckedKind(gvk)) return c.result();
    if (!hasSchema(gvk)) {
      // A typo in the kind should not hide a bad name: check metadata as for any namespaced resource.
      for (const m of validateMetadata(obj.metadata, true)) c.error('WEFT_ERR_RESOURCE_HEADER', m.path, m.message);
      c.error('WEFT_ERR_RESOURCE_UNKNOWN_KIND', 'kind', `unknown kind ${obj.kind as string} in ${obj.apiVersion as string}`);
      return c.result();
    }
    const structural = validateStructural(gvk, obj);
    for (const e of structural.errors) {
      // Kubernetes prunes fields a CRD does not declare (and warns, the API server's default
      // field validation); Istio's own sample configs still carry removed fields such as
      // `websocketUpgrade`. Strict mode makes them errors, like `kubectl apply --validate=strict`.
      if (e.code === 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD' && !options.strict) c.warn(e.code, e.path, `${e.message} (ignored: Kubernetes prunes fields the CRD does not declare)`);
      else c.error(e.code, e.path, e.message);
    }
    for (const w of structural.warnings) c.warn(w.code, w.path, w.message);
    // The API server runs the CRD schema before admission webhooks: an object the schema rejects
    // never reaches istiod's validation, so its semantic findings (often the same problem in other
    // words) are not reported either.
    if (c.errors.length === 0) c.merge(validateSemantic(gvk, withDefaults(obj)));
  } catch (e) {
    // A throw here is a bug in Weft; report it against the resource instead of crashing the caller.
    c.error('WEFT_ERR_INTERNAL', '', `internal validator error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  }
  return c.result();
}
