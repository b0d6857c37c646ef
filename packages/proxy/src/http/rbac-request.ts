// The RBAC HTTP filters (envoy.filters.http.rbac) on one request: the request's attributes as Envoy's
// RBAC matchers read them, the filters run in order until one denies, and the shadow (dry-run) results
// as Envoy's dynamic metadata. Called by handle-request.ts only on listeners that have RBAC filters.

import { isIP } from 'node:net';
import type { RbacConnection } from '../listeners/rbac-connection.js';
import type { DynamicMetadata, HeaderReader, RbacAttributes, RbacEngine } from '../rbac/index.js';
import type { DownstreamRequest } from './downstream-request.js';

/** What the RBAC filters decided for one request. */
export interface HttpRbacVerdict {
  readonly allowed: boolean;
  /** The effective policy of a denial (Envoy's `rbac_access_denied_matched_policy[...]`), undefined
   *  when an ALLOW filter matched no policy. */
  readonly policyId?: string;
  /** Shadow results as Envoy's `envoy.filters.http.rbac` dynamic metadata:
   *  `<shadow_rules_stat_prefix>shadow_engine_result` (`allowed` / `denied`) and
   *  `<shadow_rules_stat_prefix>shadow_effective_policy_id`; undefined when no filter has shadow rules. */
  readonly shadow?: Readonly<Record<string, string>>;
}

/** Headers as Envoy's header map holds them: lower-case names, HTTP/1.1 Host as `:authority` (as
 *  received), `:path` with its query, `:method`, `:scheme`; repeated values joined with `,`. */
function headersOf(req: DownstreamRequest): HeaderReader {
  return (name) => {
    switch (name) {
      case ':authority':
        return req.authority === '' ? undefined : req.authority;
      case ':path':
        return req.path;
      case ':method':
        return req.method;
      case ':scheme':
        return req.scheme;
      default: {
        const v = req.headers[name];
        return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
      }
    }
  };
}

/** Envoy's downstream remote address without trusted hops: with use_remote_address the peer; without
 *  it the last x-forwarded-for address when there is a valid one, else the peer. */
function remoteIpOf(req: DownstreamRequest, peer: string | undefined, useRemoteAddress: boolean): string | undefined {
  if (useRemoteAddress) return peer;
  const xff = req.headers['x-forwarded-for'];
  const text = typeof xff === 'string' ? xff : xff?.join(',');
  if (text === undefined) return peer;
  const last = text.slice(text.lastIndexOf(',') + 1).trim();
  return isIP(last) !== 0 ? last : peer;
}

/**
 * Runs `engines` (an HCM's RBAC filters, in order) on `req`: the first denial decides (Envoy answers
 * 403 `RBAC: access denied`); filters after it do not run. Dry-run (shadow) rules never change the
 * outcome. `connection` gives the peer, destination, SNI and certificate; without it (the explicit
 * proxy) the peer is the request's remote address and the rest is unknown. `dynamicMetadata` is what
 * earlier filters wrote (jwt_authn's verified payload, for request principals and `request.auth.*`).
 */
export function evaluateHttpRbac(engines: readonly RbacEngine[], req: DownstreamRequest, connection: RbacConnection | undefined, useRemoteAddress: boolean, dynamicMetadata?: DynamicMetadata): HttpRbacVerdict {
  const peer = connection?.directRemoteIp ?? req.remoteAddress;
  const attrs: RbacAttributes = { ...connection, directRemoteIp: peer, remoteIp: remoteIpOf(req, peer, useRemoteAddress), header: headersOf(req), ...(dynamicMetadata !== undefined ? { dynamicMetadata } : {}) };
  let shadow: Record<string, string> | undefined;
  for (const engine of engines) {
    const decision = engine.evaluate(attrs);
    if (decision.shadow !== undefined) {
      shadow ??= {};
      const prefix = engine.shadowRulesStatPrefix;
      shadow[`${prefix}shadow_engine_result`] = decision.shadow.allowed ? 'allowed' : 'denied';
      if (decision.shadow.policyId !== undefined) shadow[`${prefix}shadow_effective_policy_id`] = decision.shadow.policyId;
    }
    if (!decision.allowed) return { allowed: false, ...(decision.policyId !== undefined ? { policyId: decision.policyId } : {}), ...(shadow ? { shadow } : {}) };
  }
  return shadow ? { allowed: true, shadow } : { allowed: true };
}
