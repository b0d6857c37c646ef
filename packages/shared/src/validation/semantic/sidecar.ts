// Istio's semantic validation of Sidecar (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for Sidecar. */
export const validateSidecar: KindValidator = () => {};
