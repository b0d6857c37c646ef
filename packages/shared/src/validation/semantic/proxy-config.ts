// Istio's semantic validation of ProxyConfig (pkg/config/validation ValidateProxyConfig): the
// workload selector, a non-negative concurrency, and a note on image types Istio does not publish.

import type { KindValidator } from './context.js';
import { goQuote } from './primitives/hosts.js';
import { asNumber, asRecord, asString } from './primitives/read-helpers.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { checkWorkloadSelector } from './security/policy-scope.js';

// The proxy image variants Istio publishes; others must exist in the configured hub.
const PUBLISHED_IMAGE_TYPES = new Set(['default', 'debug', 'distroless']);

/** Semantic rules for ProxyConfig. */
export const validateProxyConfig: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  checkWorkloadSelector(c, spec);

  // concurrency is an Int32Value; 0 means one worker per CPU core.
  const concurrency = asNumber(spec.concurrency);
  if (concurrency !== undefined && concurrency < 0) c.error('WEFT_ERR_SEMANTIC', 'spec.concurrency', 'concurrency must be greater than or equal to 0');

  const imageType = asString(asRecord(spec.image)?.imageType);
  if (imageType !== undefined && imageType !== '' && !PUBLISHED_IMAGE_TYPES.has(imageType)) {
    // Not an Istio error: Istio accepts any type and pulls `<hub>/proxyv2:<tag>-<type>`.
    c.warn('WEFT_ERR_SEMANTIC', 'spec.image.imageType', `image type ${goQuote(imageType)} is not one Istio publishes (default, debug, distroless); the image must exist in your hub`);
  }
};
