// The value every validator returns: all problems collected, never thrown (Istio's Validation).

import type { ErrorCode } from '../errors/codes.js';

/** One problem found in a resource. `path` is the field path in Kubernetes style
 *  (`spec.http[0].route[1].weight`); the empty string means the whole object. */
export interface Issue {
  readonly code: ErrorCode;
  readonly path: string;
  readonly message: string;
}

/** Everything wrong with a resource: `errors` reject it, `warnings` (deprecations, risky values) do not. */
export interface Validation {
  readonly errors: readonly Issue[];
  readonly warnings: readonly Issue[];
}

/** A mutable collector used while validating; freeze it with {@link Collector.result}. */
export class Collector {
  readonly errors: Issue[] = [];
  readonly warnings: Issue[] = [];

  error(code: ErrorCode, path: string, message: string): void {
    this.errors.push({ code, path, message });
  }

  warn(code: ErrorCode, path: string, message: string): void {
    this.warnings.push({ code, path, message });
  }

  merge(other: Validation): void {
    this.errors.push(...other.errors);
    this.warnings.push(...other.warnings);
  }

  result(): Validation {
    return { errors: [...this.errors], warnings: [...this.warnings] };
  }
}

/** Joins a parent field path and a child key or index the way Kubernetes prints them. */
export function joinPath(parent: string, child: string | number): string {
  if (typeof child === 'number') return `${parent}[${child}]`;
  if (parent === '') return child;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(child) ? `${parent}.${child}` : `${parent}[${JSON.stringify(child)}]`;
}
