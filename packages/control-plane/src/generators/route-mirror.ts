// Istio mirror / mirrorPercentage / mirrors → Envoy request_mirror_policies (Istio MirrorPercent,
// MirrorPercentByPolicy, TranslateRequestMirrorPolicy).

import type { Destination, HTTPRoute } from '@weft/shared';
import { integerPercentToFractional, percentToFractional, type FractionalPercent } from './route-percent.js';

/** envoy.config.route.v3.RouteAction.RequestMirrorPolicy. */
export interface EnvoyMirrorPolicy {
  readonly cluster: string;
  readonly runtime_fraction: { readonly default_value: FractionalPercent };
  readonly trace_sampled: { readonly value: boolean };
}

/** The mirror fraction of the single-`mirror` form: `mirrorPercentage` (MILLION), else the deprecated
 *  integer `mirrorPercent` (HUNDRED), else 100%. An explicit 0 turns mirroring off (undefined). */
function routeMirrorPercent(route: HTTPRoute): FractionalPercent | undefined {
  if (route.mirrorPercentage) return (route.mirrorPercentage.value ?? 0) > 0 ? percentToFractional(route.mirrorPercentage.value) : undefined;
  const legacy = route.mirrorPercent ?? route.mirror_percent;
  if (legacy !== undefined && legacy !== null) return legacy > 0 ? integerPercentToFractional(legacy) : undefined;
  return integerPercentToFractional(100);
}

/**
 * All mirror policies of a route, `mirror` first then each of `mirrors`. `clusterOf` names the
 * cluster of a destination (see route-destination.ts). Mirrored requests are not trace-sampled.
 */
export function translateMirrors(route: HTTPRoute, clusterOf: (d: Destination) => string): EnvoyMirrorPolicy[] {
  const out: EnvoyMirrorPolicy[] = [];
  const policy = (d: Destination, fraction: FractionalPercent): EnvoyMirrorPolicy => ({
    cluster: clusterOf(d),
    runtime_fraction: { default_value: fraction },
    trace_sampled: { value: false },
  });
  if (route.mirror) {
    const fraction = routeMirrorPercent(route);
    if (fraction) out.push(policy(route.mirror, fraction));
  }
  for (const m of route.mirrors ?? []) {
    const fraction = m.percentage ? ((m.percentage.value ?? 0) > 0 ? percentToFractional(m.percentage.value) : undefined) : integerPercentToFractional(100);
    if (fraction && m.destination) out.push(policy(m.destination, fraction));
  }
  return out;
}
