import { describe, expect, it } from 'vitest';
import type { FilterChain, FilterChainMatch, Listener } from './envoy-shapes.js';
import { selectFilterChain } from './filter-chain-match.js';
import type { ConnectionView } from './listener-filters.js';

function conn(over: Partial<ConnectionView> = {}): ConnectionView {
  return {
    destinationAddress: '10.0.0.1',
    destinationPort: 443,
    sourceAddress: '10.0.0.9',
    sourcePort: 40000,
    serverName: '',
    transportProtocol: 'raw_buffer',
    applicationProtocols: [],
    tlsInspector: true,
    httpInspector: true,
    ...over,
  };
}

function listener(matches: Record<string, FilterChainMatch>, defaultChain = false): Listener {
  const chains: FilterChain[] = Object.entries(matches).map(([name, filter_chain_match]) => ({ name, filter_chain_match }));
  return { name: 'l', filter_chains: chains, ...(defaultChain ? { default_filter_chain: { name: 'the-default' } } : {}) };
}

function chosen(l: Listener, c: ConnectionView): string {
  const r = selectFilterChain(l, c);
  return 'reason' in r ? r.reason : (r.chain.name ?? String(r.index));
}

describe('server_names: exact, then the longest wildcard, then chains without server names', () => {
  const l = listener({
    exact: { server_names: ['www.example.com'] },
    wild: { server_names: ['*.example.com'] },
    tld: { server_names: ['*.com'] },
    none: {},
  });
  it.each([
    ['www.example.com', 'exact'],
    ['WWW.example.com'.toLowerCase(), 'exact'],
    ['api.example.com', 'wild'],
    ['a.b.example.com', 'wild'],
    ['example.com', 'tld'],
    ['example.org', 'none'],
    ['', 'none'],
  ])('sni %j → %s', (sni, want) => {
    expect(chosen(l, conn({ serverName: sni, transportProtocol: 'tls' }))).toBe(want);
  });
});

describe('destination_port comes first and never backtracks', () => {
  const l = listener(
    {
      'port-sni': { destination_port: { value: 443 }, server_names: ['a.com'] },
      'sni-only': { server_names: ['b.com'] },
      any: {},
    },
    true,
  );
  it.each([
    ['a.com', 443, 'port-sni'],
    // The port matched `port-sni`, so the port-less chains are gone even though `b.com` would match one.
    ['b.com', 443, 'the-default'],
    ['b.com', 8443, 'sni-only'],
    ['c.com', 8443, 'any'],
  ])('sni %s port %i → %s', (sni, port, want) => {
    expect(chosen(l, conn({ serverName: sni, destinationPort: port, transportProtocol: 'tls' }))).toBe(want);
  });

  it('fails without a default chain', () => {
    const strict = listener({ 'port-sni': { destination_port: 443, server_names: ['a.com'] } });
    expect(chosen(strict, conn({ serverName: 'b.com', transportProtocol: 'tls' }))).toBe('no-filter-chain');
  });
});

describe('prefix_ranges: the longest prefix wins, chains without ranges count as /0', () => {
  const l = listener({
    wide: { prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: { value: 8 } }] },
    narrow: { prefix_ranges: [{ address_prefix: '10.1.0.0', prefix_len: 16 }, { address_prefix: '192.168.0.0', prefix_len: 16 }] },
    host: { prefix_ranges: [{ address_prefix: '10.1.2.3', prefix_len: 32 }] },
    rest: {},
  });
  it.each([
    ['10.1.2.3', 'host'],
    ['10.1.9.9', 'narrow'],
    ['192.168.1.1', 'narrow'],
    ['10.9.9.9', 'wide'],
    ['172.16.0.1', 'rest'],
    ['2001:db8::1', 'rest'],
  ])('%s → %s', (ip, want) => {
    expect(chosen(l, conn({ destinationAddress: ip }))).toBe(want);
  });
});

describe('transport_protocol and application_protocols (Istio inbound chains)', () => {
  const l = listener({
    'mtls-http': { destination_port: 9080, transport_protocol: 'tls', application_protocols: ['istio-http/1.0', 'istio-http/1.1', 'istio-h2'] },
    'mtls-tcp': { destination_port: 9080, transport_protocol: 'tls' },
    'plain-http': { destination_port: 9080, transport_protocol: 'raw_buffer', application_protocols: ['http/1.1', 'h2c'] },
    'plain-tcp': { destination_port: 9080, transport_protocol: 'raw_buffer' },
  });
  it.each<[Partial<ConnectionView>, string]>([
    [{ transportProtocol: 'tls', applicationProtocols: ['istio-http/1.1'] }, 'mtls-http'],
    [{ transportProtocol: 'tls', applicationProtocols: ['istio'] }, 'mtls-tcp'],
    [{ transportProtocol: 'raw_buffer', applicationProtocols: ['h2c'] }, 'plain-http'],
    [{ transportProtocol: 'raw_buffer', applicationProtocols: [] }, 'plain-tcp'],
  ])('%j → %s', (c, want) => {
    expect(chosen(l, conn({ destinationPort: 9080, ...c }))).toBe(want);
  });

  it('takes the first offered ALPN that any chain lists', () => {
    const alpn = listener({ h2: { application_protocols: ['h2'] }, h1: { application_protocols: ['http/1.1'] } });
    expect(chosen(alpn, conn({ applicationProtocols: ['http/1.1', 'h2'] }))).toBe('h1');
    expect(chosen(alpn, conn({ applicationProtocols: ['h2', 'http/1.1'] }))).toBe('h2');
    expect(chosen(alpn, conn({ applicationProtocols: ['h3', 'h2'] }))).toBe('h2');
  });
});

describe('source criteria', () => {
  const l = listener({
    local: { source_type: 'SAME_IP_OR_LOOPBACK' },
    external: { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '10.0.0.0', prefix_len: 8 }] },
    'external-port': { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '172.16.0.0', prefix_len: 12 }], source_ports: [1234] },
    'external-any-port': { source_type: 'EXTERNAL', source_prefix_ranges: [{ address_prefix: '172.16.0.0', prefix_len: 12 }] },
  });
  it.each<[Partial<ConnectionView>, string]>([
    [{ sourceAddress: '127.0.0.6' }, 'local'],
    // Same IP as the destination counts as local.
    [{ sourceAddress: '10.0.0.1', destinationAddress: '10.0.0.1' }, 'local'],
    [{ sourceAddress: '10.9.9.9' }, 'external'],
    [{ sourceAddress: '172.16.0.5', sourcePort: 1234 }, 'external-port'],
    [{ sourceAddress: '172.16.0.5', sourcePort: 999 }, 'external-any-port'],
    [{ sourceAddress: '203.0.113.1' }, 'no-filter-chain'],
  ])('%j → %s', (c, want) => {
    expect(chosen(l, conn(c))).toBe(want);
  });
});

describe('outcomes', () => {
  it('reports identical matches as ambiguous (Envoy rejects such listeners)', () => {
    const r = selectFilterChain(listener({ a: { destination_port: 80 }, b: { destination_port: 80 } }), conn({ destinationPort: 80 }));
    expect(r).toEqual({ reason: 'ambiguous-filter-chain', candidates: [0, 1] });
  });

  it('uses the default chain when nothing matches, and an empty listener too', () => {
    expect(selectFilterChain({ default_filter_chain: { name: 'd' } }, conn())).toMatchObject({ index: 'default' });
    expect(selectFilterChain({}, conn())).toEqual({ reason: 'no-filter-chain' });
  });

  it('picks a single unconstrained chain by index', () => {
    expect(selectFilterChain({ filter_chains: [{ filters: [] }] }, conn())).toMatchObject({ index: 0 });
  });
});
