// Istio's semantic validation of ServiceEntry (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for ServiceEntry. */
export const validateServiceEntry: KindValidator = () => {};
