// Istio's check of the injection annotations before it renders anything (pkg/kube/inject
// validate.go, AnnotationValidation): bad CIDR lists, port lists, interception modes, status ports and
// booleans fail the injection with Istio's wording ("includeIPRanges invalid: ..."), so a pod is never
// given capture rules nobody asked for. Owns parsing of those values, not their use.

import { isIP } from 'node:net';
import { ISTIO_ANNOTATIONS as A } from '@weft/shared';
import { INTERCEPTION_MODES } from './inject-options.js';

/** Parses Istio's comma-separated port list (`"1,2,3"`, spaces allowed, empty = none); throws with the bad entry. */
export function parsePorts(text: string): number[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((p) => {
    const s = p.trim();
    if (!/^\d+$/.test(s) || Number(s) > 65535) throw new Error(`failed parsing port "${s}"`);
    return Number(s);
  });
}

/** Whether `cidr` is an address prefix as Go's netip.ParsePrefix reads it (`10.0.0.0/8`, `::1/128`). */
export function isCidr(cidr: string): boolean {
  const slash = cidr.indexOf('/');
  if (slash < 0) return false;
  const ip = cidr.slice(0, slash);
  const bits = cidr.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || ip.includes('%') || !/^\d{1,3}$/.test(bits)) return false;
  if (bits.length > 1 && bits.startsWith('0')) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

function cidrListProblem(list: string): string | undefined {
  if (list.length === 0) return undefined;
  for (const cidr of list.split(',')) if (!isCidr(cidr)) return `failed parsing cidr '${cidr}'`;
  return undefined;
}

function portListProblem(name: string, list: string): string | undefined {
  try {
    parsePorts(list);
    return undefined;
  } catch (e) {
    return `${name} invalid: ${(e as Error).message}`;
  }
}

const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool: the value, or undefined when it is not one of Go's spellings. */
export function parseGoBool(text: string): boolean | undefined {
  if (!GO_BOOLS.has(text)) return undefined;
  return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text);
}

type Check = (value: string) => string | undefined;

const CHECKS: ReadonlyMap<string, Check> = new Map<string, Check>([
  [A.interceptionMode, (v) => ((INTERCEPTION_MODES as readonly string[]).includes(v) ? undefined : `interceptionMode invalid: "${v}" is not one of ${INTERCEPTION_MODES.join(', ')}`)],
  [A.includeOutboundIpRanges, (v) => (v === '*' ? undefined : prefixed('includeIPRanges', cidrListProblem(v)))],
  [A.excludeOutboundIpRanges, (v) => prefixed('excludeIPRanges', cidrListProblem(v))],
  [A.includeInboundPorts, (v) => (v === '*' ? undefined : portListProblem('includeInboundPorts', v))],
  [A.excludeInboundPorts, (v) => portListProblem('excludeInboundPorts', v)],
  [A.includeOutboundPorts, (v) => portListProblem('includeOutboundPorts', v)],
  [A.excludeOutboundPorts, (v) => portListProblem('excludeOutboundPorts', v)],
  [A.statusPort, (v) => (/^\d+$/.test(v.trim()) && Number(v.trim()) <= 65535 ? undefined : `statusPort invalid: failed parsing port "${v}"`)],
  [A.readinessInitialDelaySeconds, (v) => uint32('readiness initialDelaySeconds', v)],
  [A.readinessPeriodSeconds, (v) => uint32('readiness periodSeconds', v)],
  [A.readinessFailureThreshold, (v) => uint32('readiness failureThreshold', v)],
  [A.rewriteAppHttpProbers, (v) => (parseGoBool(v) === undefined ? `rewriteAppHTTPProbers invalid: "${v}" is not a boolean` : undefined)],
  [A.prometheusMergeMetrics, (v) => (parseGoBool(v) === undefined ? `merge-metrics invalid: "${v}" is not a boolean` : undefined)],
  [A.userVolume, (v) => jsonMapOfObjects('userVolume', v)],
  [A.userVolumeMount, (v) => jsonMapOfObjects('userVolumeMount', v)],
]);

function jsonMapOfObjects(name: string, v: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch (e) {
    return `${name} invalid: ${(e as Error).message}`;
  }
  const isMap = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
  return isMap(parsed) && Object.values(parsed).every(isMap) ? undefined : `${name} invalid: not a JSON object of objects keyed by volume name`;
}

function prefixed(name: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${name} invalid: ${problem}`;
}

function uint32(name: string, v: string): string | undefined {
  return /^\d+$/.test(v) && Number(v) <= 0xffffffff ? undefined : `${name} invalid: "${v}" is not an unsigned 32-bit integer`;
}

/**
 * Every problem of the injection annotations Istio validates, as `"<annotation>": <problem>` (in
 * annotation order). Annotations Istio does not validate are not looked at.
 */
export function annotationProblems(annotations: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(annotations)) {
    const problem = CHECKS.get(name)?.(value);
    if (problem !== undefined) problems.push(`"${name}": ${problem}`);
  }
  return problems;
}

/**
 * Istio's `excludeInboundPort` template function: the excluded inbound ports with the status port
 * added unless already there ('' or '0' status port: the list unchanged).
 */
export function excludeInboundPort(statusPort: string, excluded: string): string {
  const port = statusPort.trim();
  if (port === '' || port === '0') return excluded;
  const out: string[] = [];
  for (const p of excluded.split(',')) {
    if (p === port) return excluded;
    if (p.trim() !== '') out.push(p.trim());
  }
  out.push(port);
  return out.join(',');
}
