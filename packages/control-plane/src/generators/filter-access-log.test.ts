// Access logs in LDS: the MeshConfig file logger in Istio's exact shape (text and JSON, default and
// custom formats) on every HTTP connection manager and tcp_proxy of sidecars and gateways, nothing when
// it is off, and the Telemetry API's precedence (mesh, namespace, workload; CLIENT / SERVER modes).

import { plainToStruct, TYPE_URL } from '@weft/shared/xds';
import { describe, expect, it } from 'vitest';
import type { ConfigEntry } from '../config/config-store.js';
import type { MeshConfig } from '../snapshot/mesh-config.js';
import { applicableTelemetries, mergeAccessLogging } from '../snapshot/lookup-telemetry.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { ENVOY_JSON_LOG_FORMAT_ISTIO, ENVOY_TEXT_LOG_FORMAT, listenerAccessLogsFor } from './filter-access-log.js';
import { router } from './gateway.test-fixtures.js';
import { BOOKINFO, entry, meshOf, packAll, serviceEntry, sidecar } from './lds-rds.test-fixtures.js';
import { generateListeners } from './lds.js';
import type { EnvoyResource } from './types.js';

type Filter = { name: string; typed_config: Record<string, unknown> & { '@type': string; access_log?: unknown[] } };
type Chain = { name?: string; filters: Filter[] };
type Listener = EnvoyResource & { name: string; traffic_direction?: string; filter_chains: Chain[]; default_filter_chain?: Chain };

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP = 'envoy.filters.network.tcp_proxy';
const PRODUCTPAGE = sidecar();

/** productpage on 9080 (HTTP) and 3306 (TCP), with one endpoint at the sidecar's IP, so it has inbound chains of both kinds. */
const MESH: readonly ConfigEntry[] = [
  ...BOOKINFO.filter((e) => e.ref.name !== 'productpage'),
  serviceEntry('productpage', { ports: [{ number: 9080, name: 'http' }, { number: 3306, name: 'tcp-mysql' }], endpoints: ['10.0.0.1'] }),
  serviceEntry('mysql', { ports: [{ number: 3306, name: 'tcp' }], addresses: ['10.1.0.5'], endpoints: ['10.0.0.9'] }),
];

const telemetry = (name: string, namespace: string, spec: Record<string, unknown>): ConfigEntry => entry('Telemetry', name, namespace, spec, 'telemetry.istio.io/v1');
const envoy = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ accessLogging: [{ providers: [{ name: 'envoy' }], ...extra }] });

function listeners(cfg: readonly ConfigEntry[], mesh: Partial<MeshConfig> = {}, proxy: ProxyView = PRODUCTPAGE): Listener[] {
  const out = generateListeners(meshOf(cfg, mesh), proxy) as Listener[];
  // The wire check: access loggers included, every listener encodes as Envoy's protos.
  packAll(TYPE_URL.LISTENER, out);
  return out;
}

/** Every HCM and tcp_proxy of the listeners, with where it sits. */
function terminals(ls: readonly Listener[]): { at: string; direction: string; filter: Filter }[] {
  const out: { at: string; direction: string; filter: Filter }[] = [];
  for (const l of ls) {
    for (const c of [...l.filter_chains, ...(l.default_filter_chain ? [l.default_filter_chain] : [])]) {
      for (const f of c.filters) if (f.name === HCM || f.name === TCP) out.push({ at: `${l.name}/${c.name ?? ''}`, direction: l.traffic_direction ?? '', filter: f });
    }
  }
  return out;
}

const fileLog = (path: string, logFormat: Record<string, unknown>) => ({ name: 'envoy.access_loggers.file', typed_config: { '@type': TYPE_URL.FILE_ACCESS_LOG, path, log_format: logFormat } });
const TEXT_STDOUT = fileLog('/dev/stdout', { text_format_source: { inline_string: ENVOY_TEXT_LOG_FORMAT } });

describe('MeshConfig access logs', () => {
  it("is off by default (Istio's default profile): no access_log anywhere", () => {
    const all = terminals(listeners(MESH));
    expect(all.length).toBeGreaterThan(4);
    expect(all.filter((t) => t.filter.typed_config.access_log !== undefined)).toEqual([]);
  });

  it("accessLogFile puts Istio's text logger on every HCM and tcp_proxy, inbound and outbound, but the 15006 loop guard", () => {
    const all = terminals(listeners(MESH, { accessLogFile: '/dev/stdout' }));
    const kinds = new Set(all.map((t) => `${t.direction} ${t.filter.name}`));
    expect(kinds).toEqual(new Set([`OUTBOUND ${HCM}`, `OUTBOUND ${TCP}`, `INBOUND ${HCM}`, `INBOUND ${TCP}`]));
    for (const t of all) {
      if (t.at.endsWith('/virtualInbound-blackhole')) expect(t.filter.typed_config.access_log, t.at).toBeUndefined();
      else expect(t.filter.typed_config.access_log, t.at).toEqual([TEXT_STDOUT]);
    }
    expect(all.some((t) => t.at.endsWith('/virtualInbound-blackhole'))).toBe(true);
  });

  it("Istio's default text format, byte for byte", () => {
    expect(ENVOY_TEXT_LOG_FORMAT).toBe(
      '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n',
    );
  });

  it("JSON encoding: Istio's default JSON format as a Struct, properties unsorted", () => {
    const [first] = terminals(listeners(MESH, { accessLogFile: '/var/log/weft/access.log', accessLogEncoding: 'JSON' }));
    expect(first?.filter.typed_config.access_log).toEqual([fileLog('/var/log/weft/access.log', { json_format: plainToStruct(ENVOY_JSON_LOG_FORMAT_ISTIO), json_format_options: { sort_properties: false } })]);
    expect(Object.keys(ENVOY_JSON_LOG_FORMAT_ISTIO)).toHaveLength(24);
    expect(ENVOY_JSON_LOG_FORMAT_ISTIO).toMatchObject({ upstream_cluster: '%UPSTREAM_CLUSTER_RAW%', response_code: '%RESPONSE_CODE%', request_id: '%REQ(X-REQUEST-ID)%' });
  });

  it.each([
    ['a custom text format gets its missing newline', { accessLogFormat: '%RESPONSE_CODE% %REQ(:PATH)%' }, { text_format_source: { inline_string: '%RESPONSE_CODE% %REQ(:PATH)%\n' } }],
    ['a custom text format with its newline is kept', { accessLogFormat: '%RESPONSE_CODE%\n' }, { text_format_source: { inline_string: '%RESPONSE_CODE%\n' } }],
    ['a custom JSON format', { accessLogEncoding: 'JSON' as const, accessLogFormat: '{"code":"%RESPONSE_CODE%","n":1}' }, { json_format: plainToStruct({ code: '%RESPONSE_CODE%', n: 1 }), json_format_options: { sort_properties: false } }],
    ['a JSON format that does not parse falls back to the default', { accessLogEncoding: 'JSON' as const, accessLogFormat: '{oops' }, { json_format: plainToStruct(ENVOY_JSON_LOG_FORMAT_ISTIO), json_format_options: { sort_properties: false } }],
  ])('%s', (_name, mesh, logFormat) => {
    const [first] = terminals(listeners(MESH, { accessLogFile: '/dev/stdout', ...mesh }));
    expect(first?.filter.typed_config.access_log).toEqual([fileLog('/dev/stdout', logFormat)]);
  });

  it('gateways log on every HCM too', () => {
    const gateway = entry('Gateway', 'gw', 'istio-system', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
    const all = terminals(listeners([...MESH, gateway], { accessLogFile: '/dev/stdout' }, router()));
    expect(all.length).toBe(1);
    expect(all[0]?.filter.typed_config.access_log).toEqual([TEXT_STDOUT]);
  });

  it('the same mesh config gives the same logger object on every filter (one Any to pack, one object to hash)', () => {
    const all = terminals(listeners(MESH, { accessLogFile: '/dev/stdout' })).filter((t) => t.filter.typed_config.access_log);
    const first = all[0]?.filter.typed_config.access_log?.[0];
    expect(all.every((t) => t.filter.typed_config.access_log?.[0] === first)).toBe(true);
  });
});

describe('Telemetry accessLogging', () => {
  const logsOf = (cfg: readonly ConfigEntry[], mesh: Partial<MeshConfig> = {}, proxy: ProxyView = PRODUCTPAGE) => {
    const all = terminals(listeners([...MESH, ...cfg], mesh, proxy)).filter((t) => !t.at.endsWith('/virtualInbound-blackhole'));
    const by = (direction: string) => all.filter((t) => t.direction === direction).map((t) => t.filter.typed_config.access_log ?? []);
    return { outbound: by('OUTBOUND'), inbound: by('INBOUND') };
  };

  it("a mesh-wide Telemetry naming `envoy` turns logs on at /dev/stdout with the mesh's encoding, without accessLogFile", () => {
    const { outbound, inbound } = logsOf([telemetry('mesh-default', 'istio-system', envoy())], { accessLogEncoding: 'JSON' });
    const json = fileLog('/dev/stdout', { json_format: plainToStruct(ENVOY_JSON_LOG_FORMAT_ISTIO), json_format_options: { sort_properties: false } });
    expect([...outbound, ...inbound].every((l) => JSON.stringify(l) === JSON.stringify([json]))).toBe(true);
  });

  it('disabled at the namespace level wins over the mesh level, and over accessLogFile', () => {
    const cfg = [telemetry('mesh-default', 'istio-system', envoy()), telemetry('quiet', 'default', { accessLogging: [{ disabled: true }] })];
    const { outbound, inbound } = logsOf(cfg, { accessLogFile: '/dev/stdout' });
    expect([...outbound, ...inbound].every((l) => l.length === 0)).toBe(true);
  });

  it('a workload selector applies to the workloads it selects only', () => {
    const cfg = [telemetry('mesh-default', 'istio-system', envoy()), telemetry('reviews-off', 'default', { selector: { matchLabels: { app: 'reviews' } }, ...envoy({ disabled: true }) })];
    expect(logsOf(cfg).outbound.every((l) => l.length === 1)).toBe(true);
    const reviews = sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1');
    expect(logsOf(cfg, {}, reviews).outbound.every((l) => l.length === 0)).toBe(true);
  });

  it('match.mode SERVER logs the inbound side only', () => {
    const { outbound, inbound } = logsOf([telemetry('server-only', 'default', envoy({ match: { mode: 'SERVER' } }))]);
    expect(outbound.every((l) => l.length === 0)).toBe(true);
    expect(inbound.length).toBeGreaterThan(0);
    expect(inbound.every((l) => l.length === 1)).toBe(true);
  });

  it('an unknown provider is ignored, and the MeshConfig logger stays (Istio skips providers it cannot fetch)', () => {
    const cfg = [telemetry('otel', 'default', { accessLogging: [{ providers: [{ name: 'otel' }] }] })];
    expect(logsOf(cfg, { accessLogFile: '/dev/stdout' }).outbound.every((l) => JSON.stringify(l) === JSON.stringify([TEXT_STDOUT]))).toBe(true);
    expect(listenerAccessLogsFor(meshOf([...MESH, ...cfg]), PRODUCTPAGE).warnings).toEqual(["Telemetry access log provider 'otel' is not known (only 'envoy' is): ignored"]);
  });

  it('another namespace\'s Telemetry does not apply', () => {
    const cfg = [telemetry('other', 'prod', envoy())];
    expect(logsOf(cfg).outbound.every((l) => l.length === 0)).toBe(true);
  });
});

describe('applicableTelemetries and mergeAccessLogging (Istio telemetry.go)', () => {
  const snapshotOf = (cfg: readonly ConfigEntry[]) => meshOf([...MESH, ...cfg]);
  const providers = (cfg: readonly ConfigEntry[], mode: 'CLIENT' | 'SERVER' = 'CLIENT', proxy: ProxyView = PRODUCTPAGE) => {
    const merged = mergeAccessLogging(applicableTelemetries(snapshotOf(cfg), proxy), mode);
    return merged?.map((p) => `${p.provider}${p.disabled ? ':disabled' : ''}`).sort();
  };

  it('picks the oldest namespace-wide Telemetry of the root namespace and of the proxy namespace, then every matching selector', () => {
    const cfg = [
      telemetry('a-root', 'istio-system', envoy()),
      telemetry('b-root', 'istio-system', envoy()),
      telemetry('ns', 'default', envoy()),
      telemetry('pp', 'default', { selector: { matchLabels: { app: 'productpage' } }, ...envoy() }),
      telemetry('other', 'default', { selector: { matchLabels: { app: 'reviews' } }, ...envoy() }),
    ];
    expect(applicableTelemetries(snapshotOf(cfg), PRODUCTPAGE).map((t) => `${t.namespace}/${t.name}`)).toEqual(['istio-system/a-root', 'default/ns', 'default/pp']);
  });

  it.each([
    ['no Telemetry: MeshConfig decides', [], 'CLIENT', undefined],
    ['a Telemetry without accessLogging: MeshConfig decides', [telemetry('m', 'istio-system', { tracing: [{}] })], 'CLIENT', undefined],
    ['mesh envoy', [telemetry('m', 'istio-system', envoy())], 'CLIENT', ['envoy']],
    ['disable config (Istio: "disable config")', [telemetry('m', 'istio-system', envoy()), telemetry('d', 'default', { accessLogging: [{ disabled: true }] })], 'CLIENT', ['envoy:disabled']],
    ['disabled without any provider in scope: nothing to disable', [telemetry('d', 'default', { accessLogging: [{ disabled: true }] })], 'CLIENT', []],
    ['disabled then enabled by the workload', [telemetry('m', 'istio-system', envoy({ disabled: true })), telemetry('w', 'default', { selector: { matchLabels: { app: 'productpage' } }, ...envoy() })], 'CLIENT', ['envoy']],
    ['CLIENT-only entry, asked for SERVER', [telemetry('m', 'istio-system', envoy({ match: { mode: 'CLIENT' } }))], 'SERVER', []],
    ['CLIENT_AND_SERVER matches SERVER', [telemetry('m', 'istio-system', envoy({ match: { mode: 'CLIENT_AND_SERVER' } }))], 'SERVER', ['envoy']],
    ['a lower level naming another provider takes the first out of scope', [telemetry('m', 'istio-system', envoy()), telemetry('n', 'default', { accessLogging: [{ providers: [{ name: 'otel' }] }] })], 'CLIENT', ['otel']],
  ] as const)('%s', (_name, cfg, mode, expected) => {
    expect(providers(cfg, mode)).toEqual(expected);
  });
});
