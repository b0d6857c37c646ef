// Where a policy applies: a workload `selector` (matchLabels), a `targetRef` or `targetRefs`
// (Service, ServiceEntry, Gateway, GatewayClass), at most one of them. Shared by
// AuthorizationPolicy, RequestAuthentication, PeerAuthentication, Telemetry, WasmPlugin, ProxyConfig.

import type { Collector } from '../../result.js';
import { joinPath } from '../../result.js';
import { validateSelectorLabels } from '../primitives/labels.js';
import { asArray, asRecord, asString, isSet, recordItems } from '../primitives/read-helpers.js';

// Istio's allowedTargetRefs (group and kind only; an empty group means the core group).
const ALLOWED_TARGETS: ReadonlyArray<{ group: string; kind: string }> = [
  { group: 'core', kind: 'Service' },
  { group: 'networking.istio.io', kind: 'ServiceEntry' },
  { group: 'gateway.networking.k8s.io', kind: 'Gateway' },
  { group: 'gateway.networking.k8s.io', kind: 'GatewayClass' },
];
const ALLOWED_TEXT = ALLOWED_TARGETS.map((t) => `${t.group}/${t.kind}`).join(', ');

/**
 * Istio's validateWorkloadSelector for `spec.selector` ({matchLabels}): no empty keys, no `*`;
 * a selector without labels selects every workload of the namespace, which Istio only warns about.
 */
export function checkWorkloadSelector(c: Collector, spec: Record<string, unknown>, field = 'selector'): void {
  const selector = spec[field];
  if (!isSet(selector)) return;
  const path = joinPath('spec', field);
  const matchLabels = asRecord(selector)?.matchLabels;
  for (const f of validateSelectorLabels(matchLabels)) {
    const at = f.key === undefined ? path : joinPath(joinPath(path, 'matchLabels'), f.key);
    if (f.severity === 'error') c.error('WEFT_ERR_SEMANTIC', at, f.message);
    else c.warn('WEFT_ERR_SEMANTIC', at, f.message);
  }
}

/** Istio's validateOneOfSelectorType: `selector`, `targetRef` and `targetRefs` are exclusive. */
export function checkOneScope(c: Collector, spec: Record<string, unknown>): void {
  let set = 0;
  if (isSet(spec.selector)) set++;
  if (isSet(spec.targetRef)) set++;
  if ((asArray(spec.targetRefs)?.length ?? 0) > 0) set++;
  if (set > 1) c.error('WEFT_ERR_SEMANTIC', 'spec', 'only one of targetRefs or workloadSelector can be set');
}

/** Istio's validatePolicyTargetReference(s) over `spec.targetRef` and every `spec.targetRefs[i]`. */
export function checkTargetRefs(c: Collector, spec: Record<string, unknown>): void {
  const single = asRecord(spec.targetRef);
  if (single) checkTargetRef(c, single, 'spec.targetRef');
  for (const [i, ref] of recordItems(spec.targetRefs)) checkTargetRef(c, ref, joinPath('spec.targetRefs', i));
}

function checkTargetRef(c: Collector, ref: Record<string, unknown>, path: string): void {
  const name = asString(ref.name) ?? '';
  const namespace = asString(ref.namespace) ?? '';
  const group = asString(ref.group) ?? '';
  const kind = asString(ref.kind) ?? '';
  if (name === '') c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'name'), 'targetRef name must be set');
  if (namespace !== '') {
    c.error('WEFT_ERR_SEMANTIC', joinPath(path, 'namespace'), 'targetRef namespace must not be set; cross namespace referencing is not supported');
  }
  const canonical = group === '' ? 'core' : group;
  if (!ALLOWED_TARGETS.some((t) => t.group === canonical && t.kind === kind)) {
    c.error('WEFT_ERR_SEMANTIC', path, `targetRef must be to one of ${ALLOWED_TEXT} but was ${group}/${kind}`);
  }
}

/** The three checks every policy with a selector-or-targetRef scope runs, in Istio's order. */
export function checkPolicyScope(c: Collector, spec: Record<string, unknown>): void {
  checkOneScope(c, spec);
  checkWorkloadSelector(c, spec);
  checkTargetRefs(c, spec);
}
