import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, compileCidrRange, parseIp } from './cidr-range.js';
import { createFilterChainSelector, type ChainEntry, type ConnectionFacts } from './filter-chain-match.js';

const facts = (over: Partial<ConnectionFacts> = {}): ConnectionFacts => ({
  destinationIp: '127.0.0.10',
  destinationPort: 9080,
  sourceIp: '127.0.0.20',
  sourcePort: 40000,
  serverName: '',
  transportProtocol: 'raw_buffer',
  applicationProtocols: [],
  ...over,
});

const cidr = (address_prefix: string, value: number) => ({ address_prefix, prefix_len: { value } });

describe('parseIp and CIDR ranges', () => {
  it.each([
    ['10.1.2.3', 4, 0x0a010203n],
    ['::1', 6, 1n],
    ['::ffff:10.1.2.3', 4, 0x0a010203n],
    ['fd00::7', 6, 0xfd00n << 112n | 7n],
    ['1:2:3:4:5:6:7:8', 6, 0x00010002000300040005000600070008n],
    ['fe80::1%eth0', 6, 0xfe80n << 112n | 1n],
  ] as const)('parses %s', (text, family, value) => {
    expect(parseIp(text)).toEqual({ family, value });
  });

  it.each(['10.1.2', '10.1.2.256', 'reviews', '1::2::3', ''])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it.each([
    [cidr('10.0.0.0', 8), '10.200.0.1', true],
    [cidr('10.0.0.0', 8), '11.0.0.1', false],
    [cidr('10.1.2.3', 32), '10.1.2.3', true],
    [cidr('10.1.2.3', 32), '10.1.2.4', false],
    [cidr('0.0.0.0', 0), '192.168.1.1', true],
    [cidr('0.0.0.0', 0), '::1', false],
    [cidr('fd00::', 8), 'fd12::1', true],
    [cidr('10.1.2.3', 8), '10.9.9.9', true],
    [{ address_prefix: '10.0.0.1' }, '99.0.0.1', true],
  ])('%j contains %s: %s', (range, ip, expected) => {
    const r = compileCidrRange(range);
    const v = parseIp(ip);
    if (!r || !v) throw new Error('bad fixture');
    expect(cidrContains(r, v)).toBe(expected);
  });

  it.each([[cidr('10.0.0.0', 33)], [cidr('nope', 8)], [null], [{ prefix_len: 8 }]])('refuses range %j', (range) => {
    expect(compileCidrRange(range)).toBeUndefined();
  });

  it('agrees with string prefix comparison of the bits for random IPv4 addresses and lengths', () => {
    const bits = (n: number) => n.toString(2).padStart(32, '0');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (a, b, len) => {
        const text = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
        const range = compileCidrRange(cidr(text(a), len));
        const ip = parseIp(text(b));
        if (!range || !ip) return false;
        return cidrContains(range, ip) === (bits(a).slice(0, len) === bits(b).slice(0, len));
      }),
    );
  });
});

describe('createFilterChainSelector', () => {
  // weftd's virtualInbound: passthrough chains, then a chain per workload port.
  const virtualInbound: ChainEntry<string>[] = [
    { match: { destination_port: { value: 15006 } }, value: 'virtualInbound-blackhole' },
    { match: { application_protocols: ['http/1.1', 'h2c'], transport_protocol: 'raw_buffer' }, value: 'virtualInbound-catchall-http' },
    { match: { transport_protocol: 'raw_buffer' }, value: 'virtualInbound' },
    { match: { destination_port: { value: 9080 }, transport_protocol: 'raw_buffer' }, value: '0.0.0.0_9080' },
    { match: { destination_port: { value: 3306 }, transport_protocol: 'raw_buffer' }, value: '0.0.0.0_3306' },
  ];

  it.each([
    ['a declared port takes its chain', facts(), '0.0.0.0_9080'],
    ['another declared port', facts({ destinationPort: 3306 }), '0.0.0.0_3306'],
    ['the capture port itself is black-holed', facts({ destinationPort: 15006 }), 'virtualInbound-blackhole'],
    ['an undeclared port with detected HTTP', facts({ destinationPort: 7777, applicationProtocols: ['http/1.1'] }), 'virtualInbound-catchall-http'],
    ['an undeclared port otherwise', facts({ destinationPort: 7777 }), 'virtualInbound'],
    ['TLS on a declared port: no fallback to port-less chains', facts({ transportProtocol: 'tls' }), undefined],
  ])('%s', (_what, f, expected) => {
    expect(createFilterChainSelector(virtualInbound)(f)).toBe(expected);
  });

  it('falls back to the default chain when nothing matches', () => {
    const select = createFilterChainSelector([{ match: { destination_port: { value: 1 } }, value: 'one' }], 'default');
    expect(select(facts())).toBe('default');
    expect(select(facts({ destinationPort: 1 }))).toBe('one');
  });

  // Outbound listener shared by address-less TCP services, each matching its endpoint IPs (weftd),
  // with the PassthroughFilterChain as default.
  const shared: ChainEntry<string>[] = [
    { match: { prefix_ranges: [cidr('10.0.0.0', 8)] }, value: 'wide' },
    { match: { prefix_ranges: [cidr('10.1.0.0', 16), cidr('192.168.0.0', 16)] }, value: 'narrow' },
    { match: { prefix_ranges: [cidr('10.1.2.3', 32)] }, value: 'host' },
  ];

  it.each([
    ['10.9.9.9', 'wide'],
    ['10.1.9.9', 'narrow'],
    ['192.168.3.4', 'narrow'],
    ['10.1.2.3', 'host'],
    ['172.16.0.1', 'PassthroughFilterChain'],
  ])('destination %s takes the longest prefix: %s', (ip, expected) => {
    expect(createFilterChainSelector(shared, 'PassthroughFilterChain')(facts({ destinationIp: ip }))).toBe(expected);
  });

  it.each([
    ['exact SNI', 'reviews.example.com', 'exact'],
    ['longest wildcard', 'a.api.example.com', 'api-wildcard'],
    ['shorter wildcard', 'x.example.com', 'wildcard'],
    ['no SNI: only chains without server_names', '', 'no-sni'],
  ])('server names: %s', (_what, serverName, expected) => {
    const select = createFilterChainSelector([
      { match: { server_names: ['reviews.example.com'] }, value: 'exact' },
      { match: { server_names: ['*.example.com'] }, value: 'wildcard' },
      { match: { server_names: ['*.api.example.com'] }, value: 'api-wildcard' },
      { match: { transport_protocol: 'raw_buffer' }, value: 'no-sni' },
    ]);
    expect(select(facts({ serverName }))).toBe(expected);
  });

  it.each([
    ['loopback source', '127.0.0.1', 41000, 'local'],
    ['external source in the range', '10.2.0.9', 41000, 'source-range'],
    ['external source on the named port', '172.16.0.1', 5555, 'source-port'],
    ['external source otherwise', '172.16.0.1', 41000, 'external'],
  ])('source criteria: %s', (_what, sourceIp, sourcePort, expected) => {
    const select = createFilterChainSelector([
      { match: { source_type: 'SAME_IP_OR_LOOPBACK' }, value: 'local' },
      { match: { source_type: 'EXTERNAL', source_prefix_ranges: [cidr('10.2.0.0', 16)] }, value: 'source-range' },
      { match: { source_type: 'EXTERNAL', source_ports: [5555] }, value: 'source-port' },
      { match: { source_type: 'EXTERNAL' }, value: 'external' },
    ]);
    expect(select(facts({ sourceIp, sourcePort, destinationIp: '10.0.0.5' }))).toBe(expected);
  });

  it('a single match-all chain takes every connection', () => {
    const select = createFilterChainSelector([{ value: 'all' }]);
    expect(select(facts({ destinationPort: 1, transportProtocol: 'tls' }))).toBe('all');
  });

  it('no chains and no default: undefined', () => {
    expect(createFilterChainSelector<string>([])(facts())).toBeUndefined();
  });
});
