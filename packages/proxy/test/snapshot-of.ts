// Builds an XdsSnapshot from plain Envoy objects through the client's own decode and apply steps,
// as if each list had arrived in one response, for tests of what reads snapshots (admin views).

import { packAny } from '@weft/shared/xds';
import { decodeResponse } from '../src/xds-client/decode-response.js';
import { kindInfo, type ResourceKind } from '../src/xds-client/resource-kinds.js';
import { EMPTY_SNAPSHOT, applyResponse, type XdsSnapshot } from '../src/xds-client/resource-store.js';

/** One response per kind given, in CDS, EDS, LDS, RDS order, all at `version` and time `at`. */
export function snapshotOf(resources: Partial<Record<ResourceKind, Record<string, unknown>[]>>, version = '1', at = Date.UTC(2025, 0, 2, 3, 4, 5), base: XdsSnapshot = EMPTY_SNAPSHOT): XdsSnapshot {
  let snapshot = base;
  for (const kind of ['cluster', 'endpoint', 'listener', 'route'] as const) {
    const list = resources[kind];
    if (!list) continue;
    const info = kindInfo(kind);
    const decoded = decodeResponse(info, list.map((r) => packAny(info.typeUrl, r)));
    if (!decoded.ok) throw new Error(decoded.error);
    const names = new Set(decoded.resources.map((r) => r.name));
    snapshot = applyResponse(snapshot, info, version, decoded.resources, names, at).snapshot;
  }
  return snapshot;
}
