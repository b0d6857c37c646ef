// What a primitive check returns when it can both reject and warn: findings with a severity and an
// optional sub-path, and the one function that reports them into a Collector.

import type { ErrorCode } from '../../../errors/codes.js';
import { joinPath, type Collector } from '../../result.js';

/** One result of a primitive check. `at` is a path relative to the value checked (`[2]`, `mode`). */
export interface Finding {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly at?: ReadonlyArray<string | number>;
}

/** An error finding. */
export function errorFinding(message: string, at?: ReadonlyArray<string | number>): Finding {
  return at ? { severity: 'error', message, at } : { severity: 'error', message };
}

/** A warning finding. */
export function warningFinding(message: string, at?: ReadonlyArray<string | number>): Finding {
  return at ? { severity: 'warning', message, at } : { severity: 'warning', message };
}

/** Joins `base` with each key of `at` (Kubernetes style). */
export function pathOf(base: string, at?: ReadonlyArray<string | number>): string {
  let p = base;
  for (const k of at ?? []) p = joinPath(p, k);
  return p;
}

/** Reports findings under `base` with `code` (WEFT_ERR_SEMANTIC unless told otherwise). */
export function reportFindings(c: Collector, base: string, findings: readonly Finding[], code: ErrorCode = 'WEFT_ERR_SEMANTIC'): void {
  for (const f of findings) {
    if (f.severity === 'error') c.error(code, pathOf(base, f.at), f.message);
    else c.warn(code, pathOf(base, f.at), f.message);
  }
}
