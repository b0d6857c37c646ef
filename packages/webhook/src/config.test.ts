// weft-injector's settings: defaults, precedence of flags over Weft's then Istio's environment
// variables, and the README naming every flag.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { INJECTOR_SETTINGS, parseInjectorCommandLine, renderConfigMarkdown } from './config.js';

const TLS = ['--tls-cert-file', 'c.pem', '--tls-key-file', 'k.pem'];

describe('weft-injector settings', () => {
  it("defaults to Istio's ports and addresses", () => {
    const p = parseInjectorCommandLine(TLS, {});
    expect(p.ok && p.action === 'run' && p.config).toMatchObject({ port: 15017, monitoringPort: 15014, host: '0.0.0.0', injectionPolicy: 'enabled', revision: '', clusterId: 'Kubernetes', trustDomain: 'cluster.local', nativeSidecars: true, rewriteAppProbes: false });
  });

  it("takes a flag over WEFT_INJECTOR_* over Istio's variable", () => {
    const env = { WEFT_INJECTOR_CLUSTER_ID: 'weft', CLUSTER_ID: 'istio', ENABLE_NATIVE_SIDECARS: 'false', REVISION: 'canary' };
    const fromEnv = parseInjectorCommandLine(TLS, env);
    expect(fromEnv.ok && fromEnv.action === 'run' && fromEnv.config).toMatchObject({ clusterId: 'weft', nativeSidecars: false, revision: 'canary' });
    const fromFlag = parseInjectorCommandLine([...TLS, '--cluster-id', 'flag'], env);
    expect(fromFlag.ok && fromFlag.action === 'run' && fromFlag.config.clusterId).toBe('flag');
  });

  it.each([
    [['--include-outbound-ip-ranges', '10.0.0.0/8,bad'], 'is not a comma-separated list of CIDRs'],
    [['--exclude-inbound-ports', '80,x'], 'failed parsing port "x"'],
    [['--proxy-cpu', 'lots'], 'is not a Kubernetes quantity'],
    [['--port', '15014'], '--port and --monitoring-port are both 15014'],
  ])('refuses %j', (args, message) => {
    const p = parseInjectorCommandLine([...TLS, ...args], {});
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.errors.join('\n')).toContain(message);
  });

  it('is documented: the README and the generated table name every flag', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const table = renderConfigMarkdown();
    for (const s of INJECTOR_SETTINGS) {
      expect(readme, `README misses --${s.flag}`).toContain(`--${s.flag}`);
      expect(table).toContain(`\`--${s.flag} `);
    }
  });
});
