// Istio's semantic validation of EnvoyFilter (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for EnvoyFilter. */
export const validateEnvoyFilter: KindValidator = () => {};
