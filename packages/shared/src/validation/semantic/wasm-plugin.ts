// Istio's semantic validation of WasmPlugin (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for WasmPlugin. */
export const validateWasmPlugin: KindValidator = () => {};
