// Istio's semantic validation of WorkloadGroup (pkg/config/validation ValidateWorkloadGroup): a
// template is required, metadata labels are valid, and the readiness probe is well formed.

import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { validateLabels } from './primitives/labels.js';
import { validatePort } from './primitives/ports.js';
import { asArray, asNumber, asRecord, asString, isSet } from './primitives/read-helpers.js';

// Kubernetes' probe header name rule, which Istio follows (validProbeHeaderNameRegex).
const PROBE_HEADER_NAME = /^[-A-Za-z0-9]+$/;

const PROBE_METHODS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;

/** Semantic rules for WorkloadGroup. */
export const validateWorkloadGroup: KindValidator = (res, c) => {
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;

  if (!isSet(spec.template)) c.error('WEFT_ERR_SEMANTIC', 'spec.template', 'template is required');
  // Not an Istio rule: the address of a generated WorkloadEntry is its workload's own.
  const template = asRecord(spec.template);
  if (template && (asString(template.address) ?? '') !== '') {
    c.warn('WEFT_ERR_SEMANTIC', 'spec.template.address', 'address should not be set in a WorkloadGroup template: each generated WorkloadEntry takes the address of its workload');
  }

  const metadata = asRecord(spec.metadata);
  if (metadata) {
    for (const f of validateLabels(metadata.labels)) {
      c.error('WEFT_ERR_SEMANTIC', joinPath('spec.metadata.labels', f.key), `invalid labels: ${f.message}`);
    }
  }

  if (isSet(spec.probe)) {
    const probe = asRecord(spec.probe);
    if (probe) checkProbe(c, probe, 'spec.probe');
  }
};

/** Istio's validateReadinessProbe: non-negative timings and exactly one well-formed check method. */
function checkProbe(c: Collector, probe: Record<string, unknown>, path: string): void {
  for (const field of ['periodSeconds', 'initialDelaySeconds', 'timeoutSeconds', 'successThreshold', 'failureThreshold']) {
    const v = asNumber(probe[field]);
    if (v !== undefined && v < 0) c.error('WEFT_ERR_SEMANTIC', joinPath(path, field), `${field} must be non-negative`);
  }
  const methods = PROBE_METHODS.filter((m) => isSet(probe[m]));
  if (methods.length === 0) {
    c.error('WEFT_ERR_SEMANTIC', path, `probe must set one health check method: ${PROBE_METHODS.join(', ')}`);
    return;
  }
  // More than one method is a schema (oneOf) error; each set one is still checked.
  for (const m of methods) {
    const at = joinPath(path, m);
    const h = asRecord(probe[m]);
    if (!h) continue;
    if (m === 'exec') {
      if ((asArray(h.command)?.length ?? 0) === 0) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'command'), 'exec.command is required');
      continue;
    }
    const port = asNumber(h.port) ?? 0;
    const portErr = validatePort(port);
    if (portErr) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'port'), portErr);
    if (m !== 'httpGet') continue;
    const scheme = asString(h.scheme) ?? '';
    if (scheme !== '' && scheme !== 'HTTP' && scheme !== 'HTTPS') {
      c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'scheme'), 'httpGet.scheme must be one of "HTTPS", "HTTP"');
    }
    (asArray(h.httpHeaders) ?? []).forEach((header, i) => {
      const hp = joinPath(joinPath(at, 'httpHeaders'), i);
      const hr = asRecord(header);
      if (!hr) {
        if (header === null || header === undefined) c.error('WEFT_ERR_SEMANTIC', hp, 'invalid nil header');
        return;
      }
      const name = asString(hr.name) ?? '';
      if (name === '') c.error('WEFT_ERR_SEMANTIC', joinPath(hp, 'name'), 'header name cannot be empty');
      else if (!PROBE_HEADER_NAME.test(name)) c.error('WEFT_ERR_SEMANTIC', joinPath(hp, 'name'), `header name ${name} is not a valid header name`);
    });
  }
}
