// Istio Headers (request/response set/add/remove) → Envoy *_headers_to_add (append_action) and
// *_to_remove (Istio TranslateHeadersOperations). Pseudo-headers and `host` are never touched;
// a set/add of `:authority`/`host` becomes a host rewrite instead.

import type { Headers } from '@weft/shared';

/** envoy.config.core.v3.HeaderValueOption. */
export interface EnvoyHeaderValueOption {
  readonly header: { readonly key: string; readonly value: string };
  readonly append_action: 'APPEND_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS_OR_ADD';
}

/** The Envoy fields a Headers block turns into, plus the authority to rewrite to (if any). */
export interface HeaderOperations {
  readonly request_headers_to_add: EnvoyHeaderValueOption[];
  readonly request_headers_to_remove: string[];
  readonly response_headers_to_add: EnvoyHeaderValueOption[];
  readonly response_headers_to_remove: string[];
  /** From `:authority` or `host` in request set/add (`set` wins). Empty when none. */
  readonly authority: string;
}

const isInternal = (key: string): boolean => key.startsWith(':') || key.toLowerCase() === 'host';
const isAuthority = (key: string): boolean => key.toLowerCase() === ':authority' || key.toLowerCase() === 'host';

function toOptions(headers: Readonly<Record<string, string>> | undefined, append: boolean): { options: EnvoyHeaderValueOption[]; authority: string } {
  let authority = '';
  const options: EnvoyHeaderValueOption[] = [];
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (isAuthority(key)) authority = value;
    if (isInternal(key)) continue;
    options.push({ header: { key, value }, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' });
  }
  // Istio sorts by key (stable) so the output does not depend on map order.
  options.sort((a, b) => (a.header.key < b.header.key ? -1 : a.header.key > b.header.key ? 1 : 0));
  return { options, authority };
}

/** Translates a Headers block. `set` entries come before `add` entries, each sorted by key. */
export function translateHeaderOperations(headers: Headers | undefined): HeaderOperations {
  const reqSet = toOptions(headers?.request?.set, false);
  const reqAdd = toOptions(headers?.request?.add, true);
  const respSet = toOptions(headers?.response?.set, false);
  const respAdd = toOptions(headers?.response?.add, true);
  return {
    request_headers_to_add: [...reqSet.options, ...reqAdd.options],
    request_headers_to_remove: (headers?.request?.remove ?? []).filter((k) => !isInternal(k)),
    response_headers_to_add: [...respSet.options, ...respAdd.options],
    response_headers_to_remove: (headers?.response?.remove ?? []).filter((k) => !isInternal(k)),
    authority: reqSet.authority || reqAdd.authority,
  };
}

/** The non-empty header fields of `ops`, ready to spread into a Route or ClusterWeight. */
export function headerFields(ops: HeaderOperations): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ops.request_headers_to_add.length > 0) out.request_headers_to_add = ops.request_headers_to_add;
  if (ops.request_headers_to_remove.length > 0) out.request_headers_to_remove = ops.request_headers_to_remove;
  if (ops.response_headers_to_add.length > 0) out.response_headers_to_add = ops.response_headers_to_add;
  if (ops.response_headers_to_remove.length > 0) out.response_headers_to_remove = ops.response_headers_to_remove;
  return out;
}
