// weft-injector's main(): flags, exit codes, a clean start and stop with real servers on port 0.

import { request } from 'node:https';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEFT_VERSION } from '@weft/shared';
import { main } from './main.js';
import { createTestCert, type TestCert } from './webhook/tls.test-fixtures.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

let cert: TestCert;
beforeAll(() => {
  cert = createTestCert();
});
afterAll(() => cert.remove());

describe('weft-injector main', () => {
  it('prints the version', async () => {
    const out = capture();
    expect(await main(['--version'], out.stream)).toBe(0);
    expect(out.text()).toBe(`weft-injector ${WEFT_VERSION}\n`);
  });

  it('prints the help with every flag and its environment variable', async () => {
    const out = capture();
    expect(await main(['--help'], out.stream)).toBe(0);
    for (const flag of ['--port', '--monitoring-port', '--tls-cert-file', '--tls-key-file', '--proxy-image', '--ca-address', '--discovery-address', '--trust-domain', '--cluster-id']) expect(out.text()).toContain(flag);
    expect(out.text()).toContain('WEFT_INJECTOR_TLS_CERT_FILE');
  });

  it('rejects an unknown flag with exit code 2 and the usage hint', async () => {
    const err = capture();
    expect(await main(['--nope', '--tls-cert-file', 'c', '--tls-key-file', 'k'], capture().stream, err.stream, { env: {} })).toBe(2);
    expect(err.text()).toContain("Unknown option '--nope'");
    expect(err.text()).toContain('Usage: weft-injector');
  });

  it('exits 2 naming the missing TLS flags', async () => {
    const err = capture();
    expect(await main([], capture().stream, err.stream, { env: {} })).toBe(2);
    expect(err.text()).toContain('weft-injector: --tls-cert-file is required');
    expect(err.text()).toContain('weft-injector: --tls-key-file is required');
  });

  it('reports every bad value at once', async () => {
    const err = capture();
    expect(await main(['--port', 'x', '--interception-mode', 'SOMETIMES'], capture().stream, err.stream, { env: { WEFT_INJECTOR_NATIVE_SIDECARS: 'maybe' } })).toBe(2);
    expect(err.text()).toContain('--port: "x" is not a port number');
    expect(err.text()).toContain('--interception-mode: "SOMETIMES" is not one of REDIRECT, TPROXY, NONE');
    expect(err.text()).toContain('WEFT_INJECTOR_NATIVE_SIDECARS: "maybe" is not true or false');
  });

  it('exits 1 when a TLS file cannot be read', async () => {
    const err = capture();
    expect(await main(['--port', '0', '--monitoring-port', '0', '--host', '127.0.0.1', '--tls-cert-file', '/nonexistent/tls.crt', '--tls-key-file', cert.keyFile], capture().stream, err.stream, { env: {} })).toBe(1);
    expect(err.text()).toMatch(/cannot start: cannot read --tls-cert-file \/nonexistent\/tls.crt/);
  });

  it('starts from the environment, serves HTTPS, and stops cleanly', async () => {
    const out = capture();
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let ports = { port: 0, monitoringPort: 0 };
    let markStarted = (): void => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const exit = main([], out.stream, capture().stream, {
      env: { WEFT_INJECTOR_PORT: '0', WEFT_INJECTOR_MONITORING_PORT: '0', WEFT_INJECTOR_HOST: '127.0.0.1', WEFT_INJECTOR_TLS_CERT_FILE: cert.certFile, WEFT_INJECTOR_TLS_KEY_FILE: cert.keyFile },
      stop: stopped,
      onStarted: (p) => {
        ports = p;
        markStarted();
      },
    });
    await started;
    expect(ports.port).toBeGreaterThan(0);
    const status = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port: ports.port, path: '/inject', method: 'POST', ca: cert.certPem, servername: 'localhost', headers: { 'content-length': '0' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end(),
    );
    expect(status).toBe(400);
    stop();
    expect(await exit).toBe(0);
    expect(out.text()).toContain('"msg":"weft-injector listening"');
    expect(out.text()).toContain('"msg":"weft-injector stopping"');
  });
});
