// Envoy's access log formats: command operators (headers with alternatives and lengths, addresses,
// times, flags), `%%` escapes, Envoy's errors for commands it does not know, Istio's default text line,
// and JSON lines with Envoy's types (numbers as numbers, nothing as null, keys sorted).

import { describe, expect, it } from 'vitest';
import { compileJsonFormat, compileTextFormat, FormatError, parseFormatString, type AccessLogEntry } from './access-log-format.js';

/** Istio's EnvoyTextLogFormat and EnvoyJSONLogFormatIstio (restated: the proxy may not import weftd). */
const ISTIO_TEXT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER_RAW% %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%\n';
const ISTIO_JSON = {
  start_time: '%START_TIME%',
  route_name: '%ROUTE_NAME%',
  method: '%REQ(:METHOD)%',
  path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
  protocol: '%PROTOCOL%',
  response_code: '%RESPONSE_CODE%',
  response_flags: '%RESPONSE_FLAGS%',
  response_code_details: '%RESPONSE_CODE_DETAILS%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration: '%DURATION%',
  upstream_service_time: '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%',
  x_forwarded_for: '%REQ(X-FORWARDED-FOR)%',
  user_agent: '%REQ(USER-AGENT)%',
  request_id: '%REQ(X-REQUEST-ID)%',
  authority: '%REQ(:AUTHORITY)%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER_RAW%',
  upstream_local_address: '%UPSTREAM_LOCAL_ADDRESS%',
  downstream_local_address: '%DOWNSTREAM_LOCAL_ADDRESS%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  requested_server_name: '%REQUESTED_SERVER_NAME%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
};

const START = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

/** A request through an outbound listener that got a 200 from reviews. */
function entry(overrides: Partial<AccessLogEntry> & { request?: Record<string, string>; response?: Record<string, string> } = {}): AccessLogEntry {
  const request: Record<string, string> = { ':method': 'GET', ':path': '/reviews/1?x=1', ':authority': 'reviews:9080', 'user-agent': 'curl/8.0', 'x-request-id': 'f0e1d2c3', ...overrides.request };
  const response: Record<string, string> = { 'x-envoy-upstream-service-time': '3', ...overrides.response };
  return {
    startTime: START,
    durationMs: 4.7,
    protocol: 'HTTP/1.1',
    requestHeader: (name) => request[name],
    responseHeader: (name) => response[name],
    responseTrailer: () => undefined,
    responseCode: 200,
    responseFlags: '-',
    responseCodeDetails: 'via_upstream',
    connectionTerminationDetails: undefined,
    upstreamTransportFailureReason: undefined,
    bytesReceived: 0,
    bytesSent: 295,
    upstreamHost: '10.0.0.7:9080',
    upstreamCluster: 'outbound|9080||reviews.default.svc.cluster.local',
    upstreamLocalAddress: undefined,
    downstreamLocalAddress: '127.0.0.9:9080',
    downstreamRemoteAddress: '127.0.0.1:50000',
    requestedServerName: undefined,
    routeName: 'default',
    upstreamRequestAttemptCount: 1,
    grpcStatus: undefined,
    downstreamPeerUriSan: undefined,
    ...overrides,
  };
}

const text = (format: string, e: AccessLogEntry = entry(), omit = false): string => compileTextFormat(format, omit)(e);

describe('format strings', () => {
  it("Istio's default text format gives Envoy's line", () => {
    expect(text(ISTIO_TEXT)).toBe(
      '[2026-01-02T03:04:05.678Z] "GET /reviews/1?x=1 HTTP/1.1" 200 - via_upstream - "-" 0 295 4 3 "-" "curl/8.0" "f0e1d2c3" "reviews:9080" "10.0.0.7:9080" outbound|9080||reviews.default.svc.cluster.local - 127.0.0.9:9080 127.0.0.1:50000 - default\n',
    );
  });

  it('a TCP connection: HTTP operators give `-`, the response code 0', () => {
    const tcp = entry({ protocol: undefined, requestHeader: () => undefined, responseHeader: () => undefined, responseCode: 0, responseCodeDetails: undefined, routeName: undefined, bytesReceived: 12, bytesSent: 34, responseFlags: 'UF' });
    expect(text('%REQ(:METHOD)% %PROTOCOL% %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %ROUTE_NAME%')).toBe('GET HTTP/1.1 200 - 0 295 default');
    expect(text('%REQ(:METHOD)% %PROTOCOL% %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %ROUTE_NAME%', tcp)).toBe('- - 0 UF 12 34 -');
  });

  it.each([
    ['%% is a literal percent', '100%% %RESPONSE_CODE%', '100% 200'],
    ['%%%% is two', '%%%%', '%%'],
    ['a lone trailing %% after a command', '%RESPONSE_CODE%%%', '200%'],
    ['an alternative header when the first is missing', '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%', '/reviews/1?x=1'],
    ['the first header when present', '%REQ(USER-AGENT?X-REQUEST-ID)%', 'curl/8.0'],
    ['header names are case-insensitive', '%REQ(x-ReQuEsT-iD)%', 'f0e1d2c3'],
    ['Host is :authority', '%REQ(HOST)%', 'reviews:9080'],
    ['a length truncates', '%REQ(USER-AGENT):4%', 'curl'],
    ['a missing header is -', '"%REQ(X-FORWARDED-FOR)%"', '"-"'],
    ['a response header', '%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%', '3'],
    ['DURATION truncates to milliseconds', '%DURATION%', '4'],
    ['addresses without ports', '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT% %DOWNSTREAM_LOCAL_PORT% %UPSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%', '127.0.0.1 9080 10.0.0.7'],
    ['UPSTREAM_CLUSTER and the attempt count', '%UPSTREAM_CLUSTER% %UPSTREAM_REQUEST_ATTEMPT_COUNT%', 'outbound|9080||reviews.default.svc.cluster.local 1'],
    ['START_TIME with a strftime format', '%START_TIME(%Y/%m/%dT%H:%M:%S.%3f %s %z)%', '2026/01/02T03:04:05.678 1767323045 +0000'],
    ['START_TIME with %E3S and %F %T', '%START_TIME(%F %T|%E3S)%', '2026-01-02 03:04:05|05.678'],
    ['plain text only', 'hello\n', 'hello\n'],
    ['an empty format', '', ''],
  ])('%s', (_name, format, expected) => {
    expect(text(format)).toBe(expected);
  });

  it('GRPC_STATUS names the code, GRPC_STATUS(NUMBER) gives the number', () => {
    const e = entry({ grpcStatus: '14' });
    expect(text('%GRPC_STATUS% %GRPC_STATUS(SNAKE_STRING)% %GRPC_STATUS(NUMBER)%', e)).toBe('Unavailable UNAVAILABLE 14');
    expect(text('%GRPC_STATUS%')).toBe('-');
  });

  it('omit_empty_values writes nothing instead of `-`', () => {
    expect(text('[%REQ(X-FORWARDED-FOR)%]', entry(), true)).toBe('[]');
  });

  it.each([
    ['an unknown command, in Envoy\'s words', '%UPSTREAM_SERVICE_TIME%', 'Not supported field in StreamInfo: UPSTREAM_SERVICE_TIME'],
    ['a lower-case command', '%start_time%', "Incorrect configuration: %start_time%. Couldn't find valid command at position 0"],
    ['an unterminated command', 'x %RESPONSE_CODE', "Incorrect configuration: x %RESPONSE_CODE. Couldn't find valid command at position 2"],
    ['two alternatives', '%REQ(A?B?C)%', 'More than 1 alternative header specified in token: A?B?C'],
    ['REQ without a header', '%REQ()%', 'REQ requires parameters'],
    ['a length where none is allowed', '%RESPONSE_CODE:3%', 'RESPONSE_CODE does not support a length'],
    ['parameters where none are taken', '%DURATION(ms)%', 'DURATION does not take parameters'],
    ['an unsupported strftime specifier', '%START_TIME(%G)%', "START_TIME format '%G': specifier %G is not supported by weft-proxy"],
  ])('refuses %s', (_name, format, message) => {
    expect(() => compileTextFormat(format)).toThrow(FormatError);
    expect(() => compileTextFormat(format)).toThrow(message);
  });

  it('parses once: literals are joined, operators kept in order', () => {
    const pieces = parseFormatString('a%%b %RESPONSE_CODE%c%DURATION%');
    expect(pieces.map((p) => ('literal' in p ? `L:${p.literal}` : 'OP'))).toEqual(['L:a%b ', 'OP', 'L:c', 'OP']);
  });
});

describe('JSON formats', () => {
  const json = (format: Record<string, never> | object, e: AccessLogEntry = entry(), omit = false): string => compileJsonFormat(format as Parameters<typeof compileJsonFormat>[0], omit)(e);

  it("Istio's default JSON format: one object per line, numbers as numbers, nothing as null, keys sorted", () => {
    const line = json(ISTIO_JSON);
    expect(line.endsWith('}\n')).toBe(true);
    expect(line.split('\n')).toHaveLength(2);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(Object.keys(ISTIO_JSON).sort());
    expect(parsed).toEqual({
      start_time: '2026-01-02T03:04:05.678Z',
      route_name: 'default',
      method: 'GET',
      path: '/reviews/1?x=1',
      protocol: 'HTTP/1.1',
      response_code: 200,
      response_flags: '-',
      response_code_details: 'via_upstream',
      connection_termination_details: null,
      bytes_received: 0,
      bytes_sent: 295,
      duration: 4,
      upstream_service_time: '3',
      x_forwarded_for: null,
      user_agent: 'curl/8.0',
      request_id: 'f0e1d2c3',
      authority: 'reviews:9080',
      upstream_host: '10.0.0.7:9080',
      upstream_cluster: 'outbound|9080||reviews.default.svc.cluster.local',
      upstream_local_address: null,
      downstream_local_address: '127.0.0.9:9080',
      downstream_remote_address: '127.0.0.1:50000',
      requested_server_name: null,
      upstream_transport_failure_reason: null,
    });
  });

  it('several pieces make a string (missing ones as -); constants, numbers, nested objects and lists stay', () => {
    const line = json({ line: '%REQ(:METHOD)% %REQ(X-FORWARDED-FOR)% %RESPONSE_CODE%', constant: 'plain 100%%', n: 7, nested: { code: '%RESPONSE_CODE%', list: ['%DURATION%', 'x'] } });
    expect(line).toBe('{"constant":"plain 100%","line":"GET - 200","n":7,"nested":{"code":200,"list":[4,"x"]}}\n');
  });

  it('escapes what JSON needs escaped', () => {
    const e = entry({ request: { 'user-agent': 'a "quoted"\\ agent\u0001' } });
    expect(JSON.parse(json({ ua: '%REQ(USER-AGENT)%' }, e))).toEqual({ ua: 'a "quoted"\\ agent\u0001' });
  });

  it('omit_empty_values leaves out keys without a value', () => {
    expect(json({ a: '%REQ(X-FORWARDED-FOR)%', b: '%RESPONSE_CODE%' }, entry(), true)).toBe('{"b":200}\n');
  });

  it("refuses values Envoy's structured format does not take, and unknown operators", () => {
    expect(() => compileJsonFormat({ flag: true })).toThrow('flag: only string values, nested structs, list values and number values are supported in structured access log format');
    expect(() => compileJsonFormat({ a: { b: '%NOPE%' } })).toThrow('Not supported field in StreamInfo: NOPE');
  });
});
