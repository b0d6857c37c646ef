// Istio's semantic validation of RequestAuthentication (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for RequestAuthentication. */
export const validateRequestAuthentication: KindValidator = () => {};
