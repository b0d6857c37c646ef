// Compiles Envoy's request/response header edits (`*_headers_to_add` HeaderValueOptions with
// append_action or the legacy `append`, and `*_headers_to_remove`) into one apply function.

/** Mutable headers in node:http's shape (lower-case names). */
export type HeaderBag = Record<string, string | string[] | undefined>;

/** Applies compiled edits to a header bag in place. */
export type HeaderMutation = (headers: HeaderBag) => void;

type AppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

interface Edit {
  readonly name: string;
  readonly value: string;
  readonly action: AppendAction;
}

/** Does nothing; shared by every level without edits. */
export const NO_MUTATION: HeaderMutation = () => undefined;

function editOf(option: Readonly<Record<string, unknown>>): Edit | undefined {
  const header = option.header as { key?: unknown; value?: unknown } | undefined;
  if (!header || typeof header.key !== 'string') return undefined;
  const legacy = (option.append as { value?: unknown } | undefined)?.value;
  const action: AppendAction =
    typeof option.append_action === 'string' ? (option.append_action as AppendAction) : legacy === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD';
  return { name: header.key.toLowerCase(), value: typeof header.value === 'string' ? header.value : '', action };
}

/** Compiles `toAdd` (HeaderValueOption[]) and `toRemove` (names); removals run first, as in Envoy. */
export function compileHeaderMutation(toAdd: unknown, toRemove: unknown): HeaderMutation {
  const edits = Array.isArray(toAdd) ? (toAdd as Readonly<Record<string, unknown>>[]).map(editOf).filter((e): e is Edit => e !== undefined) : [];
  const removes = Array.isArray(toRemove) ? (toRemove as unknown[]).filter((r): r is string => typeof r === 'string').map((r) => r.toLowerCase()) : [];
  if (edits.length === 0 && removes.length === 0) return NO_MUTATION;
  return (headers) => {
    for (const r of removes) delete headers[r];
    for (const e of edits) {
      const old = headers[e.name];
      if (old === undefined) {
        if (e.action !== 'OVERWRITE_IF_EXISTS') headers[e.name] = e.value;
      } else if (e.action === 'APPEND_IF_EXISTS_OR_ADD') headers[e.name] = [...(Array.isArray(old) ? old : [old]), e.value];
      else if (e.action !== 'ADD_IF_ABSENT') headers[e.name] = e.value;
    }
  };
}

/** Runs several mutations in order (route, then virtual host, then route configuration, as Envoy does). */
export function chainMutations(list: readonly HeaderMutation[]): HeaderMutation {
  const real = list.filter((m) => m !== NO_MUTATION);
  if (real.length === 0) return NO_MUTATION;
  if (real.length === 1) return real[0] as HeaderMutation;
  return (headers) => {
    for (const m of real) m(headers);
  };
}
