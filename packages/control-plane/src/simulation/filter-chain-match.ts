// Filter chain selection inside a listener (config.listener.v3.FilterChainMatch), Envoy's criteria
// in its order of precedence, each narrowing the candidates to the most specific match, falling back
// to the chains that do not set the criterion, and never backtracking. Then the default filter chain.

import { unwrap, type CidrRange, type FilterChain, type FilterChainMatch, type Listener } from './envoy-shapes.js';
import { cidrContains, isLoopback, parseIp, sameIp } from './ip-cidr.js';
import type { ConnectionView } from './listener-filters.js';

/** The chosen chain: its index in `filter_chains`, or `'default'` for default_filter_chain. */
export interface FilterChainSelection {
  readonly chain: FilterChain;
  readonly index: number | 'default';
}

/** Why no chain was chosen: none matched and there is no default, or several remain (Envoy rejects a
 *  listener whose chains have identical matches, so this means the config would not load). */
export type FilterChainFailure = { readonly reason: 'no-filter-chain' } | { readonly reason: 'ambiguous-filter-chain'; readonly candidates: readonly number[] };

/** A criterion's verdict on one chain: how specific its match is (higher wins), that it does not match,
 *  or that the chain does not set the criterion. */
type Verdict = number | 'miss' | 'unset';

interface Criterion {
  readonly name: string;
  readonly judge: (m: FilterChainMatch, c: ConnectionView) => Verdict;
}

/** Longest matching prefix length. Envoy files a chain without ranges under 0.0.0.0/0 and ::/0 in the
 *  same LC-trie, so an unset list is a match of length 0, not a separate fallback. */
function cidrVerdict(ranges: readonly CidrRange[] | undefined, address: string): Verdict {
  if (!ranges || ranges.length === 0) return 0;
  const ip = parseIp(address);
  if (!ip) return 'miss';
  let best: Verdict = 'miss';
  for (const r of ranges) {
    const len = unwrap(r.prefix_len) ?? 0;
    if (r.address_prefix !== undefined && cidrContains(r.address_prefix, len, ip) && (best === 'miss' || len > best)) best = len;
  }
  return best;
}

/** server_names: exact beats the longest `*.suffix` wildcard ("for SNI www.example.com the most specific
 *  match would be www.example.com, then *.example.com, then *.com, then any filter chain without
 *  server_names requirements"). A bare `*` is never consulted by Envoy. */
function serverNameVerdict(names: readonly string[] | undefined, sni: string): Verdict {
  if (!names || names.length === 0) return 'unset';
  if (sni === '') return 'miss';
  let best: Verdict = 'miss';
  for (const raw of names) {
    const n = raw.toLowerCase();
    let score: Verdict = 'miss';
    if (n === sni) score = Number.MAX_SAFE_INTEGER;
    else if (n.startsWith('*.') && sni.endsWith(n.slice(1)) && sni.length > n.length - 1) score = n.length;
    if (score !== 'miss' && (best === 'miss' || score > best)) best = score;
  }
  return best;
}

/** application_protocols: Envoy walks the connection's ALPN list in order and takes the first protocol
 *  some chain lists; earlier offered protocols are therefore more specific. */
function alpnVerdict(protocols: readonly string[] | undefined, offered: readonly string[]): Verdict {
  if (!protocols || protocols.length === 0) return 'unset';
  const i = offered.findIndex((p) => protocols.includes(p));
  return i === -1 ? 'miss' : offered.length - i;
}

function isLocalConnection(c: ConnectionView): boolean {
  const src = parseIp(c.sourceAddress);
  const dst = parseIp(c.destinationAddress);
  return !!src && (isLoopback(src) || (!!dst && sameIp(src, dst)));
}

/** FilterChainMatch's order: destination port, destination IP, server name, transport protocol,
 *  application protocols, directly connected source IP, source type, source IP, source port. */
const CRITERIA: readonly Criterion[] = [
  {
    name: 'destination_port',
    judge: (m, c) => {
      const port = unwrap(m.destination_port);
      return port === undefined || port === 0 ? 'unset' : port === c.destinationPort ? 1 : 'miss';
    },
  },
  { name: 'prefix_ranges', judge: (m, c) => cidrVerdict(m.prefix_ranges, c.destinationAddress) },
  { name: 'server_names', judge: (m, c) => serverNameVerdict(m.server_names, c.serverName) },
  {
    name: 'transport_protocol',
    judge: (m, c) => (!m.transport_protocol ? 'unset' : m.transport_protocol === c.transportProtocol ? 1 : 'miss'),
  },
  { name: 'application_protocols', judge: (m, c) => alpnVerdict(m.application_protocols, c.applicationProtocols) },
  // No proxy protocol in the simulation: the directly connected source is the source.
  { name: 'direct_source_prefix_ranges', judge: (m, c) => cidrVerdict(m.direct_source_prefix_ranges, c.sourceAddress) },
  {
    name: 'source_type',
    judge: (m, c) => {
      const t = m.source_type;
      if (t === undefined || t === 'ANY' || (t as unknown) === 0) return 'unset';
      const local = isLocalConnection(c);
      const wantsLocal = t === 'SAME_IP_OR_LOOPBACK' || (t as unknown) === 1;
      return local === wantsLocal ? 1 : 'miss';
    },
  },
  { name: 'source_prefix_ranges', judge: (m, c) => cidrVerdict(m.source_prefix_ranges, c.sourceAddress) },
  {
    name: 'source_ports',
    judge: (m, c) => (!m.source_ports || m.source_ports.length === 0 ? 'unset' : m.source_ports.includes(c.sourcePort) ? 1 : 'miss'),
  },
];

/** Narrows `candidates` by one criterion: keep the chains with the most specific match; if none
 *  matches, keep the chains that do not set it. Chains dropped here never come back (Envoy's matching
 *  tree has no backtracking: a chain that matched the port but not the SNI does not fall back to a
 *  port-less chain). */
function narrow(candidates: readonly number[], chains: readonly FilterChain[], criterion: Criterion, c: ConnectionView): number[] {
  const verdicts = candidates.map((i) => ({ i, v: criterion.judge(chains[i]?.filter_chain_match ?? {}, c) }));
  let best = -1;
  for (const { v } of verdicts) if (typeof v === 'number' && v > best) best = v;
  if (best >= 0) return verdicts.filter(({ v }) => v === best).map(({ i }) => i);
  return verdicts.filter(({ v }) => v === 'unset').map(({ i }) => i);
}

/** Selects the filter chain per FilterChainMatch ("Prune the filter chain set using the destination
 *  port. ... Repeat with the next criterion ... If there is no filter chain left, use the default
 *  filter chain"), listener_components.proto, config.listener.v3.FilterChainMatch. The listener's
 *  filter_chain_matcher (the generic matcher API) is not modelled: simulate() reports it as unsupported. */
export function selectFilterChain(l: Listener, c: ConnectionView): FilterChainSelection | FilterChainFailure {
  const chains = l.filter_chains ?? [];
  let candidates = chains.map((_, i) => i);
  for (const criterion of CRITERIA) {
    if (candidates.length === 0) break;
    candidates = narrow(candidates, chains, criterion, c);
  }
  const [only, ...rest] = candidates;
  if (only !== undefined && rest.length === 0) return { chain: chains[only] ?? {}, index: only };
  if (only !== undefined) return { reason: 'ambiguous-filter-chain', candidates };
  return l.default_filter_chain ? { chain: l.default_filter_chain, index: 'default' } : { reason: 'no-filter-chain' };
}
