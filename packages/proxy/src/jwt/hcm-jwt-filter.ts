// The jwt_authn filter among an HTTP connection manager's http_filters: what validation refuses (a
// config the compiler rejects, more than one such filter, one placed after an RBAC filter, which the
// request path could not honour) and the compiled filter the listener hands to the request path.

import { TYPE_URL } from '@weft/shared/xds';
import { compileJwtAuthn, type JwtAuthnFilter } from './compile-jwt-authn.js';

/** An http_filters entry as decoded. */
export interface HttpFilterShape {
  readonly name?: string;
  readonly typed_config?: Readonly<Record<string, unknown>> & { readonly '@type'?: string };
  readonly disabled?: boolean;
}

/** A disabled filter runs only where a route enables it (typed_per_filter_config), which weftd never
 *  does: weft-proxy treats it as absent. */
const isJwt = (f: HttpFilterShape): boolean => f.typed_config?.['@type'] === TYPE_URL.JWT_AUTHN && f.disabled !== true;

/** Why the jwt_authn filters of `filters` cannot be enforced, as `at.http_filters[i]: reason` lines. */
export function jwtFilterProblems(filters: readonly HttpFilterShape[], at: string): string[] {
  const problems: string[] = [];
  let seen = -1;
  let firstRbac = -1;
  filters.forEach((f, i) => {
    if (f.typed_config?.['@type'] === TYPE_URL.HTTP_RBAC && firstRbac < 0) firstRbac = i;
    if (!isJwt(f)) return;
    const where = `${at}.http_filters[${i}]`;
    if (seen >= 0) problems.push(`${where}: weft-proxy runs one jwt_authn filter per HTTP connection manager (another is http_filters[${seen}])`);
    else seen = i;
    if (firstRbac >= 0) problems.push(`${where}: weft-proxy runs the jwt_authn filter before the RBAC filters; it must come before http_filters[${firstRbac}]`);
    const compiled = compileJwtAuthn(f.typed_config, f.name);
    if (!compiled.ok) problems.push(...compiled.problems.map((p) => `${where}: jwt_authn filter ${f.name ?? ''}: ${p}`));
  });
  return problems;
}

/** The HCM's compiled jwt_authn filter, undefined when it has none; or the problems when validation and
 *  the compiler disagree (the chain then closes its connections). */
export function compileHcmJwtFilter(filters: readonly HttpFilterShape[]): { readonly filter: JwtAuthnFilter | undefined } | { readonly problems: readonly string[] } {
  const f = filters.find(isJwt);
  if (f === undefined) return { filter: undefined };
  const compiled = compileJwtAuthn(f.typed_config, f.name);
  return compiled.ok ? { filter: compiled.filter } : { problems: compiled.problems };
}
