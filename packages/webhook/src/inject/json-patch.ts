// RFC 6902 JSON Patch: the diff the webhook returns to the API server (original pod → injected pod, as
// Istio's createPatch does with gomodules.xyz/jsonpatch). Paths are RFC 6901 pointers (`~` → `~0`,
// `/` → `~1`: annotation keys contain `/`). Applying patches is the API server's job, not ours.

import { cloneJson, isObject } from './kube-types.js';

/** One RFC 6902 operation (only the three a diff needs). */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** Escapes one reference token (RFC 6901 §3). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
  }
  return false;
}

/**
 * The operations that turn `from` into `to`. Objects are diffed key by key; a list is diffed item by
 * item when only its middle changed in place, gets `add`/`remove` operations when items were only
 * inserted or only removed (as an init container put in front), and is replaced whole otherwise.
 * Applying the result to `from` gives a value deep-equal to `to`.
 */
export function createJsonPatch(from: unknown, to: unknown): JsonPatchOperation[] {
  const ops: JsonPatchOperation[] = [];
  diff(from, to, '', ops);
  return ops;
}

function diff(a: unknown, b: unknown, path: string, ops: JsonPatchOperation[]): void {
  if (equal(a, b)) return;
  if (isObject(a) && isObject(b)) {
    for (const k of Object.keys(a)) {
      if (a[k] === undefined) continue;
      if (!Object.prototype.hasOwnProperty.call(b, k) || b[k] === undefined) ops.push({ op: 'remove', path: `${path}/${escapePointerToken(k)}` });
    }
    for (const [k, v] of Object.entries(b)) {
      if (v === undefined) continue;
      const p = `${path}/${escapePointerToken(k)}`;
      if (!Object.prototype.hasOwnProperty.call(a, k) || a[k] === undefined) ops.push({ op: 'add', path: p, value: cloneJson(v) });
      else diff(a[k], v, p, ops);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    diffArray(a, b, path, ops);
    return;
  }
  if (path === '') throw new Error('cannot diff two values of different kinds at the document root');
  ops.push({ op: 'replace', path, value: cloneJson(b) });
}

function diffArray(a: unknown[], b: unknown[], path: string, ops: JsonPatchOperation[]): void {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && equal(a[prefix], b[prefix])) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && equal(a[a.length - 1 - suffix], b[b.length - 1 - suffix])) suffix++;
  const aMid = a.length - prefix - suffix;
  const bMid = b.length - prefix - suffix;
  if (aMid === 0) {
    // Only insertions.
    for (let i = 0; i < bMid; i++) ops.push({ op: 'add', path: `${path}/${prefix + i}`, value: cloneJson(b[prefix + i]) });
  } else if (bMid === 0) {
    // Only removals, from the end so indices stay valid.
    for (let i = aMid - 1; i >= 0; i--) ops.push({ op: 'remove', path: `${path}/${prefix + i}` });
  } else if (aMid === bMid) {
    for (let i = 0; i < aMid; i++) diff(a[prefix + i], b[prefix + i], `${path}/${prefix + i}`, ops);
  } else {
    ops.push({ op: 'replace', path, value: cloneJson(b) });
  }
}
