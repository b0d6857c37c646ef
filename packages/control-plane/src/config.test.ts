import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WEFTD_SETTINGS, defaultWeftdConfig, formatDuration, parseDuration, parseWeftdCommandLine, renderConfigMarkdown, renderUsage, spliceConfigMarkdown } from './config.js';

const CONFIG_DOC = fileURLToPath(new URL('../../../docs/config.md', import.meta.url));

describe('parseDuration (Go time.ParseDuration syntax)', () => {
  it.each([
    ['100ms', 100],
    ['10s', 10_000],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['250us', 0.25],
    ['0', 0],
    ['.5s', 500],
    ['-1s', -1000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '100', 's', '1x', '1 s', '1s ', 'ms100', '1..5s'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('reads back whatever formatDuration writes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 3_600_000 }), (ms) => parseDuration(formatDuration(ms)) === ms));
  });
});

describe('parseWeftdCommandLine', () => {
  it('uses the declared defaults', () => {
    expect(defaultWeftdConfig()).toEqual({
      configDir: undefined,
      xdsPort: 15010,
      debugPort: 15014,
      host: '127.0.0.1',
      debounceAfterMs: 100,
      debounceMaxMs: 10_000,
      watchSettleMs: 50,
      rootNamespace: 'istio-system',
      trustDomain: 'cluster.local',
      domainSuffix: 'cluster.local',
      outboundTrafficPolicy: 'ALLOW_ANY',
      accessLogFile: '',
      accessLogEncoding: 'TEXT',
      accessLogFormat: '',
      caPort: 15012,
      workloadCertTtlMs: 24 * 3_600_000,
      maxWorkloadCertTtlMs: 90 * 24 * 3_600_000,
      jwtPubKeyRefreshIntervalMs: 20 * 60_000,
      logLevel: 'info',
    });
    expect(defaultWeftdConfig()).toMatchObject({ caDir: undefined, cacertsDir: undefined });
    expect(Object.isFrozen(defaultWeftdConfig())).toBe(true);
  });

  it('takes a flag over WEFT_WEFTD_*, and WEFT_WEFTD_* over the Istio variable', () => {
    const env = { WEFT_WEFTD_DEBOUNCE_AFTER: '200ms', PILOT_DEBOUNCE_AFTER: '300ms', PILOT_DEBOUNCE_MAX: '5s', WEFT_WEFTD_CONFIG_DIR: '/etc/weft' };
    const parsed = parseWeftdCommandLine(['--xds-port', '0', '--debug-port=0'], env);
    expect(parsed).toMatchObject({ ok: true, action: 'run', config: { xdsPort: 0, debugPort: 0, debounceAfterMs: 200, debounceMaxMs: 5000, configDir: '/etc/weft' } });
    expect(parseWeftdCommandLine(['--debounce-after', '1ms'], env)).toMatchObject({ config: { debounceAfterMs: 1 } });
    expect(parseWeftdCommandLine([], { PILOT_DEBOUNCE_AFTER: '300ms', WEFT_WEFTD_DEBOUNCE_AFTER: '' })).toMatchObject({ config: { debounceAfterMs: 300 } });
  });

  it('reports every problem at once, naming where each value came from', () => {
    const parsed = parseWeftdCommandLine(['--xds-port', 'abc', '--nope', 'extra', '--log-level=loud', '--outbound-traffic-policy', 'ALLOW_ALL'], { PILOT_DEBOUNCE_MAX: '10', WEFT_WEFTD_ROOT_NAMESPACE: 'Istio_System' });
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? [] : parsed.errors).toEqual([
      "Unknown option '--nope'",
      "Unexpected argument 'extra'",
      '--xds-port: "abc" is not a port number (0-65535)',
      'PILOT_DEBOUNCE_MAX: "10" is not a duration (examples: 100ms, 1.5s, 1m30s)',
      'WEFT_WEFTD_ROOT_NAMESPACE: "Istio_System" is not a namespace name (DNS-1123 label)',
      '--outbound-traffic-policy: "ALLOW_ALL" is not one of ALLOW_ANY, REGISTRY_ONLY',
      '--log-level: "loud" is not one of debug, info, warn, error',
    ]);
  });

  it.each([
    [['--debounce-after', '2s', '--debounce-max', '1s'], '--debounce-after (2s) must not be longer than --debounce-max (1s)'],
    [['--xds-port', '9000', '--debug-port', '9000'], '--xds-port and --debug-port are both 9000'],
    [['--xds-port'], "Option '--xds-port <port>' argument missing"],
    [['--xds-port', '70000'], '--xds-port: "70000" is not a port number (0-65535)'],
    [['--debounce-max', '-1s'], '--debounce-max: "-1s" is negative'],
    [['--ca-dir', '/ca', '--ca-port', '15010'], '--xds-port and --ca-port are both 15010'],
    [['--workload-cert-ttl', '100h', '--max-workload-cert-ttl', '48h'], '--workload-cert-ttl (100h) must not be longer than --max-workload-cert-ttl (48h)'],
  ])('rejects %j', (argv, message) => {
    const parsed = parseWeftdCommandLine(argv, {});
    expect(parsed.ok ? [] : parsed.errors).toContain(message);
  });

  it('reads the CA settings, Istio variable names included; the CA port counts only with a CA', () => {
    const parsed = parseWeftdCommandLine(['--ca-dir', '/var/lib/weft/ca'], { ROOT_CA_DIR: '/etc/cacerts', MAX_WORKLOAD_CERT_TTL: '48h', DEFAULT_WORKLOAD_CERT_TTL: '1h' });
    expect(parsed).toMatchObject({ ok: true, config: { caDir: '/var/lib/weft/ca', cacertsDir: '/etc/cacerts', workloadCertTtlMs: 3_600_000, maxWorkloadCertTtlMs: 48 * 3_600_000 } });
    expect(parseWeftdCommandLine(['--ca-port', '15010'], {}).ok).toBe(true);
  });

  it('lets --help and --version win over problems', () => {
    expect(parseWeftdCommandLine(['--nope', '-h'], {})).toEqual({ ok: true, action: 'help' });
    expect(parseWeftdCommandLine(['--version', '--xds-port', 'x'], {})).toEqual({ ok: true, action: 'version' });
  });
});

describe('generated docs', () => {
  it('--help lists every setting with its default and environment variables', () => {
    const usage = renderUsage();
    for (const s of WEFTD_SETTINGS) {
      expect(usage).toContain(`--${s.flag} ${s.valueName}`);
      expect(usage).toContain(`default: ${s.default === '' ? '(none)' : s.default}; env: ${s.env.join(', ')}`);
    }
    expect(usage).toContain('PILOT_DEBOUNCE_AFTER');
  });

  it('docs/config.md has the current weftd section (regenerate: npm run gen:config-doc -w @weft/control-plane)', () => {
    const doc = readFileSync(CONFIG_DOC, 'utf8');
    expect(spliceConfigMarkdown(doc)).toBe(doc);
    expect(doc).toContain(renderConfigMarkdown());
  });

  it('splices the weftd section between other sections', () => {
    const doc = '# Configuration\n\n## weftd\n\nold\n\n## weft-proxy\n\nkept\n';
    const spliced = spliceConfigMarkdown(doc);
    expect(spliced.startsWith('# Configuration\n\n## weftd\n')).toBe(true);
    expect(spliced).toContain(renderConfigMarkdown());
    expect(spliced).not.toContain('old');
    expect(spliced.endsWith('\n## weft-proxy\n\nkept\n')).toBe(true);
    expect(spliceConfigMarkdown(spliced)).toBe(spliced);
    expect(spliceConfigMarkdown('# Configuration\n')).toBe(`# Configuration\n\n${renderConfigMarkdown()}`);
  });
});
