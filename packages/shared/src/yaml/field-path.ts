// Parsing of Kubernetes-style field paths (`spec.http[0].route[1].weight`,
// `metadata.labels["app.kubernetes.io/name"]`) into segments. Printing lives in validation/result.ts.

/** One step of a field path: a map key or a list index. */
export type FieldPathSegment = string | number;

/**
 * Splits a field path into keys and indexes. Accepts what {@link joinPath} prints (`a.b`, `a[0]`,
 * `a["k.with/dots"]`) and, leniently, unquoted brackets (`a[k]`) and a leading dot (`.a.b`, the
 * form the Kubernetes API server prints). Returns undefined for a malformed path; `''` is the root.
 */
export function parseFieldPath(path: string): FieldPathSegment[] | undefined {
  const out: FieldPathSegment[] = [];
  let i = 0;
  const n = path.length;
  if (path.startsWith('.')) i = 1;
  while (i < n) {
    const ch = path[i];
    if (ch === '[') {
      const close = findClosingBracket(path, i);
      if (close < 0) return undefined;
      const inner = path.slice(i + 1, close);
      if (/^\d+$/.test(inner)) out.push(Number(inner));
      else if (inner.startsWith('"')) {
        try {
          const key: unknown = JSON.parse(inner);
          if (typeof key !== 'string') return undefined;
          out.push(key);
        } catch {
          return undefined;
        }
      } else out.push(inner);
      i = close + 1;
      if (path[i] === '.') {
        i += 1;
        if (i >= n) return undefined;
      }
      continue;
    }
    // A bare key runs to the next `.` or `[`.
    let j = i;
    while (j < n && path[j] !== '.' && path[j] !== '[') j += 1;
    if (j === i) return undefined;
    out.push(path.slice(i, j));
    i = j;
    if (path[i] === '.') {
      i += 1;
      if (i >= n) return undefined;
    }
  }
  return out;
}

/** Index of the `]` closing the bracket at `open`, honouring a JSON string inside; -1 if none. */
function findClosingBracket(path: string, open: number): number {
  let i = open + 1;
  if (path[i] === '"') {
    i += 1;
    while (i < path.length && path[i] !== '"') i += path[i] === '\\' ? 2 : 1;
    if (i >= path.length) return -1;
    i += 1;
    return path[i] === ']' ? i : -1;
  }
  const close = path.indexOf(']', i);
  return close;
}
