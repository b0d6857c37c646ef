// Istio's semantic validation of DestinationRule (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for DestinationRule. */
export const validateDestinationRule: KindValidator = () => {};
