// Istio's semantic validation of WorkloadGroup (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for WorkloadGroup. */
export const validateWorkloadGroup: KindValidator = () => {};
