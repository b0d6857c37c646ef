// ConnectionPoolSettings (DestinationRule traffic policies, Sidecar inbound pools) as Istio checks
// them: at least one of tcp/http, non-negative limits, valid durations.

import { parseDuration, validateDuration } from './duration.js';
import { errorFinding, type Finding } from './finding.js';
import { asBoolean, asEnum, asNumber, asRecord, asString, isSet } from './read-helpers.js';

const H2_UPGRADE_POLICIES = ['DEFAULT', 'DO_NOT_UPGRADE', 'UPGRADE'] as const;

function durationFinding(v: unknown, at: ReadonlyArray<string | number>): Finding[] {
  const s = asString(v);
  if (s === undefined) return [];
  const e = validateDuration(s);
  return e ? [errorFinding(e, at)] : [];
}

/** Istio's validateConnectionPool. Findings are relative to the pool settings object. */
export function validateConnectionPool(settings: unknown): Finding[] {
  if (!isSet(settings)) return [];
  const s = asRecord(settings) ?? {};
  if (!isSet(s.http) && !isSet(s.tcp)) return [errorFinding('connection pool must have at least one field')];
  const out: Finding[] = [];
  const http = asRecord(s.http);
  if (http) {
    const nonNegative: ReadonlyArray<[string, string]> = [
      ['http1MaxPendingRequests', 'http1 max pending requests must be non-negative'],
      ['http2MaxRequests', 'http2 max requests must be non-negative'],
      ['maxRequestsPerConnection', 'max requests per connection must be non-negative'],
      ['maxRetries', 'max retries must be non-negative'],
    ];
    for (const [f, msg] of nonNegative) if ((asNumber(http[f]) ?? 0) < 0) out.push(errorFinding(msg, ['http', f]));
    out.push(...durationFinding(http.idleTimeout, ['http', 'idleTimeout']));
    if (asEnum(http.h2UpgradePolicy, H2_UPGRADE_POLICIES) === 'UPGRADE' && asBoolean(http.useClientProtocol) === true) {
      out.push(errorFinding('use client protocol must not be true when H2UpgradePolicy is UPGRADE', ['http', 'useClientProtocol']));
    }
    if ((asNumber(http.maxConcurrentStreams) ?? 0) < 0) out.push(errorFinding('max concurrent streams must be non-negative', ['http', 'maxConcurrentStreams']));
  }
  const tcp = asRecord(s.tcp);
  if (tcp) {
    if ((asNumber(tcp.maxConnections) ?? 0) < 0) out.push(errorFinding('max connections must be non-negative', ['tcp', 'maxConnections']));
    out.push(...durationFinding(tcp.connectTimeout, ['tcp', 'connectTimeout']));
    out.push(...durationFinding(tcp.maxConnectionDuration, ['tcp', 'maxConnectionDuration']));
    const idle = asString(tcp.idleTimeout);
    // 0s disables the idle timeout entirely, so it is not held to the 1ms minimum.
    if (idle !== undefined && Math.trunc((parseDuration(idle) ?? 1e6) / 1e6) !== 0) out.push(...durationFinding(idle, ['tcp', 'idleTimeout']));
    const ka = asRecord(tcp.tcpKeepalive);
    if (ka) {
      out.push(...durationFinding(ka.time, ['tcp', 'tcpKeepalive', 'time']));
      out.push(...durationFinding(ka.interval, ['tcp', 'tcpKeepalive', 'interval']));
    }
  }
  return out;
}
