// The `istio.io/dry-run` annotation: only an ALLOW or DENY AuthorizationPolicy may carry it, with a
// boolean value (Istio's checkDryRunAnnotation, run before every kind's own rules).

import type { Collector } from '../../result.js';
import { joinPath } from '../../result.js';
import type { RawResource } from '../context.js';
import { asRecord, asString } from '../primitives/read-helpers.js';
import { describeValue } from './describe-value.js';

/** The annotation that asks for a policy to be evaluated and logged but not enforced. */
export const DRY_RUN_ANNOTATION = 'istio.io/dry-run';

// Go's strconv.ParseBool.
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Reports a misuse of `istio.io/dry-run` on `res`. `authzAction` is the AuthorizationPolicy action
 * (ALLOW when unset) for that kind, and undefined for every other kind, which may not carry it.
 */
export function checkDryRunAnnotation(c: Collector, res: RawResource, authzAction: string | undefined): void {
  const annotations = asRecord(res.metadata.annotations);
  if (!annotations || !(DRY_RUN_ANNOTATION in annotations)) return;
  const path = joinPath('metadata.annotations', DRY_RUN_ANNOTATION);
  const ref = `${asString(res.metadata.namespace) ?? ''}/${asString(res.metadata.name) ?? ''}`;
  if (authzAction === undefined) {
    c.error('WEFT_ERR_SEMANTIC', path, `${ref} has unsupported annotation ${DRY_RUN_ANNOTATION}, please remove the annotation`);
    return;
  }
  if (authzAction !== 'ALLOW' && authzAction !== 'DENY') {
    c.error('WEFT_ERR_SEMANTIC', path, `the annotation ${DRY_RUN_ANNOTATION} currently only supports action ALLOW/DENY, found action ${authzAction} in ${ref}`);
    return;
  }
  const value = annotations[DRY_RUN_ANNOTATION];
  if (typeof value !== 'string' || !GO_BOOLS.has(value)) {
    c.error('WEFT_ERR_SEMANTIC', path, `${ref} has annotation ${DRY_RUN_ANNOTATION} with invalid value (${describeValue(value)}): expected true or false`);
  }
}
