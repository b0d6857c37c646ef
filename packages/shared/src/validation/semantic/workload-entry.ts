// Istio's semantic validation of WorkloadEntry (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for WorkloadEntry. */
export const validateWorkloadEntry: KindValidator = () => {};
