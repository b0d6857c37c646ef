// An RFC 6902 applier written apart from the diff (json-patch.ts), so tests replay the webhook's patch
// the way the API server would instead of checking the diff against itself. add / remove / replace,
// RFC 6901 pointers; throws on a path that does not resolve.

type Op = { op: string; path: string; value?: unknown };

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`bad pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Applies `patch` (parsed JSON) to a deep copy of `doc`. */
export function applyPatch(doc: unknown, patch: readonly Op[]): unknown {
  let root = structuredClone(doc);
  for (const { op, path, value } of patch) {
    const t = tokens(path);
    if (t.length === 0) {
      if (op === 'remove') throw new Error('remove root');
      root = structuredClone(value);
      continue;
    }
    let parent = root as Record<string, unknown> | unknown[];
    for (const k of t.slice(0, -1)) {
      const next = Array.isArray(parent) ? parent[Number(k)] : parent[k];
      if (typeof next !== 'object' || next === null) throw new Error(`${path}: ${k} does not exist`);
      parent = next as Record<string, unknown> | unknown[];
    }
    const last = t[t.length - 1] as string;
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(i) || i < 0 || i > parent.length || (op !== 'add' && i === parent.length)) throw new Error(`${path}: index out of range`);
      if (op === 'add') parent.splice(i, 0, structuredClone(value));
      else if (op === 'remove') parent.splice(i, 1);
      else if (op === 'replace') parent[i] = structuredClone(value);
      else throw new Error(`unsupported op ${op}`);
    } else {
      if (op !== 'add' && !(last in parent)) throw new Error(`${path} does not exist`);
      if (op === 'remove') delete parent[last];
      else if (op === 'add' || op === 'replace') parent[last] = structuredClone(value);
      else throw new Error(`unsupported op ${op}`);
    }
  }
  return root;
}
