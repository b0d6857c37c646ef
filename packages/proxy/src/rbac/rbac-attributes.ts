// What the RBAC engine reads from a request or connection, and what it answers. The request path fills
// RbacAttributes from what it already knows (headers, addresses, the peer certificate, dynamic metadata
// from earlier filters); the engine never reaches into sockets itself.

import type { DynamicMetadata, HeaderReader } from './rbac-matchers.js';
import { parseIp, type ParsedIp } from './rbac-ip.js';

/** The verified peer certificate of a TLS connection (Envoy's Ssl::ConnectionInfo). */
export interface RbacPeerCertificate {
  /** URI SANs: the SPIFFE identity `spiffe://<td>/ns/<ns>/sa/<sa>` for mesh peers. */
  readonly uriSans?: readonly string[];
  readonly dnsSans?: readonly string[];
  /** The subject DN, '' when unknown. */
  readonly subject?: string;
}

/**
 * One request (HTTP filter) or connection (network filter) as RBAC sees it. Addresses are IP strings
 * (an IPv4-mapped IPv6 address counts as IPv4); an address that is missing or not an IP matches no
 * CIDR.
 */
export interface RbacAttributes {
  /** Request headers by lower-case name, pseudo-headers included (`:authority` — HTTP/1.1's Host —,
   *  `:path` with its query, `:method`), repeated values joined with `,`. Absent for the network filter:
   *  every header is then missing. */
  readonly header?: HeaderReader;
  /** The physical peer (Envoy direct remote address; Principal.direct_remote_ip, Istio `ipBlocks`). */
  readonly directRemoteIp?: string;
  /** The connection's remote address after PROXY protocol (Principal.source_ip); defaults to
   *  directRemoteIp. */
  readonly sourceIp?: string;
  /** The client address after x-forwarded-for handling (Principal.remote_ip, Istio `remoteIpBlocks`);
   *  defaults to sourceIp. */
  readonly remoteIp?: string;
  /** The local address the connection came to (original destination when captured). */
  readonly destinationIp?: string;
  readonly destinationPort?: number;
  /** SNI of the TLS handshake, '' when none. */
  readonly requestedServerName?: string;
  /** Undefined: the connection is not TLS (no `authenticated` principal matches). */
  readonly peerCertificate?: RbacPeerCertificate;
  /** Dynamic metadata by filter namespace, each a plain JSON object (Struct): e.g.
   *  `envoy.filters.http.jwt_authn` → `{ payload: { iss, sub, aud, ... } }` once JWT verification exists. */
  readonly dynamicMetadata?: DynamicMetadata;
}

/** The outcome of one set of rules. */
export interface RbacRulesResult {
  /** Enforcement result: ALLOW rules allow when a policy matches, DENY rules when none does, LOG
   *  rules always. */
  readonly allowed: boolean;
  /** The first matching policy in name order (Envoy's effective policy id). */
  readonly policyId?: string;
}

/** What an RBAC filter decides for a request. */
export interface RbacDecision extends RbacRulesResult {
  /** Action LOG: a policy matched, so the request should be access-logged (Envoy's access_log_hint). */
  readonly log?: boolean;
  /** The dry-run result of shadow_rules (never enforced; Envoy reports it as
   *  `<prefix>shadow_engine_result` / `<prefix>shadow_effective_policy_id` dynamic metadata). */
  readonly shadow?: RbacRulesResult & { readonly log?: boolean };
}

/** Per-evaluation view of the attributes: addresses parsed once, on first use. */
export class RbacEvalContext {
  private direct: ParsedIp | undefined | null = null;
  private source: ParsedIp | undefined | null = null;
  private remote: ParsedIp | undefined | null = null;
  private destination: ParsedIp | undefined | null = null;

  constructor(readonly attrs: RbacAttributes) {}

  directRemoteIp(): ParsedIp | undefined {
    if (this.direct === null) this.direct = ip(this.attrs.directRemoteIp);
    return this.direct;
  }

  sourceIp(): ParsedIp | undefined {
    if (this.source === null) this.source = this.attrs.sourceIp === undefined ? this.directRemoteIp() : ip(this.attrs.sourceIp);
    return this.source;
  }

  remoteIp(): ParsedIp | undefined {
    if (this.remote === null) this.remote = this.attrs.remoteIp === undefined ? this.sourceIp() : ip(this.attrs.remoteIp);
    return this.remote;
  }

  destinationIp(): ParsedIp | undefined {
    if (this.destination === null) this.destination = ip(this.attrs.destinationIp);
    return this.destination;
  }
}

const ip = (s: string | undefined): ParsedIp | undefined => (s === undefined ? undefined : parseIp(s));
