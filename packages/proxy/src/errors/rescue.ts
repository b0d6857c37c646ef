// The one table from a data-path failure (or local answer) to the response the proxy sends and the
// Envoy response flag it records. Statuses, bodies and flags are Envoy's, so access logs, metrics and
// users' scripts read the same as with Envoy.

/** Why the proxy answers a request itself instead of relaying an upstream response. */
export type LocalReplyReason =
  | 'no-route'
  | 'no-cluster'
  | 'no-healthy-upstream'
  | 'connect-failure'
  | 'connection-termination'
  | 'upstream-timeout'
  | 'upstream-protocol-error'
  | 'overflow'
  | 'upgrade-refused'
  | 'fault-abort'
  | 'direct-response'
  | 'redirect'
  /** The CORS filter answers a preflight itself. */
  | 'cors-preflight'
  /** An RBAC HTTP filter (AuthorizationPolicy) denied the request. */
  | 'rbac-denied'
  /** The jwt_authn filter (RequestAuthentication) refused the request's token. */
  | 'jwt-denied';

/** What the table says for one reason; `status` is a default the caller may override (fault abort,
 *  direct response and redirect carry their configured status). */
export interface RescueEntry {
  readonly status: number;
  /** Envoy response flag (`%RESPONSE_FLAGS%`), '' when Envoy sets none. */
  readonly flag: string;
  readonly body: string;
  /** Envoy's response code details (`%RESPONSE_CODE_DETAILS%`, StreamInfo::ResponseCodeDetails). */
  readonly details?: string;
}

const RESET_BEFORE_HEADERS = 'upstream connect error or disconnect/reset before headers. reset reason: ';

/** Envoy's local replies. */
export const RESCUE: Readonly<Record<LocalReplyReason, RescueEntry>> = Object.freeze({
  // Envoy sends an empty 404 when no route matches (route_not_found).
  'no-route': { status: 404, flag: 'NR', body: '', details: 'route_not_found' },
  // The route names a cluster CDS does not have (cluster_not_found).
  'no-cluster': { status: 503, flag: 'NC', body: '', details: 'cluster_not_found' },
  'no-healthy-upstream': { status: 503, flag: 'UH', body: 'no healthy upstream', details: 'no_healthy_upstream' },
  'connect-failure': { status: 503, flag: 'UF', body: `${RESET_BEFORE_HEADERS}connection failure`, details: 'upstream_reset_before_response_started{connection_failure}' },
  'connection-termination': { status: 503, flag: 'UC', body: `${RESET_BEFORE_HEADERS}connection termination`, details: 'upstream_reset_before_response_started{connection_termination}' },
  'upstream-timeout': { status: 504, flag: 'UT', body: 'upstream request timeout', details: 'upstream_response_timeout' },
  // The upstream's answer was not valid HTTP (Envoy's UPE).
  'upstream-protocol-error': { status: 503, flag: 'UPE', body: `${RESET_BEFORE_HEADERS}protocol error`, details: 'upstream_reset_before_response_started{protocol_error}' },
  // A circuit breaker threshold was reached (max connections, pending or requests): UO.
  'overflow': { status: 503, flag: 'UO', body: `${RESET_BEFORE_HEADERS}overflow`, details: 'upstream_reset_before_response_started{overflow}' },
  // An Upgrade the route does not allow (Envoy's `upgrade_failed`).
  'upgrade-refused': { status: 403, flag: '', body: '', details: 'upgrade_failed' },
  'fault-abort': { status: 503, flag: 'FI', body: 'fault filter abort', details: 'fault_filter_abort' },
  'direct-response': { status: 200, flag: '', body: '', details: 'direct_response' },
  'redirect': { status: 301, flag: '', body: '', details: 'direct_response' },
  'cors-preflight': { status: 200, flag: '', body: '', details: 'cors_response' },
  // Envoy's RBAC filter: a 403 with this body and no response flag (its response code details say
  // `rbac_access_denied_matched_policy[<policy>]`; Envoy has no RBAC flag, UAEX is ext_authz's).
  'rbac-denied': { status: 403, flag: '', body: 'RBAC: access denied', details: 'rbac_access_denied_matched_policy[none]' },
  // Envoy's jwt_authn filter: 401 (403 for a disallowed audience) with the verification status as body
  // and a `www-authenticate` header, all given by the filter per request; no response flag.
  'jwt-denied': { status: 401, flag: '', body: 'Jwt verification fails', details: 'jwt_authn_access_denied{Jwt_verification_fails}' },
});

/** The flag Envoy adds when a request was delayed by the fault filter. */
export const FAULT_DELAY_FLAG = 'DI';
/** The flag Envoy adds when the retry limit was reached and the last failure is returned. */
export const RETRY_LIMIT_FLAG = 'URX';
/** The flag Envoy sets when the client went away before the response was complete (status 0 when no
 *  response head had been sent). */
export const DOWNSTREAM_DISCONNECT_FLAG = 'DC';
/** The flag Envoy sets for a request refused by the HTTP codec (400, 431, 501 local replies). */
export const DOWNSTREAM_PROTOCOL_ERROR_FLAG = 'DPE';
