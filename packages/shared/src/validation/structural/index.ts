// Structural validation: the CRD OpenAPI schema (types, enums, required, unknown fields, formats)
// plus the CRD's x-kubernetes-validations CEL rules. Knows nothing of Istio's semantic rules.

import type { GroupVersionKind } from '../../api/gvk.js';
import type { Validation } from '../result.js';
import { createStructuralValidator } from './validator.js';

export { createStructuralValidator, type StructuralValidator } from './validator.js';

// Istio's CRDs; schemas compile on first use of each kind and stay cached.
const istio = createStructuralValidator();

/** True when Weft has a schema for this group/version/kind. */
export function hasSchema(gvk: GroupVersionKind): boolean {
  return istio.hasSchema(gvk);
}

/** Validates `obj` (a whole resource: apiVersion, kind, metadata, spec, status) against the CRD
 *  schema of `gvk`. Never throws; unknown kinds yield an error. */
export function validateStructural(gvk: GroupVersionKind, obj: unknown): Validation {
  return istio.validate(gvk, obj);
}
