// Istio's semantic validation of Telemetry (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for Telemetry. */
export const validateTelemetry: KindValidator = () => {};
