// Test support: a deliberately plain interpreter of Envoy RBAC filter config in proto3 JSON (the
// shape of Istio's goldens), walking the config for every request with no compilation, no shared code
// with the engine, node:net's BlockList for CIDRs and segment-by-segment URI templates. The corpus test
// checks the compiled engine against it request by request.

import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { RE2JS } from 're2js';
import type { RbacAttributes, RbacDecision } from './rbac-attributes.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const lower = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function regexFull(pattern: string, s: string): boolean {
  return RE2JS.compile(pattern).matches(s);
}

function stringMatch(m: Json, s: string): boolean {
  const ic = m.ignoreCase === true;
  const f = (x: string): string => (ic ? lower(x) : x);
  if (typeof m.exact === 'string') return f(s) === f(m.exact);
  if (typeof m.prefix === 'string') return f(s).startsWith(f(m.prefix));
  if (typeof m.suffix === 'string') return f(s).endsWith(f(m.suffix));
  if (typeof m.contains === 'string') return f(s).includes(f(m.contains));
  if (m.safeRegex !== undefined) return regexFull(String(obj(m.safeRegex).regex), s);
  throw new Error(`reference: unsupported string matcher ${JSON.stringify(m)}`);
}

function headerMatch(h: Json, attrs: RbacAttributes): boolean {
  const value = attrs.header?.(String(h.name).toLowerCase());
  const invert = h.invertMatch === true;
  if (h.presentMatch !== undefined) return (value !== undefined) === (h.presentMatch === true) !== invert;
  if (value === undefined) return false;
  let m: boolean;
  if (h.stringMatch !== undefined) m = stringMatch(obj(h.stringMatch), value);
  else if (h.safeRegexMatch !== undefined) m = regexFull(String(obj(h.safeRegexMatch).regex), value);
  else if (typeof h.exactMatch === 'string') m = h.exactMatch === '' || value === h.exactMatch;
  else throw new Error(`reference: unsupported header matcher ${JSON.stringify(h)}`);
  return m !== invert;
}

const stripQuery = (p: string): string => p.split(/[?#]/)[0] as string;

/** Envoy's literal characters of a URI template segment. */
const SEGMENT = /^[a-zA-Z0-9\-._~%!$&'()+,;:@]+$/;

/** Segment-wise URI template match for templates made of literals, `*` and one trailing-position `**`
 *  followed by literals (the forms Istio emits). */
function templateMatch(template: string, path: string): boolean {
  const t = template.split('/').slice(1);
  const p = stripQuery(path);
  if (!p.startsWith('/')) return false;
  const segs = p.split('/').slice(1);
  const glob = t.indexOf('**');
  const one = (pat: string, seg: string): boolean => (pat === '*' ? SEGMENT.test(seg) : pat === seg);
  if (glob < 0) return t.length === segs.length && t.every((pat, i) => one(pat, segs[i] as string));
  const before = t.slice(0, glob);
  const after = t.slice(glob + 1);
  // The `**` takes at least one split segment: the '/' on both of its sides are in the pattern.
  if (segs.length < before.length + after.length + 1) return false;
  if (!before.every((pat, i) => one(pat, segs[i] as string))) return false;
  const tail = segs.slice(segs.length - after.length);
  if (!after.every((pat, i) => one(pat, tail[i] as string))) return false;
  // `**` covers the segments in between, joined by '/', each made of literal characters (may be empty).
  const middle = segs.slice(before.length, segs.length - after.length).join('/');
  return /^[a-zA-Z0-9\-._~%!$&'()+,;:@/]*$/.test(middle);
}

function cidrMatch(c: Json, ip: string | undefined): boolean {
  if (ip === undefined) return false;
  const address = String(c.addressPrefix);
  const family = isIPv4(address) ? 'ipv4' : 'ipv6';
  const size = family === 'ipv4' ? 32 : 128;
  const len = Math.min(Number(c.prefixLen ?? 0), size);
  const candidate = ip.startsWith('::ffff:') && isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
  if ((family === 'ipv4' && !isIPv4(candidate)) || (family === 'ipv6' && !isIPv6(candidate))) return false;
  const list = new BlockList();
  list.addSubnet(address, len, family);
  return list.check(candidate, family);
}

function metadataValue(attrs: RbacAttributes, m: Json): unknown {
  let cur: unknown = attrs.dynamicMetadata?.[String(m.filter)];
  const path = arr(m.path).map((s) => String(obj(s).key));
  if (path.length === 0) return undefined;
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !(k in cur)) return undefined;
    cur = (cur as Json)[k];
  }
  return cur;
}

function valueMatch(vm: Json, v: unknown): boolean {
  if (vm.stringMatch !== undefined) return typeof v === 'string' && stringMatch(obj(vm.stringMatch), v);
  if (vm.listMatch !== undefined) return Array.isArray(v) && v.some((x) => valueMatch(obj(obj(vm.listMatch).oneOf), x));
  if (vm.orMatch !== undefined) return arr(obj(vm.orMatch).valueMatchers).some((x) => valueMatch(obj(x), v));
  if (vm.presentMatch !== undefined) return vm.presentMatch === true && v !== undefined;
  throw new Error(`reference: unsupported value matcher ${JSON.stringify(vm)}`);
}

function metadataMatch(m: Json, attrs: RbacAttributes): boolean {
  return valueMatch(obj(m.value), metadataValue(attrs, m)) !== (m.invert === true);
}

function permission(p: Json, a: RbacAttributes): boolean {
  if (p.andRules !== undefined) return arr(obj(p.andRules).rules).every((x) => permission(obj(x), a));
  if (p.orRules !== undefined) return arr(obj(p.orRules).rules).some((x) => permission(obj(x), a));
  if (p.notRule !== undefined) return !permission(obj(p.notRule), a);
  if (p.any === true) return true;
  if (p.header !== undefined) return headerMatch(obj(p.header), a);
  if (p.urlPath !== undefined) {
    const path = a.header?.(':path');
    return path !== undefined && stringMatch(obj(obj(p.urlPath).path), stripQuery(path));
  }
  if (p.uriTemplate !== undefined) return templateMatch(String(obj(obj(p.uriTemplate).typedConfig).pathTemplate), a.header?.(':path') ?? '');
  if (p.destinationIp !== undefined) return cidrMatch(obj(p.destinationIp), a.destinationIp);
  if (p.destinationPort !== undefined) return a.destinationPort === Number(p.destinationPort);
  if (p.requestedServerName !== undefined) return stringMatch(obj(p.requestedServerName), a.requestedServerName ?? '');
  if (p.metadata !== undefined) return metadataMatch(obj(p.metadata), a);
  throw new Error(`reference: unsupported permission ${JSON.stringify(p)}`);
}

function principal(p: Json, a: RbacAttributes): boolean {
  if (p.andIds !== undefined) return arr(obj(p.andIds).ids).every((x) => principal(obj(x), a));
  if (p.orIds !== undefined) return arr(obj(p.orIds).ids).some((x) => principal(obj(x), a));
  if (p.notId !== undefined) return !principal(obj(p.notId), a);
  if (p.any === true) return true;
  if (p.authenticated !== undefined) {
    const cert = a.peerCertificate;
    if (!cert) return false;
    const name = obj(p.authenticated).principalName;
    if (name === undefined) return true;
    const m = obj(name);
    return (cert.uriSans ?? []).some((s) => stringMatch(m, s)) || (cert.dnsSans ?? []).some((s) => stringMatch(m, s)) || stringMatch(m, cert.subject ?? '');
  }
  const source = a.sourceIp ?? a.directRemoteIp;
  if (p.directRemoteIp !== undefined) return cidrMatch(obj(p.directRemoteIp), a.directRemoteIp);
  if (p.remoteIp !== undefined) return cidrMatch(obj(p.remoteIp), a.remoteIp ?? source);
  if (p.sourceIp !== undefined) return cidrMatch(obj(p.sourceIp), source);
  if (p.header !== undefined) return headerMatch(obj(p.header), a);
  if (p.metadata !== undefined) return metadataMatch(obj(p.metadata), a);
  throw new Error(`reference: unsupported principal ${JSON.stringify(p)}`);
}

function rules(r: Json, a: RbacAttributes): { allowed: boolean; policyId?: string; log?: boolean } {
  const action = String(r.action ?? 'ALLOW');
  const policies = obj(r.policies);
  const names = Object.keys(policies).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  const hit = names.find((n) => {
    const pol = obj(policies[n]);
    return arr(pol.permissions).some((x) => permission(obj(x), a)) && arr(pol.principals).some((x) => principal(obj(x), a));
  });
  const allowed = action === 'ALLOW' ? hit !== undefined : action === 'DENY' ? hit === undefined : true;
  return { allowed, ...(hit !== undefined ? { policyId: hit } : {}), ...(action === 'LOG' ? { log: hit !== undefined } : {}) };
}

/** The decision of an RBAC filter's typedConfig (proto3 JSON) for `a`, the engine's RbacDecision shape. */
export function referenceDecision(typedConfig: Json, a: RbacAttributes): RbacDecision {
  const shadow = typedConfig.shadowRules !== undefined ? rules(obj(typedConfig.shadowRules), a) : undefined;
  if (typedConfig.rules === undefined) return shadow ? { allowed: true, shadow } : { allowed: true };
  return { ...rules(obj(typedConfig.rules), a), ...(shadow ? { shadow } : {}) };
}
