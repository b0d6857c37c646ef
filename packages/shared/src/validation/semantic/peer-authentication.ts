// Istio's semantic validation of PeerAuthentication (pkg/config/validation).

import type { KindValidator } from './context.js';

/** Semantic rules for PeerAuthentication. */
export const validatePeerAuthentication: KindValidator = () => {};
