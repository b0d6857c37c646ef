// The one entry point for validating a resource: header, then structural, then semantic.

import { parseApiVersion, type GroupVersionKind } from '../api/gvk.js';
import { Collector, type Validation } from './result.js';
import { hasSchema, validateStructural } from './structural/index.js';
import { validateSemantic } from './semantic/index.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the group/version/kind of an object, or undefined when apiVersion/kind are missing. */
export function gvkOf(obj: unknown): GroupVersionKind | undefined {
  if (!isRecord(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') return undefined;
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

/**
 * Validates one resource the way Istio would on `kubectl apply` (CRD schema + CEL rules) and in
 * istiod's validation webhook (semantic rules). Collects every problem; never throws on any input.
 */
export function validateResource(obj: unknown): Validation {
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
    if (!hasSchema(gvk)) {
      c.error('WEFT_ERR_RESOURCE_UNKNOWN_KIND', 'kind', `unknown kind ${obj.kind} in ${obj.apiVersion as string}`);
      return c.result();
    }
    c.merge(validateStructural(gvk, obj));
    c.merge(validateSemantic(gvk, obj));
  } catch (e) {
    // A throw here is a bug in Weft; report it against the resource instead of crashing the caller.
    c.error('WEFT_ERR_INTERNAL', '', `internal validator error: ${(e as Error)?.stack ?? String(e)}`);
  }
  return c.result();
}
