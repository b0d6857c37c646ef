// Access logs end to end inside one sidecar fed over xDS: weftd's listeners with Istio's file logger
// (shapes restated: the proxy may not import the control plane) write one line per request and per TCP
// connection, outbound (the explicit proxy, as the outbound listener of the request's route) and
// inbound, in Envoy's text or JSON form; a format Envoy would refuse is NACKed and the last good config
// keeps logging; TCP connections count in Istio's TCP metrics.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { plainToStruct, TYPE_URL } from '@weft/shared/xds';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { XdsTestServer, waitFor } from '../../test/xds-test-server.js';
import { defaultProxyConfig } from '../config.js';
import { outboundHttp, staticCluster, virtualInbound, virtualOutbound } from '../listeners/sidecar-listeners.test-fixtures.js';
import { processAccessLogFiles } from '../telemetry/access-log-file.js';
import { startProxy, type ProxyHandle } from './start-proxy.js';
import { freePortOnAll } from '../../test/free-port.js';

const OUTBOUND_IP = '127.0.0.70';
const APP_IP = '127.0.0.71';
const WORKLOAD_IP = '127.0.0.72';
const ZERO = { seconds: '0' };

/** Istio's EnvoyTextLogFormat (weftd's generators/filter-access-log.ts). */
const ISTIO_TEXT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A port free on the app address and the proxy's. */
const freeOnBoth = (): Promise<number> => freePortOnAll([APP_IP, WORKLOAD_IP, OUTBOUND_IP]);

async function apps(): Promise<{ http: number; tcp: number }> {
  const http = await freeOnBoth();
  const server: HttpServer = createHttpServer((req, res) => res.end(`app: ${req.method} ${req.url}`));
  await new Promise<void>((resolve) => server.listen(http, APP_IP, resolve));
  cleanups.push(() => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))));
  const tcp = await freeOnBoth();
  const echo: Server = createServer({ allowHalfOpen: true }, (s) => {
    s.on('data', (d: Buffer) => s.write(`echo ${d.toString()}`));
    s.on('end', () => s.end());
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => echo.listen(tcp, APP_IP, resolve));
  cleanups.push(() => new Promise((resolve) => echo.close(resolve)));
  return { http, tcp };
}

async function startSidecar(): Promise<{ proxy: ProxyHandle; xds: XdsTestServer }> {
  const xds = await XdsTestServer.start();
  const logStream = new PassThrough();
  logStream.resume();
  const proxy = await startProxy(
    defaultProxyConfig({ adminPort: 0, healthPort: 0, statsPort: 0, outboundPort: 0, discoveryAddress: xds.address, workloadName: 'reviews-v1', workloadAddresses: [WORKLOAD_IP], appAddress: APP_IP, outboundAddress: OUTBOUND_IP }),
    { logStream, exit: () => undefined, backoff: { initialMs: 20, maxMs: 100 }, healthHost: '127.0.0.1' },
  );
  cleanups.push(
    () => xds.close(),
    () => proxy.close(),
  );
  return { proxy, xds };
}

/** `listener` with `access_log` on every HCM and tcp_proxy, as weftd's withAccessLogs puts it. */
function withAccessLog(listener: Record<string, unknown>, accessLog: readonly object[]): Record<string, unknown> {
  const filters = (chain: { filters?: { typed_config?: Record<string, unknown> }[] }) => ({
    ...chain,
    filters: (chain.filters ?? []).map((f) => {
      const type = f.typed_config?.['@type'];
      return type === TYPE_URL.HTTP_CONNECTION_MANAGER || type === TYPE_URL.TCP_PROXY ? { ...f, typed_config: { ...f.typed_config, access_log: accessLog } } : f;
    }),
  });
  return { ...listener, filter_chains: (listener.filter_chains as object[]).map((c) => filters(c as never)) };
}

const fileLog = (path: string, logFormat: object): object => ({ name: 'envoy.access_loggers.file', typed_config: { '@type': TYPE_URL.FILE_ACCESS_LOG, path, log_format: logFormat } });

/** Config for the app on `ports`: inbound HTTP and TCP, and an outbound route `svc:<http>` to the app. */
function push(xds: XdsTestServer, version: string, ports: { http: number; tcp: number }, accessLog: readonly object[]): void {
  const outboundCluster = `outbound|${ports.http}||svc.default.svc.cluster.local`;
  xds.set(TYPE_URL.CLUSTER, version, [staticCluster(`inbound|${ports.http}||`, [[APP_IP, ports.http]]), staticCluster(`inbound|${ports.tcp}||`, [[APP_IP, ports.tcp]]), staticCluster(outboundCluster, [[APP_IP, ports.http]])]);
  xds.set(TYPE_URL.ROUTE, version, [{ name: String(ports.http), virtual_hosts: [{ name: 'svc', domains: ['*'], routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: outboundCluster, timeout: ZERO } }] }] }]);
  const listeners = [virtualOutbound(), outboundHttp(ports.http), virtualInbound([{ port: ports.http, http: true }, { port: ports.tcp, http: false }])];
  xds.set(TYPE_URL.LISTENER, version, accessLog.length > 0 ? listeners.map((l) => withAccessLog(l, accessLog)) : listeners);
}

function tcpExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: WORKLOAD_IP, port });
    let reply = '';
    s.on('data', (d: Buffer) => {
      reply += d.toString();
      if (reply.includes(text)) s.end();
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(reply));
    s.on('connect', () => s.write(text));
  });
}

function logFile(): { path: string; lines: () => string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'weft-proxy-access-log-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'access.log');
  return {
    path: file,
    lines: () => {
      try {
        return readFileSync(file, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

async function ready(proxy: ProxyHandle, ports: { http: number; tcp: number }): Promise<void> {
  await waitFor(() => proxy.listeners.bindings().some((b) => b.listenerName === 'virtualInbound' && b.state === 'bound'), 'virtualInbound bound');
  await waitFor(() => proxy.compiled().routeConfigs.has(String(ports.http)), 'route config compiled');
}

describe('access logs', () => {
  it("writes Istio's text line per request on both sides and per TCP connection, and counts TCP metrics", async () => {
    const ports = await apps();
    const log = logFile();
    const { proxy, xds } = await startSidecar();
    push(xds, '1', ports, [fileLog(log.path, { text_format_source: { inline_string: ISTIO_TEXT } })]);
    await ready(proxy, ports);

    const out = await request(`http://127.0.0.1:${proxy.outboundPort}/hello?x=1`, { headers: { host: `svc:${ports.http}`, 'x-request-id': 'req-1', 'user-agent': 'weft-test' } });
    expect(await out.body.text()).toBe('app: GET /hello?x=1');
    const inbound = await request(`http://${WORKLOAD_IP}:${ports.http}/inside`, { headers: { 'x-request-id': 'req-2' } });
    expect(inbound.statusCode).toBe(200);
    await inbound.body.text();
    expect(await tcpExchange(ports.tcp, 'ping')).toBe('echo ping');
    await waitFor(async () => (await processAccessLogFiles.flush(), log.lines().length >= 3), 'three access log lines');

    const lines = log.lines();
    const outboundLine = lines.find((l) => l.includes('"req-1"'));
    expect(outboundLine).toMatch(
      new RegExp(
        `^\\[\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\] "GET /hello\\?x=1 HTTP/1\\.1" 200 - via_upstream - "-" \\d+ \\d+ \\d+ \\d+ "-" "weft-test" "req-1" "svc:${ports.http}" "${APP_IP}:${ports.http}" outbound\\|${ports.http}\\|\\|svc\\.default\\.svc\\.cluster\\.local - 127\\.0\\.0\\.1:${proxy.outboundPort} 127\\.0\\.0\\.1:\\d+ - default$`,
      ),
    );
    const inboundLine = lines.find((l) => l.includes('"req-2"'));
    expect(inboundLine).toMatch(new RegExp(`"GET /inside HTTP/1\\.1" 200 - via_upstream .* "${WORKLOAD_IP}:${ports.http}" "${APP_IP}:${ports.http}" inbound\\|${ports.http}\\|\\| - ${WORKLOAD_IP}:${ports.http} 127\\.0\\.0\\.1:\\d+ - default$`));
    const tcpLine = lines.find((l) => l.includes(`inbound|${ports.tcp}||`));
    expect(tcpLine).toMatch(new RegExp(`"- - -" 0 - - - "-" 4 9 \\d+ - "-" "-" "-" "-" "${APP_IP}:${ports.tcp}" inbound\\|${ports.tcp}\\|\\| 127\\.0\\.0\\.1:\\d+ ${WORKLOAD_IP}:${ports.tcp} 127\\.0\\.0\\.1:\\d+ - -$`));

    // The same connection in Istio's TCP metrics (inbound: reporter destination, plaintext: none).
    const metrics = proxy.metrics.render();
    expect(metrics).toMatch(/istio_tcp_connections_opened_total\{reporter="destination",.*response_flags="-",connection_security_policy="none"\} 1/);
    expect(metrics).toMatch(/istio_tcp_received_bytes_total\{reporter="destination",.*\} 4\n/);
    expect(metrics).toMatch(/istio_tcp_sent_bytes_total\{reporter="destination",.*\} 9\n/);
  });

  it('writes JSON lines with typed values, and nothing once the loggers are gone', async () => {
    const ports = await apps();
    const log = logFile();
    const { proxy, xds } = await startSidecar();
    const format = { json_format: plainToStruct({ code: '%RESPONSE_CODE%', id: '%REQ(X-REQUEST-ID)%', cluster: '%UPSTREAM_CLUSTER%', xff: '%REQ(X-FORWARDED-FOR)%', duration: '%DURATION%' }), json_format_options: { sort_properties: false } };
    push(xds, '1', ports, [fileLog(log.path, format)]);
    await ready(proxy, ports);
    // `reset`: no keep-alive, so the next request opens a connection on the next config's chains.
    const res = await request(`http://${WORKLOAD_IP}:${ports.http}/j`, { headers: { 'x-request-id': 'json-1' }, reset: true });
    await res.body.text();
    await waitFor(async () => (await processAccessLogFiles.flush(), log.lines().length >= 1), 'a JSON line');
    const parsed = JSON.parse(log.lines()[0] as string) as Record<string, unknown>;
    expect(parsed).toMatchObject({ code: 200, id: 'json-1', cluster: `inbound|${ports.http}||`, xff: null });
    expect(typeof parsed.duration).toBe('number');

    push(xds, '2', ports, []);
    await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).some((r) => r.version_info === '2'), 'LDS 2 acknowledged');
    // A new connection runs the new chains.
    const after = await request(`http://${WORKLOAD_IP}:${ports.http}/quiet`, { headers: { 'x-request-id': 'json-2' } });
    await after.body.text();
    await processAccessLogFiles.flush();
    expect(log.lines().filter((l) => l.includes('json-2'))).toEqual([]);
  });

  it('NACKs an access log Envoy would refuse (unknown command operator, other logger type) and keeps logging with the last good one', async () => {
    const ports = await apps();
    const log = logFile();
    const { proxy, xds } = await startSidecar();
    push(xds, '1', ports, [fileLog(log.path, { text_format_source: { inline_string: '%REQ(X-REQUEST-ID)%\n' } })]);
    await ready(proxy, ports);
    push(xds, '2', ports, [fileLog(log.path, { text_format_source: { inline_string: '%NOT_AN_OPERATOR%\n' } })]);
    const nack = await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail), 'LDS NACK');
    expect(nack.version_info).toBe('1');
    expect(nack.error_detail?.message).toMatch(/filters\[0\]: access_log\[0\]: Not supported field in StreamInfo: NOT_AN_OPERATOR/);
    // A logger weft-proxy does not run (any typed config but the file logger's).
    push(xds, '3', ports, [{ name: 'envoy.access_loggers.router', typed_config: { '@type': TYPE_URL.ROUTER } }]);
    const second = await waitFor(() => xds.requestsOf(TYPE_URL.LISTENER).find((r) => r.error_detail?.message.includes('Router')), 'second LDS NACK');
    expect(second.error_detail?.message).toContain(`access_log[0]: access logger envoy.access_loggers.router of type ${TYPE_URL.ROUTER} is not supported by weft-proxy (only envoy.access_loggers.file)`);
    const res = await request(`http://${WORKLOAD_IP}:${ports.http}/still`, { headers: { 'x-request-id': 'kept' } });
    await res.body.text();
    await waitFor(async () => (await processAccessLogFiles.flush(), log.lines().includes('kept')), 'the last good logger');
  });
});
