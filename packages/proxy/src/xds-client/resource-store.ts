// The accepted xDS state as immutable snapshots, and the pure rules that turn one decoded response
// into the next snapshot: valid resources replace their previous version, invalid ones keep it (and are
// recorded as failures), and LDS/CDS responses carry the whole set so absent names go away.

import type { DecodedResource } from './decode-response.js';
import type { EnvoyMessage } from './envoy-shapes.js';
import type { KindInfo, ResourceKind } from './resource-kinds.js';
import { resourceProblems } from './validate-resource.js';

/** A resource in force. */
export interface AcceptedResource {
  readonly name: string;
  readonly message: EnvoyMessage;
  /** `version_info` of the response that last changed it. */
  readonly version: string;
  /** When it last changed (epoch ms). */
  readonly lastUpdated: number;
  /** The encoded resource, to tell an unchanged resource from a changed one. */
  readonly bytes: Uint8Array;
}

/** A resource version that was refused (Envoy's UpdateFailureState); its last good version, if any, stays. */
export interface FailedUpdate {
  readonly name: string;
  readonly message: EnvoyMessage;
  readonly version: string;
  readonly details: string;
  readonly lastUpdateAttempt: number;
}

/** Everything accepted for one kind. */
export interface KindState {
  /** `version_info` of the last response accepted in full, as sent back in requests; '' before any. */
  readonly versionInfo: string;
  /** When a response of this kind last changed something (epoch ms), undefined before any. */
  readonly lastUpdated: number | undefined;
  readonly resources: ReadonlyMap<string, AcceptedResource>;
  readonly failures: ReadonlyMap<string, FailedUpdate>;
}

/** The whole accepted state. Never mutated: each change makes a new snapshot, swapped in one assignment. */
export type XdsSnapshot = Readonly<Record<ResourceKind, KindState>>;

const EMPTY_KIND: KindState = Object.freeze({ versionInfo: '', lastUpdated: undefined, resources: new Map(), failures: new Map() });

/** The snapshot before any response. */
export const EMPTY_SNAPSHOT: XdsSnapshot = Object.freeze({ cluster: EMPTY_KIND, endpoint: EMPTY_KIND, listener: EMPTY_KIND, route: EMPTY_KIND });

/** What one response did. */
export interface ApplyOutcome {
  readonly snapshot: XdsSnapshot;
  /** Whether any resource was added, changed or removed. */
  readonly changed: boolean;
  /** One line per refused resource (`listener 'x': reason; reason`); empty means ACK. */
  readonly problems: readonly string[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * Applies one decoded response of `kind` with `version`. Each resource is validated; a valid one
 * replaces its previous version (kept as is when its bytes did not change, so `lastUpdated` stays), an
 * invalid one leaves its previous version in force and is recorded in `failures`. For wildcard kinds
 * (LDS, CDS) the response is the whole set: names it lacks are removed. For named kinds (RDS, EDS)
 * resources not in `subscribed` are ignored and others stay. The kind's `versionInfo` moves to
 * `version` only when nothing was refused, as Envoy reports the last fully accepted version.
 */
export function applyResponse(prev: XdsSnapshot, kind: KindInfo, version: string, decoded: readonly DecodedResource[], subscribed: ReadonlySet<string>, now: number): ApplyOutcome {
  const before = prev[kind.kind];
  const resources = new Map<string, AcceptedResource>(kind.wildcard ? [] : before.resources);
  const failures = new Map<string, FailedUpdate>(before.failures);
  const problems: string[] = [];
  let changed = false;
  for (const r of decoded) {
    if (!kind.wildcard && !subscribed.has(r.name)) continue;
    const old = before.resources.get(r.name);
    const reasons = resourceProblems(kind, r.message);
    if (reasons.length > 0) {
      const details = reasons.join('; ');
      problems.push(`${kind.noun} '${r.name}': ${details}`);
      failures.set(r.name, { name: r.name, message: r.message, version, details, lastUpdateAttempt: now });
      if (old) resources.set(r.name, old);
      continue;
    }
    failures.delete(r.name);
    if (old && sameBytes(old.bytes, r.bytes)) {
      resources.set(r.name, old);
      continue;
    }
    resources.set(r.name, { name: r.name, message: r.message, version, lastUpdated: now, bytes: r.bytes });
    changed = true;
  }
  if (kind.wildcard) {
    for (const name of before.resources.keys()) if (!resources.has(name)) changed = true;
    const present = new Set(decoded.map((r) => r.name));
    for (const name of failures.keys()) if (!present.has(name)) failures.delete(name);
  }
  const next: KindState = Object.freeze({
    versionInfo: problems.length === 0 ? version : before.versionInfo,
    lastUpdated: changed ? now : before.lastUpdated,
    resources,
    failures,
  });
  return { snapshot: Object.freeze({ ...prev, [kind.kind]: next }), changed, problems };
}

/** Drops resources (and failures) of a named kind that are no longer subscribed, as Envoy does when the
 *  cluster or listener that asked for them goes away. Returns `prev` itself when nothing is dropped. */
export function keepSubscribed(prev: XdsSnapshot, kind: KindInfo, subscribed: ReadonlySet<string>, now: number): XdsSnapshot {
  const before = prev[kind.kind];
  const drop = [...before.resources.keys(), ...before.failures.keys()].filter((n) => !subscribed.has(n));
  if (drop.length === 0) return prev;
  const resources = new Map([...before.resources].filter(([n]) => subscribed.has(n)));
  const failures = new Map([...before.failures].filter(([n]) => subscribed.has(n)));
  const changed = resources.size !== before.resources.size;
  const next: KindState = Object.freeze({ ...before, lastUpdated: changed ? now : before.lastUpdated, resources, failures });
  return Object.freeze({ ...prev, [kind.kind]: next });
}
