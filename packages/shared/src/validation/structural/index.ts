// Structural validation: the CRD OpenAPI schema (types, enums, required, unknown fields, formats)
// plus the CRD's x-kubernetes-validations CEL rules. Knows nothing of Istio's semantic rules.

import type { GroupVersionKind } from '../../api/gvk.js';
import type { Validation } from '../result.js';

/** True when Weft has a schema for this group/version/kind. */
export function hasSchema(_gvk: GroupVersionKind): boolean {
  return false;
}

/** Validates `obj` (a whole resource: apiVersion, kind, metadata, spec, status) against the CRD
 *  schema of `gvk`. Never throws; unknown kinds yield an error. */
export function validateStructural(_gvk: GroupVersionKind, _obj: unknown): Validation {
  return { errors: [], warnings: [] };
}
