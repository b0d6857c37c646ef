// Istio's semantic validation of VirtualService (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for VirtualService. */
export const validateVirtualService: KindValidator = () => {};
