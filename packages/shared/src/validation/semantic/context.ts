// What a per-kind semantic validator receives: the resource (loosely typed: it may be
// structurally invalid) and a collector for its findings.

import type { Collector } from '../result.js';

/** A resource as read from YAML, before it is known to be well-formed. */
export interface RawResource {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Record<string, unknown>;
  readonly spec: unknown;
  readonly [key: string]: unknown;
}

/** Validates one kind. Reports into `c` with field paths rooted at the resource (`spec.hosts[0]`).
 *  Must not throw for any input: check every type before use. */
export type KindValidator = (res: RawResource, c: Collector) => void;
