// Istio's semantic validation of VirtualService (pkg/config/validation: ValidateVirtualService and
// virtualservice.go): hosts, gateways, HTTP/TLS/TCP routes, delegation and unreachable-rule warnings.

import type { KindValidator } from './context.js';
import { joinPath, type Collector } from '../result.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { validateDestination } from './primitives/destination.js';
import { parseDuration, validateDuration } from './primitives/duration.js';
import { validateExportTo } from './primitives/export-to.js';
import { reportFindings } from './primitives/finding.js';
import { validateGRPCStatus } from './primitives/grpc-status.js';
import {
  isAuthorityHeader,
  isJwtClaimRoute,
  validateCORSHTTPHeaderName,
  validateHeaderAddSetName,
  validateHeaderOperationName,
  validateHTTPHeaderNameOrJwtClaimRoute,
  validateHTTPHeaderValue,
} from './primitives/headers.js';
import {
  hostMatches,
  hostSubsetOf,
  isDNS1123Label,
  validateFQDN,
  validateWildcardDomain,
  validateWildcardDomainForVirtualServiceBoundToGateway,
} from './primitives/hosts.js';
import { validateHTTPStatus, validateRedirectCode } from './primitives/http-status.js';
import { isIPAddress, validateIPSubnet } from './primitives/ip.js';
import { validateLabels } from './primitives/labels.js';
import { formatGoFloat, validatePercentage } from './primitives/percent.js';
import { validatePort } from './primitives/ports.js';
import { asArray, asNumber, asRecord, asString, isNonEmpty, isSet, stringEntries, stringItems } from './primitives/read-helpers.js';
import { validateRegex } from './primitives/regex.js';
import { validateRetryOn } from './primitives/retry-on.js';
import { stringMatchValue, validateStringMatch, validateStringMatchOneOf, validateStringMatchRegexp } from './primitives/string-match.js';

/** The gateway name that means "the sidecars of the mesh". */
export const MESH_GATEWAY = 'mesh';
/** Annotation Istio sets on VirtualServices converted from Gateway API routes (looser name rules). */
const ROUTE_SEMANTICS_ANNOTATION = 'internal.istio.io/route-semantics';

const CORS_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*']);
const KB = 1024;
const MB = 1024 * KB;

/** Reports an error at a path rooted at the resource. */
function err(c: Collector, path: string, message: string): void {
  c.error('WEFT_ERR_SEMANTIC', path, message);
}

function warn(c: Collector, path: string, message: string): void {
  c.warn('WEFT_ERR_SEMANTIC', path, message);
}

/** Semantic rules for VirtualService. */
export const validateVirtualService: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = asRecord(res.spec);
  if (!spec) return;
  const namespace = asString(res.metadata.namespace) ?? '';
  const annotations = asRecord(res.metadata.annotations);
  const gatewaySemantics = annotations?.[ROUTE_SEMANTICS_ANNOTATION] === 'gateway';

  const hosts = stringItems(spec.hosts);
  const gateways = stringItems(spec.gateways);
  const http = asArray(spec.http) ?? [];
  const tcp = asArray(spec.tcp) ?? [];
  const tls = asArray(spec.tls) ?? [];
  const delegate = hosts.length === 0;

  if (delegate) {
    // A VirtualService without hosts can only be a delegate of another one's HTTP route.
    if (gateways.length > 0) err(c, 'spec.gateways', 'delegate virtual service must have no gateways specified');
    if (tls.length > 0) err(c, 'spec.tls', 'delegate virtual service must have no tls route specified');
    if (tcp.length > 0) err(c, 'spec.tcp', 'delegate virtual service must have no tcp route specified');
  }

  let appliesToMesh = true;
  let appliesToGateway = false;
  if (gateways.length > 0) {
    validateGatewayNames(c, 'spec.gateways', gateways, gatewaySemantics);
    appliesToGateway = isGatewayBound(spec);
    appliesToMesh = !appliesToGateway;
  }

  if (!appliesToGateway) {
    // JWT claims are only known at a gateway, where the request was authenticated.
    http.forEach((route, i) => {
      recordItemsOf(asRecord(route)?.match).forEach(([j, m]) => {
        for (const field of ['headers', 'withoutHeaders'] as const) {
          for (const key of Object.keys(asRecord(m[field]) ?? {})) {
            if (isJwtClaimRoute(key)) {
              err(
                c,
                joinPath(joinPath(joinPath(joinPath(joinPath('spec.http', i), 'match'), j), field), key),
                `JWT claim based routing (key: ${key}) is only supported for gateway, found no gateways: [${gateways.map(([, g]) => g).join(' ')}]`,
              );
            }
          }
        }
      });
    });
  }

  let allHostsValid = true;
  const sni = isSniHost(spec);
  for (const [i, host] of hosts) {
    const e = appliesToGateway ? validateWildcardDomainForVirtualServiceBoundToGateway(sni, host) : validateWildcardDomain(host);
    if (e) {
      if (!isIPAddress(host)) {
        err(c, joinPath('spec.hosts', i), e);
        allHostsValid = false;
      }
    } else if (appliesToMesh && host === '*') {
      err(c, joinPath('spec.hosts', i), 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
      allHostsValid = false;
    }
  }
  if (allHostsValid) {
    // Overlapping hosts (including wildcard overlap like *.foo.com and *.com) are duplicates.
    for (let a = 0; a < hosts.length; a++) {
      for (let b = a + 1; b < hosts.length; b++) {
        const [, ha] = hosts[a] ?? [0, ''];
        const [ib, hb] = hosts[b] ?? [0, ''];
        if (hostMatches(ha, hb)) err(c, joinPath('spec.hosts', ib), `duplicate hosts in virtual service: ${ha} & ${hb}`);
      }
    }
  }

  if (http.length === 0 && tcp.length === 0 && tls.length === 0) err(c, 'spec', 'http, tcp or tls must be provided in virtual service');

  http.forEach((route, i) => {
    const path = joinPath('spec.http', i);
    const r = asRecord(route);
    if (!r) {
      err(c, path, 'http route may not be null');
      return;
    }
    validateHTTPRoute(c, path, r, delegate, gatewaySemantics);
  });
  tls.forEach((route, i) => {
    const r = asRecord(route);
    if (r) validateTLSRoute(c, joinPath('spec.tls', i), r, spec, hosts, gatewaySemantics);
  });
  tcp.forEach((route, i) => {
    const r = asRecord(route);
    if (r) validateTCPRoute(c, joinPath('spec.tcp', i), r, gatewaySemantics);
  });

  reportFindings(c, 'spec.exportTo', validateExportTo(spec.exportTo, { namespace }));

  analyzeUnreachableRules(c, 'spec.http', http, true);
  analyzeUnreachableRules(c, 'spec.tcp', tcp, false);
  analyzeUnreachableRules(c, 'spec.tls', tls, false);
};

function recordItemsOf(v: unknown): Array<[number, Record<string, unknown>]> {
  const out: Array<[number, Record<string, unknown>]> = [];
  (asArray(v) ?? []).forEach((x, i) => {
    const r = asRecord(x);
    if (r) out.push([i, r]);
  });
  return out;
}

/** Istio's isGateway: bound to gateways unless `mesh` is one of them (true when gateways is empty). */
function isGatewayBound(spec: Record<string, unknown>): boolean {
  return !stringItems(spec.gateways).some(([, g]) => g === MESH_GATEWAY);
}

/** Istio's isSniHost: some TLS route matches on SNI hosts. */
function isSniHost(spec: Record<string, unknown>): boolean {
  return recordItemsOf(spec.tls).some(([, t]) => recordItemsOf(t.match).some(([, m]) => isNonEmpty(m.sniHosts)));
}

/** Istio's validateGatewayNames: `mesh`, `<namespace>/<name>` or the legacy `<name>.<namespace>...` form. */
function validateGatewayNames(c: Collector, base: string, names: ReadonlyArray<[number, string]>, gatewaySemantics: boolean): void {
  for (const [i, name] of names) {
    const path = joinPath(base, i);
    const slash = name.indexOf('/');
    if (slash < 0) {
      if (name.includes('.')) {
        const parts = name.split('.');
        warn(c, path, `using legacy gatewayName format ${JSON.stringify(name)}; prefer the <namespace>/<name> format: ${JSON.stringify(`${parts[1]}/${parts[0]}`)}`);
      }
      const e = validateFQDN(name);
      if (e) err(c, path, e);
      // Istio stops at the first name without a slash (usually `mesh`); later names go unchecked there.
      return;
    }
    const ns = name.slice(0, slash);
    const gw = name.slice(slash + 1);
    if (ns.length === 0 || gw.length === 0) err(c, path, 'config namespace and gateway name cannot be empty');
    if (!isDNS1123Label(ns)) err(c, path, `invalid value for namespace: ${JSON.stringify(ns)}`);
    if (!isDNS1123Label(gw) && !gatewaySemantics) err(c, path, `invalid value for gateway name: ${JSON.stringify(gw)}`);
  }
}

type RouteType = 'independent' | 'root' | 'delegate';

function validateHTTPRoute(c: Collector, path: string, http: Record<string, unknown>, delegate: boolean, gatewaySemantics: boolean): void {
  const routeType: RouteType = delegate ? 'delegate' : isSet(http.delegate) ? 'root' : 'independent';
  validateHTTPRouteConflict(c, path, http, routeType);
  validateHTTPRouteMatchRequest(c, path, http);
  validateHeaderOperations(c, joinPath(path, 'headers'), http.headers);

  validateCORSPolicy(c, joinPath(path, 'corsPolicy'), http.corsPolicy);
  validateHTTPFaultInjection(c, joinPath(path, 'fault'), http.fault);

  if (isSet(http.mirrorPercent)) {
    const v = asNumber(http.mirrorPercent) ?? asNumber(asRecord(http.mirrorPercent)?.value);
    if (v !== undefined && v > 100) err(c, joinPath(path, 'mirrorPercent'), `mirror_percent must have a max value of 100 (it has ${v})`);
    warn(c, joinPath(path, 'mirrorPercent'), 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead');
  }
  const mirrorPct = asRecord(http.mirrorPercentage);
  if (mirrorPct) {
    const v = asNumber(mirrorPct.value) ?? 0;
    if (v > 100) err(c, joinPath(path, 'mirrorPercentage'), `mirror_percentage must have a max value of 100 (it has ${formatGoFloat(v)})`);
    if (v < 0) err(c, joinPath(path, 'mirrorPercentage'), `mirror_percentage must have a min value of 0 (it has ${formatGoFloat(v)})`);
  }
  reportFindings(c, joinPath(path, 'mirror'), validateDestination(http.mirror));
  validateHTTPMirrors(c, joinPath(path, 'mirrors'), http.mirrors);
  validateHTTPRedirect(c, joinPath(path, 'redirect'), http.redirect);
  validateHTTPDirectResponse(c, joinPath(path, 'directResponse'), http.directResponse);
  validateHTTPRetry(c, joinPath(path, 'retries'), http.retries);
  validateHTTPRewrite(c, joinPath(path, 'rewrite'), http.rewrite);
  validateAuthorityRewrite(c, path, http);
  validateRouteDestinations(c, joinPath(path, 'route'), http.route, gatewaySemantics, true);
  const timeout = asString(http.timeout);
  if (timeout !== undefined) {
    const e = validateDuration(timeout);
    if (e) err(c, joinPath(path, 'timeout'), e);
  }
}

function validateHTTPRouteConflict(c: Collector, path: string, http: Record<string, unknown>, routeType: RouteType): void {
  const name = asString(http.name) ?? '';
  if (routeType === 'root') {
    // A root route only delegates: the delegate VirtualService owns the routing.
    if (isSet(http.redirect)) err(c, joinPath(path, 'redirect'), `root HTTP route ${name} must not specify redirect`);
    if (isSet(http.route)) err(c, joinPath(path, 'route'), `root HTTP route ${name} must not specify route`);
    return;
  }
  if (routeType === 'delegate' && isSet(http.delegate)) err(c, joinPath(path, 'delegate'), 'delegate HTTP route cannot contain delegate');

  const hasRoute = isNonEmpty(http.route);
  if (isSet(http.redirect)) {
    if (hasRoute) err(c, path, 'HTTP route cannot contain both route and redirect');
    if (isSet(http.fault)) err(c, path, 'HTTP route cannot contain both fault and redirect');
    if (isSet(http.rewrite)) err(c, path, 'HTTP route rule cannot contain both rewrite and redirect');
    if (isSet(http.directResponse)) err(c, path, 'HTTP route rule cannot contain both direct_response and redirect');
  } else if (isSet(http.directResponse)) {
    if (hasRoute) err(c, path, 'HTTP route cannot contain both route and direct_response');
    if (isSet(http.fault)) err(c, path, 'HTTP route cannot contain both fault and direct_response');
    if (isSet(http.rewrite)) err(c, path, 'HTTP route rule cannot contain both rewrite and direct_response');
  } else if (!hasRoute) {
    err(c, path, 'HTTP route, redirect or direct_response is required');
  }
  if (isSet(http.mirror) && isNonEmpty(http.mirrors)) err(c, path, 'HTTP route cannot contain both mirror and mirrors');
}

function validateHTTPRouteMatchRequest(c: Collector, path: string, http: Record<string, unknown>): void {
  (asArray(http.match) ?? []).forEach((item, j) => {
    const m = asRecord(item);
    if (!m) return;
    const mp = joinPath(joinPath(path, 'match'), j);
    const headers = asRecord(m.headers);
    for (const [name, header] of Object.entries(headers ?? {})) {
      const hp = joinPath(joinPath(mp, 'headers'), name);
      if (header === null || header === undefined) err(c, hp, `header match ${name} cannot be null`);
      const ne = validateHTTPHeaderNameOrJwtClaimRoute(name);
      if (ne) err(c, hp, ne);
      checkStringMatch(c, hp, header, 'headers', false);
    }
    for (const [name, header] of Object.entries(asRecord(m.withoutHeaders) ?? {})) {
      const hp = joinPath(joinPath(mp, 'withoutHeaders'), name);
      const ne = validateHTTPHeaderNameOrJwtClaimRoute(name);
      if (ne) err(c, hp, ne);
      // A regex of `*` is not RE2 here: it means "header present" and is translated as such.
      if (isSet(header) && stringMatchValue(header)?.value !== '*') checkStringMatch(c, hp, header, 'withoutHeaders', false);
      else if (isSet(header)) checkOneOf(c, hp, header, 'withoutHeaders');
    }
    // uri may be an empty prefix (matches everything); scheme/method/authority may not.
    if (isSet(m.uri)) checkStringMatch(c, joinPath(mp, 'uri'), m.uri, 'uri', true);
    for (const field of ['scheme', 'method', 'authority'] as const) {
      if (isSet(m[field])) checkStringMatch(c, joinPath(mp, field), m[field], field, false);
    }
    for (const [name, qp] of Object.entries(asRecord(m.queryParams) ?? {})) {
      checkStringMatch(c, joinPath(joinPath(mp, 'queryParams'), name), qp, 'queryParams', false);
    }
  });
  (asArray(http.match) ?? []).forEach((item, j) => {
    const m = asRecord(item);
    if (!m) return;
    const mp = joinPath(joinPath(path, 'match'), j);
    checkL4MatchCommon(c, mp, m);
    const sourceNamespace = asString(m.sourceNamespace) ?? '';
    if (sourceNamespace !== '' && !isDNS1123Label(sourceNamespace)) {
      err(c, joinPath(mp, 'sourceNamespace'), `sourceNamespace match ${sourceNamespace} is invalid`);
    }
  });
}

/** Port, source labels and gateways: the match fields HTTP, TLS and TCP routes share. */
function checkL4MatchCommon(c: Collector, mp: string, m: Record<string, unknown>): void {
  const port = asNumber(m.port) ?? 0;
  if (port !== 0) {
    const e = validatePort(port);
    if (e) err(c, joinPath(mp, 'port'), e);
  }
  reportFindings(c, joinPath(mp, 'sourceLabels'), validateLabels(m.sourceLabels));
  validateGatewayNames(c, joinPath(mp, 'gateways'), stringItems(m.gateways), false);
}

function checkOneOf(c: Collector, path: string, sm: unknown, where: string): void {
  const e = validateStringMatchOneOf(sm, where);
  if (e) err(c, path, e);
}

function checkStringMatch(c: Collector, path: string, sm: unknown, where: string, emptyPrefixAllowed: boolean): void {
  checkOneOf(c, path, sm, where);
  const e = emptyPrefixAllowed ? validateStringMatchRegexp(sm, where) : validateStringMatch(sm, where);
  if (e) err(c, path, e);
}

/** Istio's header operation rules: request add/set may target the authority; nothing may touch
 *  `:`-pseudo headers, and remove/response operations may not touch `host`. */
function validateHeaderOperations(c: Collector, path: string, headers: unknown): void {
  const h = asRecord(headers);
  if (!h) return;
  for (const side of ['request', 'response'] as const) {
    const ops = asRecord(h[side]);
    if (!ops) continue;
    const sp = joinPath(path, side);
    for (const op of ['add', 'set'] as const) {
      for (const [name, val] of stringEntries(ops[op])) {
        const np = joinPath(joinPath(sp, op), name);
        const ne = side === 'request' ? validateHeaderAddSetName(name) : validateHeaderOperationName(name);
        if (ne) err(c, np, ne);
        const ve = validateHTTPHeaderValue(val);
        if (ve) err(c, np, ve);
      }
    }
    for (const [i, name] of stringItems(ops.remove)) {
      const ne = validateHeaderOperationName(name);
      if (ne) err(c, joinPath(joinPath(sp, 'remove'), i), ne);
    }
  }
}

/** Istio's validateAuthorityRewrite: the authority may be rewritten in one place only. */
function validateAuthorityRewrite(c: Collector, path: string, http: Record<string, unknown>): void {
  let current = asString(asRecord(http.rewrite)?.authority) ?? '';
  const request = asRecord(asRecord(http.headers)?.request);
  for (const op of ['set', 'add'] as const) {
    for (const [k, v] of stringEntries(request?.[op])) {
      if (!isAuthorityHeader(k)) continue;
      if (current !== '') {
        err(c, joinPath(joinPath(joinPath(joinPath(path, 'headers'), 'request'), op), k), `authority header cannot be set multiple times: have ${JSON.stringify(current)}, attempting to set ${JSON.stringify(v)}`);
        return;
      }
      current = v;
    }
  }
}

function validateCORSPolicy(c: Collector, path: string, policy: unknown): void {
  const p = asRecord(policy);
  if (!p) return;
  (asArray(p.allowOrigins) ?? []).forEach((origin, i) => {
    const op = joinPath(joinPath(path, 'allowOrigins'), i);
    checkOneOf(c, op, origin, 'corsPolicy.allowOrigins');
    const m = stringMatchValue(origin);
    if (!m || m.value === '') {
      err(c, op, "'' is not a valid match type for CORS allow origins");
      return;
    }
    const e = validateStringMatchRegexp(origin, 'corsPolicy.allowOrigins');
    if (e) err(c, op, e);
  });
  for (const [i, method] of stringItems(p.allowMethods)) {
    if (!CORS_METHODS.has(method)) err(c, joinPath(joinPath(path, 'allowMethods'), i), `${JSON.stringify(method)} is not a supported HTTP method`);
  }
  for (const field of ['allowHeaders', 'exposeHeaders'] as const) {
    for (const [i, name] of stringItems(p[field])) {
      const e = validateCORSHTTPHeaderName(name);
      if (e) err(c, joinPath(joinPath(path, field), i), e);
    }
  }
  const maxAge = asString(p.maxAge);
  if (maxAge !== undefined) {
    const e = validateDuration(maxAge);
    if (e) err(c, joinPath(path, 'maxAge'), e);
    const d = parseDuration(maxAge);
    if (d !== undefined && d > 0 && d % 1e9 !== 0) err(c, joinPath(path, 'maxAge'), 'max_age duration is accurate only to seconds precision');
  }
}

function validateHTTPFaultInjection(c: Collector, path: string, fault: unknown): void {
  const f = asRecord(fault);
  if (!f) return;
  if (!isSet(f.abort) && !isSet(f.delay)) err(c, path, 'HTTP fault injection must have an abort and/or a delay');
  const abort = asRecord(f.abort);
  if (abort) {
    const ap = joinPath(path, 'abort');
    checkPercentage(c, joinPath(ap, 'percentage'), abort.percentage);
    if (isSet(abort.grpcStatus)) {
      const e = validateGRPCStatus(asString(abort.grpcStatus) ?? String(abort.grpcStatus));
      if (e) err(c, joinPath(ap, 'grpcStatus'), e);
    } else if (isSet(abort.http2Error)) {
      err(c, joinPath(ap, 'http2Error'), 'HTTP/2 abort fault injection not supported yet');
    } else if (isSet(abort.httpStatus)) {
      const e = validateHTTPStatus(asNumber(abort.httpStatus) ?? 0);
      if (e) err(c, joinPath(ap, 'httpStatus'), e);
    } else {
      warn(c, ap, 'abort configured, but error type not set');
    }
  }
  const delay = asRecord(f.delay);
  if (delay) {
    const dp = joinPath(path, 'delay');
    checkPercentage(c, joinPath(dp, 'percentage'), delay.percentage);
    const fixed = asString(delay.fixedDelay);
    const exponential = asString(delay.exponentialDelay);
    if (fixed !== undefined) {
      const e = validateDuration(fixed);
      if (e) err(c, joinPath(dp, 'fixedDelay'), e);
    } else if (exponential !== undefined) {
      const e = validateDuration(exponential);
      if (e) err(c, joinPath(dp, 'exponentialDelay'), e);
      err(c, joinPath(dp, 'exponentialDelay'), 'exponentialDelay not supported yet');
    }
  }
}

function checkPercentage(c: Collector, path: string, percentage: unknown): void {
  const p = asRecord(percentage);
  if (!p) return;
  const e = validatePercentage(asNumber(p.value) ?? 0);
  if (e) err(c, path, e);
}

function validateHTTPMirrors(c: Collector, path: string, mirrors: unknown): void {
  (asArray(mirrors) ?? []).forEach((item, i) => {
    const mp = joinPath(path, i);
    const m = asRecord(item);
    if (!m) {
      err(c, mp, 'mirror cannot be null');
      return;
    }
    if (!isSet(m.destination)) {
      err(c, mp, 'destination is required for mirrors');
      return;
    }
    reportFindings(c, joinPath(mp, 'destination'), validateDestination(m.destination));
    const pct = asRecord(m.percentage);
    if (pct) {
      const v = asNumber(pct.value) ?? 0;
      if (v > 100) err(c, joinPath(mp, 'percentage'), `mirror percentage must have a max value of 100 (it has ${formatGoFloat(v)})`);
      if (v < 0) err(c, joinPath(mp, 'percentage'), `mirror percentage must have a min value of 0 (it has ${formatGoFloat(v)})`);
    }
  });
}

function validateHTTPRedirect(c: Collector, path: string, redirect: unknown): void {
  const r = asRecord(redirect);
  if (!r) return;
  const uri = asString(r.uri) ?? '';
  const authority = asString(r.authority) ?? '';
  const scheme = asString(r.scheme) ?? '';
  // Istio returns at the first problem here.
  if (uri === '' && authority === '' && !isSet(r.port) && !isSet(r.derivePort) && scheme === '') {
    err(c, path, 'redirect must specify URI, authority, scheme, or port');
    return;
  }
  const codeErr = validateRedirectCode(asNumber(r.redirectCode) ?? 0);
  if (codeErr) {
    err(c, joinPath(path, 'redirectCode'), codeErr);
    return;
  }
  if (scheme !== '' && scheme !== 'http' && scheme !== 'https') {
    err(c, joinPath(path, 'scheme'), 'invalid redirect scheme, must be "http" or "https"');
    return;
  }
  const port = asNumber(r.port) ?? 0;
  if (port > 0) {
    const e = validatePort(port);
    if (e) err(c, joinPath(path, 'port'), e);
  }
}

function validateHTTPDirectResponse(c: Collector, path: string, directResponse: unknown): void {
  const d = asRecord(directResponse);
  if (!d) return;
  const body = asRecord(d.body);
  if (body) {
    const s = asString(body.string);
    const b = asString(body.bytes);
    // `bytes` is base64 in YAML; its decoded size is about three quarters of the text.
    const size = s !== undefined ? new TextEncoder().encode(s).length : b !== undefined ? Math.floor((b.replace(/=+$/, '').length * 3) / 4) : 0;
    if (size > MB) err(c, joinPath(path, 'body'), 'large direct_responses may impact control plane performance, must be less than 1MB');
    else if (size > 100 * KB) warn(c, joinPath(path, 'body'), 'large direct_responses may impact control plane performance');
  }
  const e = validateHTTPStatus(asNumber(d.status) ?? 0);
  if (e) err(c, joinPath(path, 'status'), e);
}

function validateHTTPRetry(c: Collector, path: string, retries: unknown): void {
  const r = asRecord(retries);
  if (!r) return;
  const attempts = asNumber(r.attempts) ?? 0;
  if (attempts < 0) err(c, joinPath(path, 'attempts'), 'attempts cannot be negative');
  const retryOn = asString(r.retryOn) ?? '';
  if (attempts === 0 && (isSet(r.perTryTimeout) || retryOn !== '' || isSet(r.retryRemoteLocalities))) {
    err(c, path, 'http retry policy configured when attempts are set to 0 (disabled)');
  }
  const perTry = asString(r.perTryTimeout);
  if (perTry !== undefined) {
    const e = validateDuration(perTry);
    if (e) err(c, joinPath(path, 'perTryTimeout'), e);
  }
  if (retryOn !== '') for (const e of validateRetryOn(retryOn)) err(c, joinPath(path, 'retryOn'), e);
  const backoff = asString(r.backoff);
  if (backoff !== undefined) {
    const e = validateDuration(backoff);
    if (e) err(c, joinPath(path, 'backoff'), e);
  }
}

function validateHTTPRewrite(c: Collector, path: string, rewrite: unknown): void {
  const r = asRecord(rewrite);
  if (!r) return;
  const uri = asString(r.uri) ?? '';
  const regexRewrite = r.uriRegexRewrite;
  if (uri !== '' && isSet(regexRewrite)) {
    err(c, path, 'rewrite may only contain one of URI or UriRegexRewrite');
    return;
  }
  if (uri === '' && !isSet(regexRewrite) && (asString(r.authority) ?? '') === '') {
    err(c, path, 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified');
    return;
  }
  const rr = asRecord(regexRewrite);
  if (rr) {
    const match = asString(rr.match) ?? '';
    const rw = asString(rr.rewrite) ?? '';
    let e: string | undefined;
    if (match === '' || rw === '') e = 'UriRegexRewrite requires both Rewrite and Match fields to be specified';
    else e = validateRegex(match, 'HTTPRewrite.UriRegexRewrite.Match');
    if (e) err(c, joinPath(path, 'uriRegexRewrite'), `UriRegexRewrite has errors\n${e}`);
  }
}

/** Istio's validateHTTPRouteDestinations / validateRouteDestinations (headers only on HTTP). */
function validateRouteDestinations(c: Collector, path: string, route: unknown, gatewaySemantics: boolean, isHTTP: boolean): void {
  const items = asArray(route) ?? [];
  let total = 0;
  items.forEach((item, i) => {
    const wp = joinPath(path, i);
    const w = asRecord(item);
    if (!w) {
      err(c, wp, 'weight may not be nil');
      return;
    }
    if (!isSet(w.destination)) err(c, joinPath(wp, 'destination'), 'destination is required');
    if (isHTTP) validateHeaderOperations(c, joinPath(wp, 'headers'), w.headers);
    // Gateway API routes may name destinations Istio's host rules would not accept.
    if (!gatewaySemantics) reportFindings(c, joinPath(wp, 'destination'), validateDestination(w.destination));
    const weight = asNumber(w.weight) ?? 0;
    if (weight < 0) err(c, joinPath(wp, 'weight'), `weight ${weight} < 0`);
    total += weight;
  });
  if (items.length > 1 && total === 0) err(c, path, 'total destination weight = 0');
}

function validateTLSRoute(
  c: Collector,
  path: string,
  tls: Record<string, unknown>,
  spec: Record<string, unknown>,
  hosts: ReadonlyArray<[number, string]>,
  gatewaySemantics: boolean,
): void {
  const matches = asArray(tls.match) ?? [];
  if (matches.length === 0) err(c, path, 'TLS route must have at least one match condition');
  matches.forEach((item, j) => {
    const mp = joinPath(joinPath(path, 'match'), j);
    const m = asRecord(item);
    if (!m) {
      err(c, mp, 'TLS match may not be null');
      return;
    }
    const sniHosts = stringItems(m.sniHosts);
    if (sniHosts.length === 0) err(c, joinPath(mp, 'sniHosts'), 'TLS match must have at least one SNI host');
    for (const [k, sniHost] of sniHosts) validateSniHost(c, joinPath(joinPath(mp, 'sniHosts'), k), sniHost, spec, hosts);
    for (const [k, subnet] of stringItems(m.destinationSubnets)) {
      const e = validateIPSubnet(subnet);
      if (e) err(c, joinPath(joinPath(mp, 'destinationSubnets'), k), e);
    }
    checkL4MatchCommon(c, mp, m);
  });
  if (!isNonEmpty(tls.route)) err(c, joinPath(path, 'route'), 'TLS route is required');
  validateRouteDestinations(c, joinPath(path, 'route'), tls.route, gatewaySemantics, false);
}

/** Istio's validateSniHost: a valid (wildcard) domain that falls within one of the VirtualService's hosts. */
function validateSniHost(c: Collector, path: string, sniHost: string, spec: Record<string, unknown>, hosts: ReadonlyArray<[number, string]>): void {
  const e = isGatewayBound(spec) ? validateWildcardDomainForVirtualServiceBoundToGateway(true, sniHost) : validateWildcardDomain(sniHost);
  if (e) {
    if (isIPAddress(sniHost)) warn(c, path, `using an IP address (${JSON.stringify(sniHost)}) goes against SNI spec and most clients do not support this`);
    else err(c, path, e);
    return;
  }
  if (hosts.some(([, h]) => hostSubsetOf(sniHost, h))) return;
  err(c, path, `SNI host ${JSON.stringify(sniHost)} is not a compatible subset of any of the virtual service hosts: [${hosts.map(([, h]) => h).join(', ')}]`);
}

function validateTCPRoute(c: Collector, path: string, tcp: Record<string, unknown>, gatewaySemantics: boolean): void {
  (asArray(tcp.match) ?? []).forEach((item, j) => {
    const mp = joinPath(joinPath(path, 'match'), j);
    const m = asRecord(item);
    if (!m) {
      err(c, mp, 'tcp match may not be nil');
      return;
    }
    for (const [k, subnet] of stringItems(m.destinationSubnets)) {
      const e = validateIPSubnet(subnet);
      if (e) err(c, joinPath(joinPath(mp, 'destinationSubnets'), k), e);
    }
    checkL4MatchCommon(c, mp, m);
  });
  if (!isNonEmpty(tcp.route)) err(c, joinPath(path, 'route'), 'TCP route is required');
  validateRouteDestinations(c, joinPath(path, 'route'), tcp.route, gatewaySemantics, false);
}

// ---- Unreachable rules (warnings, as Istio's analyzeUnreachable*Rules) ----

/** A JSON text of a value with sorted keys, so equal matches compare equal whatever their key order. */
function canonicalJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJSON).join(',')}]`;
  const r = asRecord(v);
  if (r) {
    return `{${Object.keys(r)
      .sort()
      .filter((k) => r[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJSON(r[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function routeName(route: Record<string, unknown> | undefined, n: number, isHTTP: boolean): string {
  const name = isHTTP ? (asString(route?.name) ?? '') : '';
  return name !== '' ? JSON.stringify(name) : `#${n}`;
}

function requestName(match: Record<string, unknown> | undefined, n: number, isHTTP: boolean): string {
  return routeName(match, n, isHTTP);
}

/** One HTTP match that has a URI prefix, reduced to what the overlap check compares. */
interface PrefixMatch {
  readonly routeStr: string;
  readonly matchStr: string;
  readonly path: string;
  readonly prefix: string;
  readonly port: number;
  readonly method: string;
  readonly authority: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly queryParams: ReadonlyMap<string, string>;
  readonly withoutHeaders: ReadonlyMap<string, string>;
}

function exactOrPrefix(sm: unknown): string {
  const r = asRecord(sm);
  const exact = asString(r?.exact) ?? '';
  if (exact !== '') return `exact:${exact}`;
  const prefix = asString(r?.prefix) ?? '';
  if (prefix !== '') return `prefix:${prefix}`;
  return '';
}

function matchMap(v: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, sm] of Object.entries(asRecord(v) ?? {})) out.set(k, exactOrPrefix(sm));
  return out;
}

function toPrefixMatch(route: Record<string, unknown>, match: Record<string, unknown>, rulen: number, matchn: number, path: string): PrefixMatch | undefined {
  const prefix = asString(asRecord(match.uri)?.prefix) ?? '';
  if (prefix === '') return undefined;
  return {
    routeStr: routeName(route, rulen, true),
    matchStr: requestName(match, matchn, true),
    path,
    prefix,
    port: asNumber(match.port) ?? 0,
    // Without a method match Istio assumes GET for this comparison.
    method: exactOrPrefix(match.method) || 'exact:GET',
    authority: exactOrPrefix(match.authority),
    headers: matchMap(match.headers),
    queryParams: matchMap(match.queryParams),
    withoutHeaders: matchMap(match.withoutHeaders),
  };
}

function mapCovered(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const bv = b.get(k);
    if (bv === undefined) return false;
    if (v !== bv && !v.startsWith(bv)) return false;
  }
  return true;
}

/** Istio's coveredValidation: does the earlier prefix match `a` catch everything `b` would? */
function covered(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix)) return false;
  if (b.port !== a.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  return mapCovered(a.headers, b.headers) && mapCovered(a.queryParams, b.queryParams) && mapCovered(a.withoutHeaders, b.withoutHeaders);
}

function analyzeUnreachableRules(c: Collector, base: string, routes: readonly unknown[], isHTTP: boolean): void {
  const unused = (path: string, ruleno: string, reason: string): void => warn(c, path, `virtualService rule ${ruleno} not used (${reason})`);
  const ineffective = (path: string, ruleno: string, matchno: string, dupno: string): void =>
    warn(c, path, `virtualService rule ${ruleno} match ${matchno} is not used (duplicate/overlapping match in rule ${dupno})`);
  const seen = new Map<string, number>();
  let emptyMatchAt = -1;
  const prefixMatches: PrefixMatch[] = [];
  routes.forEach((item, rulen) => {
    const route = asRecord(item);
    if (!route) return;
    const rp = joinPath(base, rulen);
    const matches = asArray(route.match) ?? [];
    if (matches.length === 0) {
      if (emptyMatchAt >= 0) unused(rp, routeName(route, rulen, isHTTP), 'only the last rule can have no matches');
      emptyMatchAt = rulen;
      return;
    }
    let duplicates = 0;
    matches.forEach((mItem, matchn) => {
      const mp = joinPath(joinPath(rp, 'match'), matchn);
      if (emptyMatchAt >= 0) {
        unused(rp, routeName(route, rulen, isHTTP), 'route without matches defined before');
        return;
      }
      const match = asRecord(mItem);
      // The match's own name does not change what traffic it selects.
      const key = canonicalJSON(match && isHTTP ? { ...match, name: undefined } : (mItem ?? null));
      const dup = seen.get(key);
      if (dup !== undefined) {
        ineffective(mp, routeName(route, rulen, isHTTP), requestName(match, matchn, isHTTP), routeName(asRecord(routes[dup]), dup, isHTTP));
        duplicates++;
        return;
      }
      seen.set(key, rulen);
      if (isHTTP && match) {
        const pm = toPrefixMatch(route, match, rulen, matchn, mp);
        if (pm) prefixMatches.push(pm);
      }
    });
    if (duplicates === matches.length) unused(rp, routeName(route, rulen, isHTTP), 'all matches used by prior rules');
  });
  for (let i = 0; i < prefixMatches.length; i++) {
    for (let j = i + 1; j < prefixMatches.length; j++) {
      const a = prefixMatches[i];
      const b = prefixMatches[j];
      if (!a || !b || a.prefix === b.prefix) continue;
      if (covered(a, b)) ineffective(b.path, b.routeStr, `${b.matchStr} of prefix ${b.prefix}`, `${a.matchStr} of prefix ${a.prefix} on ${a.routeStr}`);
    }
  }
}
