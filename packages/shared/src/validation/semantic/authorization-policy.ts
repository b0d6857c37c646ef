// Istio's semantic validation of AuthorizationPolicy (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for AuthorizationPolicy. */
export const validateAuthorizationPolicy: KindValidator = () => {};
