// Istio's semantic validation of PeerAuthentication (pkg/config/validation): port-level mTLS needs
// a workload selector with labels, port keys are 1..65535, modes are Istio's, the selector is exact.

import type { Collector } from '../result.js';
import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { asRecord, asString, isSet, recordEntries } from './primitives/read-helpers.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { checkWorkloadSelector } from './security/policy-scope.js';
import { describeValue } from './security/describe-value.js';

const MODES = new Set(['UNSET', 'DISABLE', 'PERMISSIVE', 'STRICT']);

/** Semantic rules for PeerAuthentication. */
export const validatePeerAuthentication: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;

  const matchLabels = asRecord(asRecord(spec.selector)?.matchLabels);
  const emptySelector = !matchLabels || Object.keys(matchLabels).length === 0;
  const portLevel = asRecord(spec.portLevelMtls);
  const portKeys = portLevel ? Object.keys(portLevel) : [];

  // A mesh- or namespace-wide policy applies to workloads with different ports: a port number
  // means nothing there.
  if (emptySelector && portKeys.length > 0) {
    c.error('WEFT_ERR_SEMANTIC', 'spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS');
  }
  if (portLevel && portKeys.length === 0) {
    c.error('WEFT_ERR_SEMANTIC', 'spec.portLevelMtls', 'port level mTLS, if defined, must have at least one element');
  }
  for (const key of portKeys) {
    const at = joinPath('spec.portLevelMtls', key);
    // Map keys are uint32 in the proto: anything but decimal digits fails to decode.
    if (!/^[0-9]+$/.test(key)) {
      c.error('WEFT_ERR_SEMANTIC', at, `port ${JSON.stringify(key)} is not a number`);
      continue;
    }
    const port = Number(key);
    if (port <= 0 || port > 65535) c.error('WEFT_ERR_SEMANTIC', at, 'port must be in range 1..65535');
  }

  checkMode(c, spec.mtls, 'spec.mtls.mode');
  for (const [key, mtls] of recordEntries(spec.portLevelMtls)) checkMode(c, mtls, joinPath(joinPath('spec.portLevelMtls', key), 'mode'));

  checkWorkloadSelector(c, spec);
};

function checkMode(c: Collector, mtls: unknown, path: string): void {
  const mode = asRecord(mtls)?.mode;
  if (!isSet(mode)) return;
  const s = asString(mode);
  if (s === undefined || !MODES.has(s)) {
    c.error('WEFT_ERR_SEMANTIC', path, `unsupported mode ${describeValue(mode)}: expected one of UNSET, DISABLE, PERMISSIVE, STRICT`);
  }
}
