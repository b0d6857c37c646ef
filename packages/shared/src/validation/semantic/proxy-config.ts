// Istio's semantic validation of ProxyConfig (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for ProxyConfig. */
export const validateProxyConfig: KindValidator = () => {};
