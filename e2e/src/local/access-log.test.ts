// Envoy access logs as Istio configures them: weftd's MeshConfig (`--access-log-file /dev/stdout`,
// `--access-log-encoding`) puts Envoy's file logger on every proxy's listeners, and each proxy writes one
// line per request to its stdout. A call from productpage to reviews crosses two proxies: one line on
// each, with the same x-request-id (the client's proxy makes it, the server's receives it). A fault
// injected by the client's proxy is logged there alone, 418 FI. A Telemetry resource turns the logs off
// mesh-wide; so does weftd without the flag (a MeshConfig change is a weftd restart here).

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, telemetry, virtualService } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';
import type { ProxyProcess } from './harness/proxy-process.js';
import { sleep, waitUntil } from './harness/wait-until.js';

const routing = (m: { namespace: string }) => [
  subsetsByVersion('reviews', m.namespace, ['v2']),
  virtualService('reviews', m.namespace, {
    hosts: ['reviews'],
    http: [{ match: [{ uri: { prefix: '/teapot' } }], fault: { abort: { percentage: { value: 100 }, httpStatus: 418 } }, route: [{ destination: { host: 'reviews', subset: 'v2' } }] }, { route: [{ destination: { host: 'reviews', subset: 'v2' } }] }],
  }),
];
// A short drain: once a config change replaces the reviews sidecar's inbound chains, the client proxy's
// pooled connections to it (which keep the old chains meanwhile) are closed within a second.
const services = [{ name: 'reviews', versions: ['v2'], sidecar: true, sidecarDrainDuration: '1s' }] as const;

/** One line of Istio's default text format (EnvoyTextLogFormat), by field. */
interface TextLine {
  readonly startTime: string;
  readonly method: string;
  readonly path: string;
  readonly protocol: string;
  readonly code: string;
  readonly flags: string;
  readonly details: string;
  readonly requestId: string;
  readonly authority: string;
  readonly upstreamHost: string;
  readonly cluster: string;
  readonly downstreamLocal: string;
  readonly sni: string;
  readonly route: string;
}

const TEXT_LINE =
  /^\[(\S+)\] "(\S+) (\S+) (\S+)" (\d+) (\S+) (\S+) (\S+) "([^"]*)" (\d+) (\d+) (\d+) (\S+) "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" "([^"]*)" (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)$/;

function parseText(line: string): TextLine | undefined {
  const m = TEXT_LINE.exec(line);
  if (!m) return undefined;
  const f = (i: number): string => m[i] as string;
  return { startTime: f(1), method: f(2), path: f(3), protocol: f(4), code: f(5), flags: f(6), details: f(7), requestId: f(16), authority: f(17), upstreamHost: f(18), cluster: f(19), downstreamLocal: f(21), sni: f(23), route: f(24) };
}

/** The access log lines a proxy wrote to stdout since `from` lines. */
const linesOf = (proxy: ProxyProcess, from = 0): string[] => proxy.child.stdoutLines().slice(from);

async function waitForLines(proxy: ProxyProcess, count: number, from = 0): Promise<string[]> {
  return waitUntil(`${proxy.nodeId} to write ${count} access log lines`, () => (linesOf(proxy, from).length >= count ? linesOf(proxy, from) : undefined), { timeoutMs: 10_000, describe: () => proxy.child.output() });
}

describe("access logs in Istio's default text format (--access-log-file /dev/stdout)", () => {
  const mesh = useLocalMesh({ scenario: 'access-log-text', services, routing, weftdArgs: ['--access-log-file', '/dev/stdout'] });

  it('a request through two proxies: one line on each, same request id, upstream cluster and response code', async () => {
    const m: LocalMesh = mesh();
    const reviews = m.sidecars.get('reviews/v2') as ProxyProcess;
    const clientFrom = linesOf(m.proxy).length;
    const serverFrom = linesOf(reviews).length;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: (i) => `/reviews/${i}` }, 10, { concurrency: 2 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 10 });

    const client = (await waitForLines(m.proxy, 10, clientFrom)).map(parseText);
    const server = (await waitForLines(reviews, 10, serverFrom)).map(parseText);
    expect(client.every(Boolean), linesOf(m.proxy, clientFrom).join('\n')).toBe(true);
    expect(server.every(Boolean), linesOf(reviews, serverFrom).join('\n')).toBe(true);
    await sleep(200);
    // Exactly one line per request on each proxy.
    expect(linesOf(m.proxy, clientFrom)).toHaveLength(10);
    expect(linesOf(reviews, serverFrom)).toHaveLength(10);

    // The sidecar takes the service's target port on its own address; the app listens elsewhere.
    const app = m.app('reviews', 'v2');
    const sidecar = `${m.sidecarAddress('reviews', 'v2')}:${app.port}`;
    for (let i = 0; i < 10; i++) {
      const c = client.find((l) => l?.path === `/reviews/${i}`);
      const s = server.find((l) => l?.path === `/reviews/${i}`);
      expect(c, `client line for /reviews/${i}`).toMatchObject({
        method: 'GET',
        protocol: 'HTTP/1.1',
        code: '200',
        flags: '-',
        details: 'via_upstream',
        authority: m.authority('reviews'),
        upstreamHost: sidecar,
        cluster: `outbound|9080|v2|${m.host('reviews')}`,
      });
      expect(c?.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(s, `server line for /reviews/${i}`).toMatchObject({ code: '200', flags: '-', details: 'via_upstream', cluster: `inbound|${app.port}||`, downstreamLocal: sidecar, route: 'default', upstreamHost: `${app.address}:${app.port}` });
      // The client's proxy made the request id; the server's proxy logged the one it received.
      expect(c?.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(s?.requestId).toBe(c?.requestId);
    }
    // The sidecars speak mTLS: the server side saw the client's SNI (Istio's outbound_.<port>_.<subset>_.<host>).
    expect(server[0]?.sni).toBe(`outbound_.9080_.v2_.${m.host('reviews')}`);
  });

  it('a fault injected by the client proxy: logged there with 418 FI fault_filter_abort, nothing on the server', async () => {
    const m: LocalMesh = mesh();
    const reviews = m.sidecars.get('reviews/v2') as ProxyProcess;
    const clientFrom = linesOf(m.proxy).length;
    const serverFrom = linesOf(reviews).length;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/teapot' }, 3, { concurrency: 1 });
    expect(report.byStatus, describeReport(report)).toEqual({ '418': 3 });
    const client = (await waitForLines(m.proxy, 3, clientFrom)).map(parseText);
    expect(client).toEqual(Array.from({ length: 3 }, () => expect.objectContaining({ path: '/teapot', code: '418', flags: 'FI', details: 'fault_filter_abort', upstreamHost: '-', cluster: `outbound|9080|v2|${m.host('reviews')}` })));
    // Every request has an id, also one the proxy answered itself (Envoy's HCM makes it on arrival).
    expect(client.every((l) => /^[0-9a-f-]{36}$/.test(l?.requestId ?? ''))).toBe(true);
    await sleep(200);
    expect(linesOf(reviews, serverFrom)).toEqual([]);
  });

  it('a mesh-wide Telemetry disabling the envoy provider stops every line', async () => {
    const m: LocalMesh = mesh();
    const reviews = m.sidecars.get('reviews/v2') as ProxyProcess;
    const off = telemetry('mesh-default', 'istio-system', { accessLogging: [{ providers: [{ name: 'envoy' }], disabled: true }] });
    const hasLogger = (text: string): boolean => text.includes('envoy.access_loggers.file');
    await m.applyRouting([...routing(m), off], { until: (dump) => !hasLogger(JSON.stringify(dump)) });
    await waitUntil('the reviews sidecar to drop its loggers', async () => !hasLogger(JSON.stringify(await reviews.configDump())), { timeoutMs: 15_000 });
    // Connections opened before the change keep their chains until the drain (1 s) closes them.
    await sleep(1500);
    const clientFrom = linesOf(m.proxy).length;
    const serverFrom = linesOf(reviews).length;
    // Fresh connections (the load's keep-alive agent is new), so the new listener chains serve them.
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/quiet' }, 5, { concurrency: 1 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 5 });
    await sleep(300);
    expect(linesOf(m.proxy, clientFrom)).toEqual([]);
    expect(linesOf(reviews, serverFrom)).toEqual([]);
  });
});

describe('access logs as JSON (--access-log-encoding JSON)', () => {
  const mesh = useLocalMesh({ scenario: 'access-log-json', services, routing, weftdArgs: ['--access-log-file', '/dev/stdout', '--access-log-encoding', 'JSON'] });

  it("every line is a JSON object of Istio's default fields, numbers as numbers", async () => {
    const m: LocalMesh = mesh();
    const reviews = m.sidecars.get('reviews/v2') as ProxyProcess;
    const clientFrom = linesOf(m.proxy).length;
    const serverFrom = linesOf(reviews).length;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/json', headers: { 'x-request-id': 'json-request-1' } }, 1, { concurrency: 1 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 1 });
    const [clientLine] = await waitForLines(m.proxy, 1, clientFrom);
    const [serverLine] = await waitForLines(reviews, 1, serverFrom);
    const c = JSON.parse(clientLine as string) as Record<string, unknown>;
    const s = JSON.parse(serverLine as string) as Record<string, unknown>;
    expect(Object.keys(c).sort()).toEqual([
      'authority', 'bytes_received', 'bytes_sent', 'connection_termination_details', 'downstream_local_address', 'downstream_remote_address', 'duration', 'method', 'path', 'protocol',
      'request_id', 'requested_server_name', 'response_code', 'response_code_details', 'response_flags', 'route_name', 'start_time', 'upstream_cluster', 'upstream_host',
      'upstream_local_address', 'upstream_service_time', 'upstream_transport_failure_reason', 'user_agent', 'x_forwarded_for',
    ]);
    expect(c).toMatchObject({ method: 'GET', path: '/json', protocol: 'HTTP/1.1', response_code: 200, response_flags: '-', response_code_details: 'via_upstream', request_id: 'json-request-1', upstream_cluster: `outbound|9080|v2|${m.host('reviews')}`, x_forwarded_for: null });
    expect(typeof c.duration).toBe('number');
    expect(typeof c.bytes_sent).toBe('number');
    expect(s).toMatchObject({ response_code: 200, request_id: 'json-request-1', upstream_cluster: `inbound|${m.app('reviews', 'v2').port}||`, route_name: 'default' });
  });

  it('weftd restarted without --access-log-file (MeshConfig off, the default profile): no more lines', async () => {
    const m: LocalMesh = mesh();
    const reviews = m.sidecars.get('reviews/v2') as ProxyProcess;
    const port = await m.stopWeftd('SIGTERM');
    await m.startWeftd(port, []);
    const hasLogger = async (p: ProxyProcess): Promise<boolean> => JSON.stringify(await p.configDump()).includes('envoy.access_loggers.file');
    await waitUntil('both proxies to run config without access logs', async () => !(await hasLogger(m.proxy)) && !(await hasLogger(reviews)), { timeoutMs: 20_000, describe: () => m.logs() });
    await m.waitForSync();
    await sleep(1500);
    const clientFrom = linesOf(m.proxy).length;
    const serverFrom = linesOf(reviews).length;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/off' }, 5, { concurrency: 1 });
    expect(report.byStatus, describeReport(report)).toEqual({ '200': 5 });
    await sleep(300);
    expect(linesOf(m.proxy, clientFrom)).toEqual([]);
    expect(linesOf(reviews, serverFrom)).toEqual([]);
  });
});
