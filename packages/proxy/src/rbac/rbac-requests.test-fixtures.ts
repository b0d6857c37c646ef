// Test support: requests derived from an AuthorizationPolicy and the RBAC config built from it. Every
// value the policy names (principals, namespaces, service accounts, trust domains, IP blocks, methods,
// paths, hosts, ports, headers, JWT claims, SNI, metadata) and every leaf matcher of the config yields
// attribute values that match it and values that do not; requests combine them: one attribute at a
// time, each rule's positives together, and seeded random mixes.

import type { RbacAttributes } from './rbac-attributes.js';
import { seeded } from '../../test/seeded-random.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');

/** A request under construction. */
interface Draft {
  headers: Record<string, string>;
  uriSans?: string[];
  directRemoteIp?: string;
  remoteIp?: string;
  destinationIp?: string;
  destinationPort?: number;
  requestedServerName?: string;
  jwt: Record<string, unknown>;
  metadata: Record<string, Record<string, unknown>>;
  /** Peer identities add up instead of replacing each other (a certificate may carry several URI
   *  SANs): how a rule's principal, namespace and service account positives are all met at once. */
  accumulateSans?: boolean;
}

/** One attribute value: the dimension it sets (one value per dimension per request) and how. */
interface Candidate {
  readonly dim: string;
  readonly apply: (d: Draft) => void;
}

const JWT_FILTER = 'envoy.filters.http.jwt_authn';

/** Istio wildcard patterns: values that match (`x`, `x…`, `…x`, anything) and values that do not. */
function wildcardValues(v: string): { pos: string[]; neg: string[] } {
  if (v === '*') return { pos: ['anything'], neg: [''] };
  if (v.startsWith('*')) return { pos: [`pre${v.slice(1)}`, v.slice(1)], neg: [`${v.slice(1)}zz`] };
  if (v.endsWith('*')) return { pos: [`${v.slice(0, -1)}post`, v.slice(0, -1)], neg: [`zz${v.slice(0, -1)}`] };
  return { pos: [v], neg: [`${v}-not`, v.toUpperCase() === v ? v.toLowerCase() : v.toUpperCase()] };
}

/** A string matching a simple regex of the kinds Istio writes (`.+`, `.*`, `[^/]*`, groups with `|`,
 *  `?`, escapes, a leading `(?i)`). */
export function regexInstance(pattern: string): string {
  let i = 0;
  const p = pattern.startsWith('(?i)') ? pattern.slice(4) : pattern;
  const seq = (stopAt: string): string => {
    let out = '';
    while (i < p.length && !stopAt.includes(p[i] as string)) {
      const c = p[i] as string;
      let piece: string;
      if (c === '\\') {
        piece = p[i + 1] ?? '';
        i += 2;
      } else if (c === '.') {
        piece = 'x';
        i++;
      } else if (c === '[') {
        const close = p.indexOf(']', i);
        piece = 'q';
        i = close + 1;
      } else if (c === '(') {
        i++;
        const alts: string[] = [seq('|)')];
        while (p[i] === '|') {
          i++;
          alts.push(seq('|)'));
        }
        i++; // ')'
        piece = alts[0] as string;
      } else {
        piece = c;
        i++;
      }
      const q = p[i];
      if (q === '*' || q === '+' || q === '?') i++;
      out += piece;
    }
    return out;
  };
  return seq('');
}

/** Values that match a StringMatcher (proto3 JSON) and values that do not. */
function stringMatcherValues(m: Json): string[] {
  const ic = m.ignoreCase === true;
  const variants = (s: string): string[] => (ic ? [s, s.toUpperCase()] : [s]);
  if (typeof m.exact === 'string') return [...variants(m.exact), `${m.exact}-not`, ''];
  if (typeof m.prefix === 'string') return [...variants(`${m.prefix}tail`), m.prefix, `zz${m.prefix}`];
  if (typeof m.suffix === 'string') return [...variants(`head${m.suffix}`), m.suffix, `${m.suffix}zz`];
  if (typeof m.contains === 'string') return [`a${m.contains}b`, 'none'];
  if (m.safeRegex !== undefined) {
    const inst = regexInstance(String(obj(m.safeRegex).regex));
    return [inst, `${inst}-zz`, ''];
  }
  return [];
}

/** An address inside a CIDR and one just outside it. */
function cidrValues(address: string, len: number): string[] {
  if (address.includes(':')) {
    const inside = address.endsWith('::') ? `${address}1` : address;
    return [inside, len > 0 ? flipV6(address, len) : inside];
  }
  const n = address.split('.').reduce((acc, x) => acc * 256 + Number(x), 0) >>> 0;
  const toText = (x: number): string => [24, 16, 8, 0].map((s) => (x >>> s) & 255).join('.');
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  const inside = ((n & mask) | (len < 32 ? 1 : 0)) >>> 0;
  const outside = len === 0 ? inside : (n ^ (1 << (32 - len))) >>> 0;
  return [toText(inside), toText(outside), toText(n)];
}

function flipV6(address: string, len: number): string {
  const halves = address.split('::');
  const head = halves[0] ? (halves[0] as string).split(':') : [];
  const tail = halves.length > 1 && halves[1] ? (halves[1] as string).split(':') : [];
  const groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail].map((g) => parseInt(g, 16));
  const bit = len - 1;
  const g = Math.floor(bit / 16);
  groups[g] = (groups[g] as number) ^ (1 << (15 - (bit % 16)));
  return groups.map((x) => x.toString(16)).join(':');
}

/** A path matching a URI template: `*` one segment, `**` two. */
const templateInstance = (t: string, glob: string): string => t.replace(/\*\*/g, glob).replace(/\*/g, 'seg');

const setHeader = (name: string, value: string): Candidate => ({ dim: `header:${name}`, apply: (d) => void (d.headers[name] = value) });
const setPeer = (san: string | undefined): Candidate => ({
  dim: 'peer',
  apply: (d) => void (d.uriSans = san === undefined ? [] : d.accumulateSans ? [...(d.uriSans ?? []), san] : [san]),
});
const setJwt = (claim: string, value: unknown): Candidate => ({ dim: `jwt:${claim}`, apply: (d) => void (d.jwt[claim] = value) });
const setMetadata = (filter: string, key: string, value: unknown): Candidate => ({
  dim: `md:${filter}:${key}`,
  apply: (d) => void ((d.metadata[filter] ??= {})[key] = value),
});

/** Candidates from the leaves of an RBAC config (proto3 JSON). */
function configCandidates(node: unknown, out: Candidate[]): void {
  if (Array.isArray(node)) {
    for (const x of node) configCandidates(x, out);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = node as Json;
  const cidr = (key: string, set: (d: Draft, ip: string) => void): void => {
    if (n[key] === undefined) return;
    const c = obj(n[key]);
    for (const ip of cidrValues(String(c.addressPrefix), Number(c.prefixLen ?? 0))) out.push({ dim: key, apply: (d) => set(d, ip) });
  };
  cidr('directRemoteIp', (d, ip) => void (d.directRemoteIp = ip));
  cidr('remoteIp', (d, ip) => void (d.remoteIp = ip));
  cidr('destinationIp', (d, ip) => void (d.destinationIp = ip));
  if (typeof n.destinationPort === 'number') for (const p of [n.destinationPort, n.destinationPort + 1]) out.push({ dim: 'port', apply: (d) => void (d.destinationPort = p) });
  if (n.requestedServerName !== undefined) for (const s of stringMatcherValues(obj(n.requestedServerName))) out.push({ dim: 'sni', apply: (d) => void (d.requestedServerName = s) });
  if (n.authenticated !== undefined) for (const s of stringMatcherValues(obj(obj(n.authenticated).principalName))) out.push(setPeer(s));
  if (n.header !== undefined) {
    const h = obj(n.header);
    const name = String(h.name).toLowerCase();
    const values = h.stringMatch !== undefined ? stringMatcherValues(obj(h.stringMatch)) : h.safeRegexMatch !== undefined ? [regexInstance(String(obj(h.safeRegexMatch).regex)), 'zz'] : ['present'];
    for (const v of values) out.push(setHeader(name, v));
  }
  if (n.urlPath !== undefined) for (const v of stringMatcherValues(obj(obj(n.urlPath).path))) for (const p of [v, `${v}?q=1`]) out.push(setHeader(':path', p));
  if (n.uriTemplate !== undefined) {
    const t = String(obj(obj(n.uriTemplate).typedConfig).pathTemplate);
    for (const p of [templateInstance(t, 'a/b'), templateInstance(t, ''), templateInstance(t, 'a'), `${templateInstance(t, 'a')}/extra`, `${templateInstance(t, 'a')}?q=1`]) out.push(setHeader(':path', p));
  }
  if (n.metadata !== undefined) {
    const m = obj(n.metadata);
    const path = arr(m.path).map((s) => String(obj(s).key));
    const values: string[] = [];
    const collect = (vm: Json): void => {
      if (vm.stringMatch !== undefined) values.push(...stringMatcherValues(obj(vm.stringMatch)));
      if (vm.listMatch !== undefined) collect(obj(obj(vm.listMatch).oneOf));
      for (const x of arr(obj(vm.orMatch).valueMatchers)) collect(obj(x));
    };
    collect(obj(m.value));
    const shapes = (v: string): unknown[] => [v, [v, 'other'], ['other']];
    if (m.filter === JWT_FILTER && path[0] === 'payload') for (const v of values) for (const s of shapes(v)) out.push(setJwt(path.slice(1).join('.'), s));
    else for (const v of values) for (const s of shapes(v)) out.push(setMetadata(String(m.filter), path.join('.'), s));
  }
  for (const v of Object.values(n)) configCandidates(v, out);
}

/** What a policy rule asks for, as candidates that match it (`pos`) and that do not (`neg`). */
interface RuleCandidates {
  readonly pos: Candidate[];
  readonly neg: Candidate[];
}

const spiffe = (td: string, ns: string, sa: string): string => `spiffe://${td}/ns/${ns}/sa/${sa}`;

/** Candidates for one AuthorizationPolicy field or `when` key. */
function fieldCandidates(key: string, values: readonly string[], policyNamespace: string, into: RuleCandidates): void {
  for (const v of values) {
    const w = wildcardValues(v);
    const push = (make: (x: string) => Candidate | Candidate[]): void => {
      into.pos.push(...w.pos.flatMap((x) => make(x)));
      into.neg.push(...w.neg.flatMap((x) => make(x)));
    };
    switch (key) {
      case 'principals':
      case 'source.principal':
        push((x) => setPeer(`spiffe://${x}`));
        break;
      case 'namespaces':
      case 'source.namespace':
        push((x) => setPeer(spiffe('cluster.local', x, 'default')));
        break;
      case 'serviceAccounts':
      case 'source.serviceAccount': {
        const [ns, sa] = v.includes('/') ? (v.split('/', 2) as [string, string]) : [policyNamespace, v];
        into.pos.push(setPeer(spiffe('cluster.local', ns, sa)), setPeer(`spiffe://td/ns/${ns}/extra/sa/${sa}/more`));
        into.neg.push(setPeer(spiffe('cluster.local', ns, `${sa}-other`)));
        break;
      }
      case 'trustDomains':
        push((x) => setPeer(spiffe(x, 'default', 'default')));
        break;
      case 'ipBlocks':
      case 'source.ip':
        for (const ip of cidrValues(...splitCidr(v))) into.pos.push({ dim: 'directRemoteIp', apply: (d) => void (d.directRemoteIp = ip) });
        break;
      case 'remoteIpBlocks':
      case 'remote.ip':
        for (const ip of cidrValues(...splitCidr(v))) into.pos.push({ dim: 'remoteIp', apply: (d) => void (d.remoteIp = ip) });
        break;
      case 'destination.ip':
        for (const ip of cidrValues(...splitCidr(v))) into.pos.push({ dim: 'destinationIp', apply: (d) => void (d.destinationIp = ip) });
        break;
      case 'ports':
      case 'destination.port':
        into.pos.push({ dim: 'port', apply: (d) => void (d.destinationPort = Number(v)) });
        into.neg.push({ dim: 'port', apply: (d) => void (d.destinationPort = Number(v) + 1000) });
        break;
      case 'requestPrincipals':
      case 'request.auth.principal':
        push((x) => {
          const at = x.lastIndexOf('/');
          // Without a '/', Istio matches the whole value as the issuer and an empty subject.
          return { dim: 'jwt:principal', apply: (d) => void Object.assign(d.jwt, at < 0 ? { iss: x, sub: '' } : { iss: x.slice(0, at), sub: x.slice(at + 1) }) };
        });
        break;
      case 'request.auth.audiences':
        push((x) => [setJwt('aud', x), setJwt('aud', [x, 'other'])]);
        break;
      case 'request.auth.presenter':
        push((x) => setJwt('azp', x));
        break;
      case 'methods':
        push((x) => setHeader(':method', x));
        break;
      case 'hosts':
        push((x) => [setHeader(':authority', x), setHeader(':authority', x.toUpperCase())]);
        break;
      case 'paths':
        push((x) => [setHeader(':path', x.replaceAll('{**}', 'a/b').replaceAll('{*}', 'seg')), setHeader(':path', `${x.replaceAll('{**}', 'a').replaceAll('{*}', 'seg')}?q=1`)]);
        break;
      case 'connection.sni':
        push((x) => ({ dim: 'sni', apply: (d) => void (d.requestedServerName = x) }));
        break;
      default: {
        const bracket = /^(request\.headers|request\.auth\.claims|experimental\.(envoy\.filters\..+?))\[(.+)\]$/.exec(key);
        if (bracket?.[1] === 'request.headers') push((x) => setHeader((bracket[3] as string).toLowerCase(), x));
        else if (bracket?.[1] === 'request.auth.claims') push((x) => [setJwt((bracket[3] as string).split('][').join('.'), x), setJwt((bracket[3] as string).split('][').join('.'), [x])]);
        else if (bracket?.[2] !== undefined) push((x) => setMetadata(bracket[2] as string, bracket[3] as string, x));
      }
    }
  }
}

const splitCidr = (v: string): [string, number] => {
  const [a = '', l] = v.split('/');
  return [a, l === undefined ? (a.includes(':') ? 128 : 32) : Number(l)];
};

const SOURCE_FIELDS = ['principals', 'namespaces', 'serviceAccounts', 'trustDomains', 'requestPrincipals', 'ipBlocks', 'remoteIpBlocks'] as const;
const OPERATION_FIELDS = ['hosts', 'methods', 'paths', 'ports'] as const;
const notField = (f: string): string => `not${f[0]?.toUpperCase() ?? ''}${f.slice(1)}`;

/** Candidates of each rule (a from × to combination each) of the policies. */
function policyRuleCandidates(policies: readonly Json[]): RuleCandidates[] {
  const out: RuleCandidates[] = [];
  for (const policy of policies) {
    const ns = String(obj(policy.metadata).namespace ?? 'default');
    for (const rule of arr(obj(policy.spec).rules)) {
      const r = obj(rule);
      const froms = arr(r.from).length > 0 ? arr(r.from).map((f) => obj(obj(f).source)) : [{}];
      const tos = arr(r.to).length > 0 ? arr(r.to).map((t) => obj(obj(t).operation)) : [{}];
      for (const from of froms) {
        for (const to of tos) {
          const rc: RuleCandidates = { pos: [], neg: [] };
          for (const w of arr(r.when)) {
            const c = obj(w);
            fieldCandidates(String(c.key), strings(c.values), ns, rc);
            fieldCandidates(String(c.key), strings(c.notValues), ns, { pos: rc.neg, neg: [] });
          }
          for (const f of SOURCE_FIELDS) {
            fieldCandidates(f, strings(from[f]), ns, rc);
            fieldCandidates(f, strings(from[notField(f)]), ns, { pos: rc.neg, neg: [] });
          }
          for (const f of OPERATION_FIELDS) {
            fieldCandidates(f, strings(to[f]), ns, rc);
            fieldCandidates(f, strings(to[notField(f)]), ns, { pos: rc.neg, neg: [] });
          }
          out.push(rc);
        }
      }
    }
  }
  return out;
}

function toAttributes(d: Draft, http: boolean): RbacAttributes {
  const metadata: Record<string, unknown> = { ...d.metadata };
  if (Object.keys(d.jwt).length > 0) {
    const payload: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(d.jwt)) {
      const keys = k.split('.');
      let at = payload;
      keys.slice(0, -1).forEach((key) => {
        at = (at[key] ??= {}) as Record<string, unknown>;
      });
      at[keys[keys.length - 1] as string] = v;
    }
    metadata[JWT_FILTER] = { payload };
  }
  const headers = { ...d.headers };
  return {
    ...(http ? { header: (name: string) => headers[name] } : {}),
    ...(d.uriSans !== undefined ? { peerCertificate: { uriSans: d.uriSans } } : {}),
    ...(d.directRemoteIp !== undefined ? { directRemoteIp: d.directRemoteIp } : {}),
    ...(d.remoteIp !== undefined ? { remoteIp: d.remoteIp } : {}),
    ...(d.destinationIp !== undefined ? { destinationIp: d.destinationIp } : {}),
    ...(d.destinationPort !== undefined ? { destinationPort: d.destinationPort } : {}),
    ...(d.requestedServerName !== undefined ? { requestedServerName: d.requestedServerName } : {}),
    ...(Object.keys(metadata).length > 0 ? { dynamicMetadata: metadata } : {}),
  };
}

const baseDraft = (http: boolean): Draft => ({ headers: http ? { ':method': 'GET', ':path': '/', ':authority': 'httpbin.foo' } : {}, jwt: {}, metadata: {} });

/**
 * The requests for a case: the base request (a plain GET / on HTTP, nothing on TCP); the base with one
 * candidate applied, for every candidate; per policy rule, all its positives together and then each of
 * its negatives on top; and `randomCount` seeded mixes picking, per dimension, nothing or one candidate.
 * TCP requests carry no headers (the network filter has none).
 */
export function generateRequests(policies: readonly Json[], configs: readonly Json[], http: boolean, randomCount = 200, seed = 1): RbacAttributes[] {
  const candidates: Candidate[] = [];
  for (const c of configs) configCandidates(c, candidates);
  const rules = policyRuleCandidates(policies);
  for (const r of rules) candidates.push(...r.pos, ...r.neg);
  candidates.push(setPeer(undefined), { dim: 'peer', apply: (d) => void delete d.uriSans });

  const drafts: Draft[] = [baseDraft(http)];
  for (const c of candidates) {
    const d = baseDraft(http);
    c.apply(d);
    drafts.push(d);
  }
  for (const r of rules) {
    const positive: Draft = { ...baseDraft(http), accumulateSans: true };
    for (const c of r.pos) c.apply(positive);
    drafts.push(positive);
    for (const n of r.neg) {
      const d = structuredClone(positive);
      n.apply(d);
      drafts.push(d);
    }
  }
  const byDim = new Map<string, Candidate[]>();
  for (const c of candidates) byDim.set(c.dim, [...(byDim.get(c.dim) ?? []), c]);
  const next = seeded(seed);
  for (let i = 0; i < randomCount; i++) {
    const d = baseDraft(http);
    for (const list of byDim.values()) {
      const pick = Math.floor(next() * (list.length + 1));
      if (pick < list.length) (list[pick] as Candidate).apply(d);
    }
    drafts.push(d);
  }
  return drafts.map((d) => toAttributes(d, http));
}
