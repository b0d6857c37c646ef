// Istio's semantic validation of Gateway (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for Gateway. */
export const validateGateway: KindValidator = () => {};
