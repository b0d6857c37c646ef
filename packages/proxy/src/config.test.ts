import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROXY_SETTINGS, defaultProxyConfig, parseLabels, parseProxyCommandLine, renderUsage, spliceConfigMarkdown, type ProxyConfig } from './config.js';

const CONFIG_DOC = fileURLToPath(new URL('../../../docs/config.md', import.meta.url));

function run(argv: string[], env: Record<string, string> = {}): ProxyConfig {
  const parsed = parseProxyCommandLine(argv, env);
  if (!parsed.ok || parsed.action !== 'run') throw new Error(JSON.stringify(parsed));
  return parsed.config;
}

describe('weft-proxy config', () => {
  it('has Istio-like defaults', () => {
    expect(defaultProxyConfig()).toEqual({
      mode: 'sidecar',
      nodeId: '',
      podName: '',
      workloadName: '',
      namespace: 'default',
      labels: {},
      serviceAccount: 'default',
      workloadAddresses: ['127.0.0.1'],
      domain: '',
      discoveryAddress: '127.0.0.1:15010',
      adminPort: 15000,
      healthPort: 15021,
      healthAddress: '0.0.0.0',
      statsPort: 15090,
      mergedMetricsPort: undefined,
      appMetrics: '',
      outboundPort: 15001,
      outboundAddress: '127.0.0.1',
      appAddress: '127.0.0.1',
      drainDurationMs: 45_000,
      caAddress: '',
      caRootCert: '',
      tokenFile: '',
      trustDomain: 'cluster.local',
      v8Flags: '--optimize-for-size',
      workloadCertTtlMs: 86_400_000,
      logLevel: 'info',
      concurrency: 2,
      extraMetadata: {},
    });
    expect(Object.isFrozen(defaultProxyConfig())).toBe(true);
  });

  it.each([
    ['namespace', ['--namespace', 'prod'], {}, 'prod'],
    ['namespace', [], { POD_NAMESPACE: 'from-istio' }, 'from-istio'],
    ['namespace', [], { WEFT_PROXY_NAMESPACE: 'weft', POD_NAMESPACE: 'istio' }, 'weft'],
    ['caAddress', [], { CA_ADDR: 'istiod.istio-system.svc:15012' }, 'istiod.istio-system.svc:15012'],
    ['workloadCertTtlMs', [], { SECRET_TTL: '2h' }, 7_200_000],
    ['trustDomain', [], { TRUST_DOMAIN: 'example.org' }, 'example.org'],
    ['namespace', ['--namespace=flag'], { WEFT_PROXY_NAMESPACE: 'env' }, 'flag'],
    ['namespace', [], { POD_NAMESPACE: '' }, 'default'],
    ['serviceAccount', [], { SERVICE_ACCOUNT: 'bookinfo-reviews' }, 'bookinfo-reviews'],
    ['workloadName', [], { ISTIO_META_WORKLOAD_NAME: 'reviews-v1' }, 'reviews-v1'],
    ['podName', [], { POD_NAME: 'reviews-v1-abc' }, 'reviews-v1-abc'],
    ['workloadAddresses', [], { INSTANCE_IP: '10.0.0.7' }, ['10.0.0.7']],
    ['workloadAddresses', ['--workload-address', '10.0.0.7, fd00::7'], {}, ['10.0.0.7', 'fd00::7']],
    ['mode', ['--mode', 'router'], {}, 'router'],
    ['discoveryAddress', ['--discovery-address', 'weftd.local:15010'], {}, 'weftd.local:15010'],
    ['discoveryAddress', ['--discovery-address', '[::1]:15010'], {}, '[::1]:15010'],
    ['adminPort', [], { WEFT_PROXY_ADMIN_PORT: '0' }, 0],
    ['logLevel', ['--log-level', 'debug'], {}, 'debug'],
    ['labels', ['--labels', 'app=reviews,version=v1'], {}, { app: 'reviews', version: 'v1' }],
    ['outboundAddress', [], { WEFT_PROXY_OUTBOUND_ADDRESS: '127.0.2.10' }, '127.0.2.10'],
    ['appAddress', ['--app-address', '::1'], {}, '::1'],
    ['drainDurationMs', ['--drain-duration', '1m30s'], {}, 90_000],
    ['labels', [], { ISTIO_METAJSON_LABELS: '{"app":"ratings","istio.io/rev":"default"}' }, { app: 'ratings', 'istio.io/rev': 'default' }],
  ] as const)('reads %s from %j / %j', (key, argv, env, expected) => {
    expect(run([...argv], { ...env })[key]).toEqual(expected);
  });

  it('forwards ISTIO_META_* and ISTIO_METAJSON_* variables as node metadata', () => {
    const config = run([], { ISTIO_META_CLUSTER_ID: 'Kubernetes', ISTIO_METAJSON_ANNOTATIONS: '{"a":"b"}', ISTIO_META_: 'ignored', OTHER: 'x' });
    expect(config.extraMetadata).toEqual({ CLUSTER_ID: 'Kubernetes', ANNOTATIONS: { a: 'b' } });
  });

  it('reports every problem at once', () => {
    const parsed = parseProxyCommandLine(['--mode', 'gateway', '--admin-port', '70000', '--nope', 'extra', '--discovery-address', 'weftd', '--labels', 'app'], {
      INSTANCE_IP: '10.0.0.x',
      POD_NAMESPACE: 'Bad_NS',
      ISTIO_METAJSON_X: '{',
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([
      "Unknown option '--nope'",
      "Unexpected argument 'extra'",
      '--mode: "gateway" is not one of sidecar, router',
      'POD_NAMESPACE: "Bad_NS" is not a namespace name (DNS-1123 label)',
      '--labels: "app" is not key=value',
      'INSTANCE_IP: "10.0.0.x" is not an IP address',
      '--discovery-address: "weftd" is not host:port',
      '--admin-port: "70000" is not a port number (0-65535)',
      expect.stringMatching(/^ISTIO_METAJSON_X: not valid JSON/),
    ]);
  });

  it.each([
    [['--outbound-address', '127.0.0.1,127.0.0.2'], '--outbound-address: "127.0.0.1,127.0.0.2" is not one IP address'],
    [['--app-address', 'localhost'], '--app-address: "localhost" is not an IP address'],
    [['--drain-duration', '5'], '--drain-duration: "5" is not a duration (examples: 100ms, 1.5s, 1m30s)'],
  ])('refuses %j', (argv, error) => {
    expect(parseProxyCommandLine(argv, {})).toEqual({ ok: false, errors: [error] });
  });

  it('binds the health server where --health-address or WEFT_PROXY_HEALTH_ADDRESS says', () => {
    expect(run(['--health-address', '127.0.0.7']).healthAddress).toBe('127.0.0.7');
    expect(parseProxyCommandLine([], { WEFT_PROXY_HEALTH_ADDRESS: '127.0.0.8' })).toMatchObject({ ok: true, config: { healthAddress: '127.0.0.8' } });
    expect(parseProxyCommandLine(['--health-address', 'localhost'], {})).toMatchObject({ ok: false });
  });

  it('sets V8 flags from --v8-flags or WEFT_PROXY_V8_FLAGS, --optimize-for-size unless told otherwise', () => {
    expect(run([]).v8Flags).toBe('--optimize-for-size');
    expect(run(['--v8-flags', '']).v8Flags).toBe('');
    expect(parseProxyCommandLine([], { WEFT_PROXY_V8_FLAGS: '--heap-growing-percent=20 --optimize-for-size' })).toMatchObject({ ok: true, config: { v8Flags: '--heap-growing-percent=20 --optimize-for-size' } });
    expect(parseProxyCommandLine(['--v8-flags', '--optimize-for-size max-lazy'], {})).toEqual({ ok: false, errors: ["--v8-flags: 'max-lazy' is not a V8 flag (they start with --)"] });
  });

  it('refuses two servers on one port', () => {
    expect(parseProxyCommandLine(['--admin-port', '9000', '--health-port', '9000'], {})).toEqual({ ok: false, errors: ['--admin-port and --health-port are both 9000'] });
    expect(run(['--admin-port', '0', '--health-port', '0', '--stats-port', '0']).adminPort).toBe(0);
  });

  it.each([
    ['', {}],
    ['a=1', { a: '1' }],
    ['{"a":"1"}', { a: '1' }],
    ['a=', { a: '' }],
  ])('parses labels %j', (raw, expected) => {
    expect(parseLabels(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['{"a":1}', 'label a: 1 is not a label value'],
    ['[1]', 'labels JSON must be an object'],
    ['-bad=x', '"-bad" is not a label key'],
  ])('refuses labels %j', (raw, error) => {
    expect(parseLabels(raw)).toEqual({ ok: false, error });
  });

  it('lets --help and --version win over problems', () => {
    expect(parseProxyCommandLine(['--nope', '--help'], {})).toEqual({ ok: true, action: 'help' });
    expect(parseProxyCommandLine(['--version', '--mode', 'x'], {})).toEqual({ ok: true, action: 'version' });
  });

  it('lists every setting with its flag, environment variables and default in --help', () => {
    const usage = renderUsage();
    for (const s of PROXY_SETTINGS) {
      expect(usage).toContain(`--${s.flag} ${s.valueName}`);
      expect(usage).toContain(`env: ${s.env.join(', ')}`);
    }
    expect(usage).toContain('default: 127.0.0.1:15010; env: WEFT_PROXY_DISCOVERY_ADDRESS');
    expect(usage).toContain('ISTIO_META_<NAME>');
  });

  it('docs/config.md has the current weft-proxy section (regenerate: npm run gen:config-doc -w @weft/proxy)', () => {
    const doc = readFileSync(CONFIG_DOC, 'utf8');
    expect(spliceConfigMarkdown(doc)).toBe(doc);
  });
});
