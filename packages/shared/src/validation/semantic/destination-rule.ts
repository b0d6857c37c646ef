// Istio's semantic validation of DestinationRule (pkg/config/validation: ValidateDestinationRule):
// host, traffic policies (load balancer, locality, pools, outlier detection, TLS), subsets, exportTo.

import type { KindValidator } from './context.js';
import { joinPath, type Collector } from '../result.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { validateConnectionPool } from './primitives/connection-pool.js';
import { validateSubsetName } from './primitives/destination.js';
import { parseDuration, validateDuration } from './primitives/duration.js';
import { validateExportTo } from './primitives/export-to.js';
import { reportFindings } from './primitives/finding.js';
import { validateFQDN, validateWildcardDomain } from './primitives/hosts.js';
import { validateIPAddress } from './primitives/ip.js';
import { validateLabels, validateSelectorLabels } from './primitives/labels.js';
import { validatePercent } from './primitives/percent.js';
import { validatePort } from './primitives/ports.js';
import { asArray, asBoolean, asEnum, asNumber, asRecord, asString, isSet, stringItems } from './primitives/read-helpers.js';
import { validateClientTLS } from './primitives/tls.js';

// Kubernetes topology labels that name a locality level; they conflict with explicit failover.
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);
const MAGLEV_TABLE_SIZE_LIMIT = 5000011;

function err(c: Collector, path: string, message: string): void {
  c.error('WEFT_ERR_SEMANTIC', path, message);
}

function warn(c: Collector, path: string, message: string): void {
  c.warn('WEFT_ERR_SEMANTIC', path, message);
}

/** Semantic rules for DestinationRule. */
export const validateDestinationRule: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = asRecord(res.spec);
  if (!spec) return;
  const namespace = asString(res.metadata.namespace) ?? '';

  const hostErr = validateWildcardDomain(asString(spec.host) ?? '');
  if (hostErr) err(c, 'spec.host', hostErr);
  validateTrafficPolicy(c, 'spec.trafficPolicy', spec.trafficPolicy, namespace);

  const names = new Set<string>();
  (asArray(spec.subsets) ?? []).forEach((item, i) => {
    const path = joinPath('spec.subsets', i);
    const subset = asRecord(item);
    if (!subset) {
      err(c, path, 'subset may not be null');
      return;
    }
    const name = asString(subset.name) ?? '';
    if (names.has(name)) err(c, joinPath(path, 'name'), `duplicate subset names: ${name}`);
    names.add(name);
    const nameErr = validateSubsetName(name);
    if (nameErr) err(c, joinPath(path, 'name'), nameErr);
    reportFindings(c, joinPath(path, 'labels'), validateLabels(subset.labels));
    validateTrafficPolicy(c, joinPath(path, 'trafficPolicy'), subset.trafficPolicy, namespace);
  });

  const selector = asRecord(spec.workloadSelector);
  reportFindings(c, 'spec.exportTo', validateExportTo(spec.exportTo, { namespace, isDestinationRuleWithSelector: isSet(spec.workloadSelector) }));
  if (isSet(spec.workloadSelector)) {
    reportFindings(c, 'spec.workloadSelector.matchLabels', validateSelectorLabels(selector?.matchLabels));
  }
};

/** Istio's validateTrafficPolicy (top level or per subset). */
function validateTrafficPolicy(c: Collector, path: string, policy: unknown, namespace: string): void {
  if (!isSet(policy)) return;
  const p = asRecord(policy) ?? {};
  const fields = ['outlierDetection', 'connectionPool', 'loadBalancer', 'tls', 'portLevelSettings', 'tunnel', 'proxyProtocol'];
  if (!fields.some((f) => isSet(p[f]))) {
    err(c, path, 'traffic policy must have at least one field');
    return;
  }
  if (isSet(p.tunnel) && isSet(p.proxyProtocol)) {
    err(c, path, 'tunnel and proxyProtocol must not be set together');
    return;
  }
  validateOutlierDetection(c, joinPath(path, 'outlierDetection'), p.outlierDetection);
  reportFindings(c, joinPath(path, 'connectionPool'), validateConnectionPool(p.connectionPool));
  validateLoadBalancer(c, joinPath(path, 'loadBalancer'), p.loadBalancer, p.outlierDetection);
  reportFindings(c, joinPath(path, 'tls'), validateClientTLS(p.tls, namespace));
  validatePortTrafficPolicies(c, joinPath(path, 'portLevelSettings'), p.portLevelSettings, namespace);
  validateTunnel(c, joinPath(path, 'tunnel'), p.tunnel);
  const proxyProtocol = asRecord(p.proxyProtocol);
  if (proxyProtocol && asEnum(proxyProtocol.version, ['V1', 'V2'] as const) === undefined) {
    err(c, joinPath(joinPath(path, 'proxyProtocol'), 'version'), `proxy protocol version is invalid: ${String(proxyProtocol.version)}`);
  }
}

function checkDuration(c: Collector, path: string, v: unknown): void {
  const s = asString(v);
  if (s === undefined) return;
  const e = validateDuration(s);
  if (e) err(c, path, e);
}

/** A protobuf wrapper (UInt32Value, DoubleValue...) is a bare number in YAML; `{value}` also decodes. */
function wrapperNumber(v: unknown): number | undefined {
  return asNumber(v) ?? asNumber(asRecord(v)?.value);
}

function validateOutlierDetection(c: Collector, path: string, outlier: unknown): void {
  const o = asRecord(outlier);
  if (!o) return;
  checkDuration(c, joinPath(path, 'baseEjectionTime'), o.baseEjectionTime);
  if ((asNumber(o.consecutiveErrors) ?? 0) !== 0) {
    warn(c, joinPath(path, 'consecutiveErrors'), 'outlier detection consecutive errors is deprecated, use consecutiveGatewayErrors or consecutive5xxErrors instead');
  }
  if (asBoolean(o.splitExternalLocalOriginErrors) !== true && (wrapperNumber(o.consecutiveLocalOriginFailures) ?? 0) > 0) {
    err(
      c,
      joinPath(path, 'consecutiveLocalOriginFailures'),
      'outlier detection consecutive local origin failures is specified, but split external local origin errors is set to false',
    );
  }
  checkDuration(c, joinPath(path, 'interval'), o.interval);
  for (const f of ['maxEjectionPercent', 'minHealthPercent'] as const) {
    const e = validatePercent(asNumber(o[f]) ?? 0);
    if (e) err(c, joinPath(path, f), e);
  }
}

/** Envoy's prime test for Maglev table sizes (Istio copies it to match Envoy exactly). */
export function isPrime(x: number): boolean {
  if (x !== 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function validateLoadBalancer(c: Collector, path: string, settings: unknown, outlier: unknown): void {
  const lb = asRecord(settings);
  if (!lb) return;
  if (isSet(lb.simple) && isSet(lb.consistentHash)) err(c, path, 'only one of simple or consistentHash may be set (lbPolicy is a oneof)');
  const ch = asRecord(lb.consistentHash);
  if (ch) {
    const cp = joinPath(path, 'consistentHash');
    const keys = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'].filter((k) => isSet(ch[k]));
    if (keys.length > 1) err(c, cp, `only one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName may be set, found ${keys.join(', ')}`);
    const cookie = asRecord(ch.httpCookie);
    if (isSet(ch.httpCookie) && (asString(cookie?.name) ?? '') === '') err(c, joinPath(joinPath(cp, 'httpCookie'), 'name'), 'name required for HttpCookie');
    const ttl = asString(cookie?.ttl);
    if (ttl !== undefined && parseDuration(ttl) === undefined) err(c, joinPath(joinPath(cp, 'httpCookie'), 'ttl'), `time: invalid duration ${JSON.stringify(ttl)}`);
    const minRing = asNumber(ch.minimumRingSize) ?? 0;
    if (minRing !== 0) {
      warn(c, joinPath(cp, 'minimumRingSize'), "consistent hash MinimumRingSize is deprecated, use ConsistentHashLB's RingHash configuration instead");
      if (isSet(ch.ringHash) || isSet(ch.maglev)) err(c, cp, 'only one of MinimumRingSize or Maglev/Ringhash can be specified');
    }
    if (isSet(ch.ringHash) && isSet(ch.maglev)) err(c, cp, 'only one of ringHash or maglev may be set (hashAlgorithm is a oneof)');
    const maglev = asRecord(ch.maglev);
    if (maglev) {
      const mp = joinPath(joinPath(cp, 'maglev'), 'tableSize');
      const size = asNumber(maglev.tableSize) ?? 0;
      if (size === 0) err(c, mp, 'tableSize must be set for maglev');
      if (size >= MAGLEV_TABLE_SIZE_LIMIT) err(c, mp, `tableSize must be less than ${MAGLEV_TABLE_SIZE_LIMIT} for maglev`);
      if (!isPrime(size)) err(c, mp, 'tableSize must be a prime number for maglev');
    }
  }
  validateLocalityLbSetting(c, joinPath(path, 'localityLbSetting'), lb.localityLbSetting, outlier);
  const warm = asRecord(lb.warmup);
  if (warm) {
    const wp = joinPath(path, 'warmup');
    if (!isSet(warm.duration)) err(c, joinPath(wp, 'duration'), 'duration is required');
    else checkDuration(c, joinPath(wp, 'duration'), warm.duration);
    if ((wrapperNumber(warm.minimumPercent) ?? 0) > 100) err(c, joinPath(wp, 'minimumPercent'), 'minimumPercent value should be less than or equal to 100');
    const aggression = wrapperNumber(warm.aggression);
    if (isSet(warm.aggression) && (aggression ?? 0) < 1) err(c, joinPath(wp, 'aggression'), 'aggression should be greater than or equal to 1');
  }
}

/** Istio's ValidateLocalityLbSetting (also used by MeshConfig). Stops at the first structural problem, as Istio does. */
export function validateLocalityLbSetting(c: Collector, path: string, setting: unknown, outlier: unknown): void {
  const lb = asRecord(setting);
  if (!lb) return;
  const distribute = asArray(lb.distribute) ?? [];
  const failover = asArray(lb.failover) ?? [];
  const failoverPriority = stringItems(lb.failoverPriority);
  if (distribute.length > 0 && failover.length > 0) {
    err(c, path, "can not simultaneously specify 'distribute' and 'failover'");
    return;
  }
  if (failover.length > 0) {
    for (const [i, label] of failoverPriority) {
      if (TOPOLOGY_LABELS.has(label)) {
        err(c, joinPath(joinPath(path, 'failoverPriority'), i), `can not simultaneously set 'failover' and topology label '${label}' in 'failover_priority'`);
        return;
      }
    }
  }
  const srcLocalities: string[] = [];
  for (let i = 0; i < distribute.length; i++) {
    const dp = joinPath(joinPath(path, 'distribute'), i);
    const d = asRecord(distribute[i]) ?? {};
    srcLocalities.push(asString(d.from) ?? '');
    let total = 0;
    const dest: string[] = [];
    for (const [loc, weight] of Object.entries(asRecord(d.to) ?? {})) {
      dest.push(loc);
      const w = asNumber(weight) ?? 0;
      if (w <= 0 || w > 100) {
        err(c, joinPath(joinPath(dp, 'to'), loc), 'locality weight must be in range [1, 100]');
        return;
      }
      total += w;
    }
    if (total !== 100) {
      err(c, joinPath(dp, 'to'), `total locality weight ${total} != 100`);
      return;
    }
    const e = validateLocalities(dest);
    if (e) err(c, joinPath(dp, 'to'), e);
  }
  const srcErr = validateLocalities(srcLocalities);
  if (srcErr) err(c, joinPath(path, 'distribute'), srcErr);
  if ((failover.length > 0 || failoverPriority.length > 0) && !isSet(outlier)) {
    warn(c, path, 'outlier detection policy must be provided for failover');
  }
  failover.forEach((item, i) => {
    const fp = joinPath(joinPath(path, 'failover'), i);
    const f = asRecord(item) ?? {};
    const from = asString(f.from) ?? '';
    const to = asString(f.to) ?? '';
    if (from === to) err(c, fp, 'locality lb failover settings must specify different regions');
    if (from.includes('/') || to.includes('/')) err(c, fp, 'locality lb failover only specify region');
    if (from.includes('*') || to.includes('*')) err(c, fp, "locality lb failover region should not contain '*' wildcard");
  });
}

/** Istio's validateLocalities: `region[/zone[/subzone]]`, a trailing `*` at most, no overlaps. */
export function validateLocalities(localities: readonly string[]): string | undefined {
  // region -> zone -> subzone set; '*' marks "everything below".
  const tree = new Map<string, Map<string, Set<string>>>();
  for (const locality of localities) {
    const stars = locality.split('*').length - 1;
    if (stars > 0 && (stars > 1 || !locality.endsWith('*'))) return `locality ${locality} wildcard '*' number can not exceed 1 and must be in the end`;
    if (tree.has('*')) return `locality ${locality} overlap with previous specified ones`;
    const items = splitN(locality, '/', 3);
    if (items.some((x) => x === '')) return `locality ${locality} must not contain empty region/zone/subzone info`;
    const [region = '', zone = '', subZone = ''] = items;
    const level = items.length - 1;
    const zones = tree.get(region);
    if (level === 0) {
      if (zones) return `locality ${locality} overlap with previous specified ones`;
      tree.set(region, new Map([['*', new Set(['*'])]]));
    } else if (level === 1) {
      if (zones) {
        if (zones.has('*') || zones.has(zone)) return `locality ${locality} overlap with previous specified ones`;
        zones.set(zone, new Set(['*']));
      } else {
        tree.set(region, new Map([[zone, new Set(['*'])]]));
      }
    } else if (zones) {
      if (zones.has('*')) return `locality ${locality} overlap with previous specified ones`;
      const subs = zones.get(zone);
      if (subs) {
        if (subs.has('*') || subs.has(subZone)) return `locality ${locality} overlap with previous specified ones`;
        subs.add(subZone);
      } else {
        zones.set(zone, new Set([subZone]));
      }
    } else {
      tree.set(region, new Map([[zone, new Set([subZone])]]));
    }
  }
  return undefined;
}

/** Go's strings.SplitN. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.split(sep);
  if (parts.length <= n) return parts;
  return [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}

function validatePortTrafficPolicies(c: Collector, path: string, settings: unknown, namespace: string): void {
  const seen = new Map<number, number>();
  (asArray(settings) ?? []).forEach((item, i) => {
    const pp = joinPath(path, i);
    const t = asRecord(item);
    if (!t) {
      err(c, pp, 'traffic policy may not be null');
      return;
    }
    if (!isSet(t.port)) err(c, joinPath(pp, 'port'), 'portTrafficPolicy must have valid port');
    const number = asNumber(asRecord(t.port)?.number);
    if (number !== undefined) {
      const first = seen.get(number);
      // Istio accepts this silently; only one of the entries can take effect, so say so.
      if (first !== undefined) warn(c, joinPath(joinPath(pp, 'port'), 'number'), `port ${number} already has settings in portLevelSettings[${first}]`);
      else seen.set(number, i);
    }
    if (!isSet(t.outlierDetection) && !isSet(t.connectionPool) && !isSet(t.loadBalancer) && !isSet(t.tls)) {
      err(c, pp, 'port traffic policy must have at least one field');
      return;
    }
    validateOutlierDetection(c, joinPath(pp, 'outlierDetection'), t.outlierDetection);
    reportFindings(c, joinPath(pp, 'connectionPool'), validateConnectionPool(t.connectionPool));
    validateLoadBalancer(c, joinPath(pp, 'loadBalancer'), t.loadBalancer, t.outlierDetection);
    reportFindings(c, joinPath(pp, 'tls'), validateClientTLS(t.tls, namespace));
  });
}

function validateTunnel(c: Collector, path: string, tunnel: unknown): void {
  const t = asRecord(tunnel);
  if (!t) return;
  const protocol = asString(t.protocol) ?? '';
  if (protocol !== '' && protocol !== 'CONNECT' && protocol !== 'POST') err(c, joinPath(path, 'protocol'), 'tunnel protocol must be "CONNECT" or "POST"');
  const targetHost = asString(t.targetHost) ?? '';
  const fqdnErr = validateFQDN(targetHost);
  const ipErr = validateIPAddress(targetHost);
  if (fqdnErr && ipErr) err(c, joinPath(path, 'targetHost'), `tunnel target host must be valid FQDN or IP address: ${fqdnErr}; ${ipErr}`);
  const portErr = validatePort(asNumber(t.targetPort) ?? 0);
  if (portErr) err(c, joinPath(path, 'targetPort'), `tunnel target port is invalid: ${portErr}`);
}
