// Envoy's filter-chain selection for one connection (envoy.config.listener.v3.FilterChainMatch): the
// criteria are tried in Envoy's order, each narrowing the candidates to the most specific chains that
// match, or to the chains that leave that criterion unset; nothing left means the default chain.
// Compiled once per listener update; the per-connection work is a few passes over small arrays.

import { cidrContains, compileCidrRange, isLoopback, parseIp, type CidrRange, type IpValue } from './cidr-range.js';

/** What is known about a connection when its filter chain is chosen. */
export interface ConnectionFacts {
  /** The address the client connected to (the original destination under capture). */
  readonly destinationIp: string;
  readonly destinationPort: number;
  /** The client's address (Envoy's source address; the same as the direct source without PROXY protocol). */
  readonly sourceIp: string;
  readonly sourcePort: number;
  /** SNI from a TLS ClientHello (the TLS inspector); '' when none or not inspected. */
  readonly serverName: string;
  /** `raw_buffer` unless the TLS inspector saw a ClientHello (`tls`), Envoy's default when none sets it. */
  readonly transportProtocol: string;
  /** ALPN or what the HTTP inspector detected (`http/1.1`, `h2c`); empty when unknown. */
  readonly applicationProtocols: readonly string[];
}

type SourceType = 'ANY' | 'SAME_IP_OR_LOOPBACK' | 'EXTERNAL';

interface CompiledMatch {
  readonly destinationPort: number | undefined;
  readonly prefixRanges: readonly CidrRange[];
  readonly serverNames: readonly string[];
  readonly transportProtocol: string;
  readonly applicationProtocols: readonly string[];
  readonly directSourcePrefixRanges: readonly CidrRange[];
  readonly sourceType: SourceType;
  readonly sourcePrefixRanges: readonly CidrRange[];
  readonly sourcePorts: readonly number[];
}

interface Candidate<T> {
  readonly match: CompiledMatch;
  readonly value: T;
}

/** One filter chain to choose from: its `filter_chain_match` (absent: matches everything) and what it stands for. */
export interface ChainEntry<T> {
  readonly match?: Readonly<Record<string, unknown>>;
  readonly value: T;
}

const SOURCE_TYPES: ReadonlySet<string> = new Set(['ANY', 'SAME_IP_OR_LOOPBACK', 'EXTERNAL']);

function ranges(value: unknown): CidrRange[] {
  if (!Array.isArray(value)) return [];
  return value.map(compileCidrRange).filter((r): r is CidrRange => r !== undefined);
}

const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

function compileMatch(match: Readonly<Record<string, unknown>> | undefined): CompiledMatch {
  const m = match ?? {};
  const port = m.destination_port;
  const destinationPort = typeof port === 'object' && port !== null ? Number((port as { value?: unknown }).value) : typeof port === 'number' ? port : undefined;
  const sourceType = typeof m.source_type === 'string' && SOURCE_TYPES.has(m.source_type) ? (m.source_type as SourceType) : 'ANY';
  return {
    destinationPort: destinationPort !== undefined && Number.isFinite(destinationPort) ? destinationPort : undefined,
    prefixRanges: ranges(m.prefix_ranges),
    serverNames: strings(m.server_names).map((s) => s.toLowerCase()),
    transportProtocol: typeof m.transport_protocol === 'string' ? m.transport_protocol : '',
    applicationProtocols: strings(m.application_protocols),
    directSourcePrefixRanges: ranges(m.direct_source_prefix_ranges),
    sourceType,
    sourcePrefixRanges: ranges(m.source_prefix_ranges),
    sourcePorts: Array.isArray(m.source_ports) ? m.source_ports.map(Number).filter(Number.isFinite) : [],
  };
}

/** The connection's facts, parsed once. */
interface Parsed {
  readonly facts: ConnectionFacts;
  readonly destination: IpValue | undefined;
  readonly source: IpValue | undefined;
}

type Level = <T>(candidates: readonly Candidate<T>[], c: Parsed) => readonly Candidate<T>[];

/** Keeps the candidates whose value for a criterion is the best match (score > 0, highest), or, when
 *  none match, those that leave the criterion unset (score 0). Non-matching ones score -1. */
function narrow<T>(candidates: readonly Candidate<T>[], score: (m: CompiledMatch) => number): readonly Candidate<T>[] {
  let best = 0;
  const scores = candidates.map((c) => {
    const s = score(c.match);
    if (s > best) best = s;
    return s;
  });
  return candidates.filter((_, i) => scores[i] === best);
}

/** Longest matching prefix among `list` plus one (so /0 still beats "unset"); 0 when unset, -1 when none contains ip. */
function prefixScore(list: readonly CidrRange[], ip: IpValue | undefined): number {
  if (list.length === 0) return 0;
  let best = -1;
  if (ip) for (const r of list) if (r.prefixLength + 1 > best && cidrContains(r, ip)) best = r.prefixLength + 1;
  return best;
}

/** Exact server name first, then the longest `*.suffix` wildcard (Envoy's order). */
function serverNameScore(names: readonly string[], serverName: string): number {
  if (names.length === 0) return 0;
  const sni = serverName.toLowerCase();
  if (sni === '') return -1;
  let best = -1;
  for (const n of names) {
    if (n === sni) return Number.MAX_SAFE_INTEGER;
    if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && sni.length > n.length - 1) best = Math.max(best, n.length);
  }
  return best;
}

function isLocalSource(c: Parsed): boolean {
  if (!c.source) return false;
  if (isLoopback(c.source)) return true;
  return c.destination !== undefined && c.destination.family === c.source.family && c.destination.value === c.source.value;
}

// Envoy's FilterChainManagerImpl order: destination port, destination IP, server name, transport
// protocol, application protocols, direct source IP, source type, source IP, source port.
const LEVELS: readonly Level[] = [
  (cs, c) => narrow(cs, (m) => (m.destinationPort === undefined ? 0 : m.destinationPort === c.facts.destinationPort ? 1 : -1)),
  (cs, c) => narrow(cs, (m) => prefixScore(m.prefixRanges, c.destination)),
  (cs, c) => narrow(cs, (m) => serverNameScore(m.serverNames, c.facts.serverName)),
  (cs, c) => narrow(cs, (m) => (m.transportProtocol === '' ? 0 : m.transportProtocol === c.facts.transportProtocol ? 1 : -1)),
  (cs, c) => {
    // The first of the connection's protocols that some chain names wins (Envoy walks the ALPN list in order).
    for (const p of c.facts.applicationProtocols) {
      const hit = cs.filter((x) => x.match.applicationProtocols.includes(p));
      if (hit.length > 0) return hit;
    }
    return cs.filter((x) => x.match.applicationProtocols.length === 0);
  },
  (cs, c) => narrow(cs, (m) => prefixScore(m.directSourcePrefixRanges, c.source)),
  (cs, c) => {
    const local = isLocalSource(c);
    return narrow(cs, (m) => (m.sourceType === 'ANY' ? 0 : (m.sourceType === 'SAME_IP_OR_LOOPBACK') === local ? 1 : -1));
  },
  (cs, c) => narrow(cs, (m) => prefixScore(m.sourcePrefixRanges, c.source)),
  (cs, c) => narrow(cs, (m) => (m.sourcePorts.length === 0 ? 0 : m.sourcePorts.includes(c.facts.sourcePort) ? 1 : -1)),
];

/** Chooses the filter chain of a connection. */
export type FilterChainSelector<T> = (facts: ConnectionFacts) => T | undefined;

/**
 * Compiles a listener's filter chains into a selector. A criterion never falls back across levels:
 * once a level kept the chains naming the destination port, a later mismatch does not revive the
 * port-less chains; the connection gets `defaultChain` (Envoy's `default_filter_chain`), or undefined
 * (Envoy closes the connection: "no matching filter chain found"). Chains with identical matches are
 * refused by validation, so at most one chain survives every level.
 */
export function createFilterChainSelector<T>(chains: readonly ChainEntry<T>[], defaultChain?: T): FilterChainSelector<T> {
  const candidates: Candidate<T>[] = chains.map((c) => ({ match: compileMatch(c.match), value: c.value }));
  const only = candidates[0];
  // The common sidecar case: one chain that matches everything.
  if (candidates.length === 1 && only && (chains[0]?.match === undefined || Object.keys(chains[0].match).length === 0)) return () => only.value;
  return (facts) => {
    const parsed: Parsed = { facts, destination: parseIp(facts.destinationIp), source: parseIp(facts.sourceIp) };
    let left: readonly Candidate<T>[] = candidates;
    for (const level of LEVELS) {
      left = level(left, parsed);
      if (left.length === 0) return defaultChain;
    }
    return left[0]?.value ?? defaultChain;
  };
}
