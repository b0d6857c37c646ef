// Istio's semantic validation of EnvoyFilter (pkg/config/validation/envoyfilter): the standing
// warning, workload selector, and for each config patch the applyTo / match / operation / value
// combinations. Building the Envoy proto from `patch.value` is out of reach here; v2 type URLs
// (which Istio can no longer resolve) are still rejected.

import type { KindValidator } from './context.js';
import { joinPath, type Collector } from '../result.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { reportFindings } from './primitives/finding.js';
import { validateSelectorLabels } from './primitives/labels.js';
import { asArray, asEnum, asRecord, asString, isSet } from './primitives/read-helpers.js';
import { compileRE2 } from './primitives/regex.js';

/** EnvoyFilter.ApplyTo values in proto order. */
const APPLY_TO = [
  'INVALID',
  'LISTENER',
  'FILTER_CHAIN',
  'NETWORK_FILTER',
  'HTTP_FILTER',
  'ROUTE_CONFIGURATION',
  'VIRTUAL_HOST',
  'HTTP_ROUTE',
  'CLUSTER',
  'EXTENSION_CONFIG',
  'BOOTSTRAP',
  'LISTENER_FILTER',
] as const;

/** EnvoyFilter.Patch.Operation values in proto order. */
const OPERATIONS = ['INVALID', 'MERGE', 'ADD', 'REMOVE', 'INSERT_BEFORE', 'INSERT_AFTER', 'INSERT_FIRST', 'REPLACE', 'MERGE_AND_REPLACE_LIST'] as const;

/** The standing warning Istio attaches to every EnvoyFilter. */
export const ENVOY_FILTER_WARNING =
  'EnvoyFilter exposes internal implementation details that may change at any time. Prefer other APIs if possible, and exercise extreme caution, especially around upgrades.';

const HCM = 'envoy.filters.network.http_connection_manager';

/** Old Envoy filter names and their canonical replacements (Istio's xds.ReverseDeprecatedFilterNames). */
const DEPRECATED_FILTER_NAMES: Readonly<Record<string, string>> = {
  'envoy.buffer': 'envoy.filters.http.buffer',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.csrf': 'envoy.filters.http.csrf',
  'envoy.http_dynamo_filter': 'envoy.filters.http.dynamo',
  'envoy.ext_authz': 'envoy.filters.http.ext_authz',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.grpc_http1_bridge': 'envoy.filters.http.grpc_http1_bridge',
  'envoy.grpc_json_transcoder': 'envoy.filters.http.grpc_json_transcoder',
  'envoy.grpc_web': 'envoy.filters.http.grpc_web',
  'envoy.gzip': 'envoy.filters.http.gzip',
  'envoy.health_check': 'envoy.filters.http.health_check',
  'envoy.ip_tagging': 'envoy.filters.http.ip_tagging',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.rate_limit': 'envoy.filters.http.ratelimit',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.squash': 'envoy.filters.http.squash',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
  'envoy.listener.original_src': 'envoy.filters.listener.original_src',
  'envoy.listener.proxy_protocol': 'envoy.filters.listener.proxy_protocol',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.client_ssl_auth': 'envoy.filters.network.client_ssl_auth',
  'envoy.http_connection_manager': HCM,
  'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy',
  'envoy.ratelimit': 'envoy.filters.network.ratelimit',
  'envoy.redis_proxy': 'envoy.filters.network.redis_proxy',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
};

function err(c: Collector, path: string, message: string): void {
  c.error('WEFT_ERR_SEMANTIC', path, message);
}

function warn(c: Collector, path: string, message: string): void {
  c.warn('WEFT_ERR_SEMANTIC', path, message);
}

/** Semantic rules for EnvoyFilter. */
export const validateEnvoyFilter: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  warn(c, '', ENVOY_FILTER_WARNING);
  const spec = asRecord(res.spec);
  if (!spec) return;

  if (isSet(spec.workloadSelector)) {
    const findings = validateSelectorLabels(asRecord(spec.workloadSelector)?.labels);
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      // Istio rejects a bad selector before looking at the patches.
      reportFindings(c, 'spec.workloadSelector.labels', errors);
      return;
    }
    if (findings.length > 0) warn(c, 'spec.workloadSelector', 'Envoy filter: workload selector specified without labels, will be applied to all services in namespace');
  }

  (asArray(spec.configPatches) ?? []).forEach((item, i) => validateConfigPatch(c, joinPath('spec.configPatches', i), item));
};

/** Istio's per-patch checks; like Istio, the first blocking problem ends the patch's checks. */
function validateConfigPatch(c: Collector, path: string, item: unknown): void {
  const cp = asRecord(item);
  if (!cp) {
    err(c, path, 'Envoy filter: null config patch');
    return;
  }
  const applyTo = asEnum(cp.applyTo, APPLY_TO);
  if (applyTo === undefined || applyTo === 'INVALID') {
    err(c, joinPath(path, 'applyTo'), 'Envoy filter: missing applyTo');
    return;
  }
  const patch = asRecord(cp.patch);
  if (!patch) {
    err(c, joinPath(path, 'patch'), 'Envoy filter: missing patch');
    return;
  }
  const operation = asEnum(patch.operation, OPERATIONS);
  if (operation === undefined || operation === 'INVALID') {
    err(c, joinPath(joinPath(path, 'patch'), 'operation'), 'Envoy filter: missing patch operation');
    return;
  }
  if (operation !== 'REMOVE' && !isSet(patch.value)) {
    err(c, joinPath(joinPath(path, 'patch'), 'value'), 'Envoy filter: missing patch value for non-remove operation');
    return;
  }
  const match = asRecord(cp.match);
  const proxyVersion = asString(asRecord(match?.proxy)?.proxyVersion) ?? '';
  if (proxyVersion !== '') {
    const re = compileRE2(proxyVersion);
    if (re) {
      err(c, joinPath(joinPath(joinPath(path, 'match'), 'proxy'), 'proxyVersion'), `Envoy filter: invalid regex for proxy version, [${re}]`);
      return;
    }
  }
  if (match && !checkMatchForApplyTo(c, joinPath(path, 'match'), applyTo, match)) return;
  checkPatchValue(c, joinPath(joinPath(path, 'patch'), 'value'), patch.value);
}

/** The match's object type must fit what applyTo patches; returns false where Istio stops. */
function checkMatchForApplyTo(c: Collector, path: string, applyTo: (typeof APPLY_TO)[number], match: Record<string, unknown>): boolean {
  const listener = asRecord(match.listener);
  // The waypoint match (ambient) is accepted with any applyTo here; its context rule is a CRD rule.
  const hasObjectType = isSet(match.listener) || isSet(match.routeConfiguration) || isSet(match.cluster) || isSet(match.waypoint);
  if (!hasObjectType) return true;
  switch (applyTo) {
    case 'LISTENER':
    case 'FILTER_CHAIN':
    case 'NETWORK_FILTER':
    case 'HTTP_FILTER': {
      if (isSet(match.waypoint)) return true;
      if (!isSet(match.listener)) {
        err(c, path, 'Envoy filter: applyTo for listener class objects cannot have non listener match');
        return false;
      }
      const filter = asRecord(asRecord(listener?.filterChain)?.filter);
      if (!filter) return true;
      const fp = joinPath(joinPath(joinPath(path, 'listener'), 'filterChain'), 'filter');
      if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') {
        // An error in spirit; Istio keeps it a warning for backwards compatibility.
        warn(c, fp, `Envoy filter: filter match has no effect when used with ${applyTo}`);
      }
      const name = asString(filter.name) ?? '';
      if (name === '') {
        err(c, joinPath(fp, 'name'), 'Envoy filter: filter match has no name to match on');
        return false;
      }
      const subFilter = asRecord(filter.subFilter);
      if (isSet(filter.subFilter)) {
        if (applyTo !== 'HTTP_FILTER') {
          err(c, joinPath(fp, 'subFilter'), 'Envoy filter: subfilter match can be used with applyTo HTTP_FILTER only');
          return false;
        }
        if (name !== HCM && name !== 'envoy.http_connection_manager') {
          err(c, joinPath(fp, 'subFilter'), `Envoy filter: subfilter match requires filter match with ${HCM}`);
          return false;
        }
        if ((asString(subFilter?.name) ?? '') === '') {
          err(c, joinPath(joinPath(fp, 'subFilter'), 'name'), 'Envoy filter: subfilter match has no name to match on');
          return false;
        }
      }
      warnDeprecatedName(c, joinPath(fp, 'name'), name);
      warnDeprecatedName(c, joinPath(joinPath(fp, 'subFilter'), 'name'), asString(subFilter?.name) ?? '');
      return true;
    }
    case 'ROUTE_CONFIGURATION':
    case 'VIRTUAL_HOST':
    case 'HTTP_ROUTE':
      if (!isSet(match.routeConfiguration) && !isSet(match.waypoint)) {
        err(c, path, 'Envoy filter: applyTo for http route class objects cannot have non route configuration match');
      }
      return true;
    case 'CLUSTER':
      if (!isSet(match.cluster) && !isSet(match.waypoint)) err(c, path, 'Envoy filter: applyTo for cluster class objects cannot have non cluster match');
      return true;
    default:
      return true;
  }
}

function warnDeprecatedName(c: Collector, path: string, name: string): void {
  const replacement = DEPRECATED_FILTER_NAMES[name];
  if (replacement) warn(c, path, `using deprecated filter name ${JSON.stringify(name)}; use ${JSON.stringify(replacement)} instead`);
}

/**
 * What Istio learns by building the Envoy proto from `patch.value`, reduced to what needs no proto
 * registry: an `@type` naming a v2 API (removed from Envoy) cannot resolve.
 */
function checkPatchValue(c: Collector, path: string, value: unknown): void {
  const visit = (v: unknown, p: string, depth: number): void => {
    if (depth > 64) return;
    const arr = asArray(v);
    if (arr) {
      arr.forEach((x, i) => visit(x, joinPath(p, i), depth + 1));
      return;
    }
    const r = asRecord(v);
    if (!r) return;
    const typeUrl = asString(r['@type']);
    if (typeUrl !== undefined && /\.v2(alpha)?\./.test(typeUrl)) {
      err(
        c,
        joinPath(p, '@type'),
        `referenced type unknown (hint: try using the v3 XDS API): could not resolve Any message type: ${typeUrl.slice(typeUrl.lastIndexOf('/') + 1)}`,
      );
    }
    for (const [k, x] of Object.entries(r)) if (k !== '@type') visit(x, joinPath(p, k), depth + 1);
  };
  visit(value, path, 0);
}
