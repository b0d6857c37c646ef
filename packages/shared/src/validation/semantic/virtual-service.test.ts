// Table tests for VirtualService semantic rules, ported from Istio's validation_test.go /
// virtualservice_test.go cases (names kept where they come from Istio).

import { describe, expect, it } from 'vitest';
import { Collector } from '../result.js';
import { validateVirtualService } from './virtual-service.js';

function run(spec: unknown, metadata: Record<string, unknown> = { name: 'vs', namespace: 'default' }) {
  const c = new Collector();
  validateVirtualService({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata, spec }, c);
  return c.result();
}

const dest = (host = 'foo.baz', extra: Record<string, unknown> = {}) => ({ destination: { host }, ...extra });
const simpleHttp = (extra: Record<string, unknown> = {}) => ({ route: [dest()], ...extra });
const vs = (http: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ hosts: ['foo.bar'], http: [http], ...extra });

interface Case {
  readonly name: string;
  readonly spec: unknown;
  readonly valid: boolean;
  readonly warning?: boolean;
  /** A substring of one error (or, for valid cases with warning, of one warning) message. */
  readonly message?: string;
  /** The path that error (or warning) is reported at. */
  readonly path?: string;
}

const cases: Case[] = [
  { name: 'simple', spec: vs(simpleHttp()), valid: true },
  {
    name: 'allow sni based domains',
    spec: {
      hosts: ['outbound_.15010_._.istiod.istio-system.svc.cluster.local'],
      gateways: ['ns1/gateway'],
      tls: [{ match: [{ sniHosts: ['outbound_.15010_._.istiod.istio-system.svc.cluster.local'] }], route: [dest('istio.istio-system.svc.cluster.local')] }],
    },
    valid: true,
  },
  { name: 'duplicate hosts', spec: { hosts: ['*.foo.bar', '*.bar'], http: [simpleHttp()] }, valid: false, message: 'duplicate hosts in virtual service: *.foo.bar & *.bar', path: 'spec.hosts[1]' },
  { name: 'with no destination', spec: { hosts: ['foo.bar'], http: [{ route: [{}] }] }, valid: false, message: 'destination is required', path: 'spec.http[0].route[0].destination' },
  { name: 'destination without host', spec: vs({ route: [{ destination: {} }] }), valid: false, message: 'empty domain name not allowed', path: 'spec.http[0].route[0].destination.host' },
  { name: 'delegate with no hosts', spec: { http: [simpleHttp()] }, valid: true },
  { name: 'delegate with gateways', spec: { gateways: ['ns/gw'], http: [simpleHttp()] }, valid: false, message: 'delegate virtual service must have no gateways specified', path: 'spec.gateways' },
  { name: 'delegate with tcp', spec: { tcp: [{ route: [dest()] }] }, valid: false, message: 'delegate virtual service must have no tcp route specified' },
  { name: 'delegate route cannot delegate', spec: { http: [{ delegate: { name: 'x' }, route: [dest()] }] }, valid: false, message: 'delegate HTTP route cannot contain delegate' },
  { name: 'root route with delegate only', spec: vs({ delegate: { name: 'reviews', namespace: 'ns' } }), valid: true },
  { name: 'root route with route', spec: vs({ name: 'root', delegate: { name: 'reviews' }, route: [dest()] }), valid: false, message: 'root HTTP route root must not specify route', path: 'spec.http[0].route' },
  { name: 'bad host', spec: { hosts: ['foo.ba!r'], http: [simpleHttp()] }, valid: false, message: 'domain name "ba!r" invalid (label "ba!r" invalid)', path: 'spec.hosts[0]' },
  { name: 'ip address as host', spec: { hosts: ['10.0.0.1'], http: [simpleHttp()] }, valid: true },
  { name: 'no tcp or http routing', spec: { hosts: ['foo.bar'] }, valid: false, message: 'http, tcp or tls must be provided in virtual service', path: 'spec' },
  { name: 'bad gateway', spec: vs(simpleHttp(), { gateways: ['b@dgateway'] }), valid: false, path: 'spec.gateways[0]' },
  { name: 'FQDN for gateway', spec: vs(simpleHttp(), { gateways: ['gateway.example.com'] }), valid: true, warning: true, message: 'prefer the <namespace>/<name> format: "example/gateway"' },
  { name: 'namespace/name for gateway', spec: vs(simpleHttp(), { gateways: ['ns1/gateway'] }), valid: true },
  { name: 'namespace/* for gateway', spec: vs(simpleHttp(), { gateways: ['ns1/*'] }), valid: false, message: 'invalid value for gateway name: "*"' },
  { name: '*/name for gateway', spec: vs(simpleHttp(), { gateways: ['*/gateway'] }), valid: false, message: 'invalid value for namespace: "*"' },
  { name: 'wildcard for mesh gateway', spec: { hosts: ['*'], http: [simpleHttp()] }, valid: false, message: 'wildcard host * is not allowed for virtual services bound to the mesh gateway' },
  { name: 'wildcard for mesh gateway named explicitly', spec: { hosts: ['*'], gateways: ['mesh'], http: [simpleHttp()] }, valid: false },
  { name: 'wildcard for non-mesh gateway', spec: { hosts: ['*'], gateways: ['somegateway'], http: [simpleHttp()] }, valid: true },
  { name: 'missing tcp route', spec: { hosts: ['foo.bar'], tcp: [{ match: [{ port: 999 }] }] }, valid: false, message: 'TCP route is required', path: 'spec.tcp[0].route' },
  { name: 'missing tls route', spec: { hosts: ['foo.bar'], tls: [{ match: [{ port: 999, sniHosts: ['foo.bar'] }] }] }, valid: false, message: 'TLS route is required' },
  { name: 'tls route without match', spec: { hosts: ['foo.bar'], tls: [{ route: [dest()] }] }, valid: false, message: 'TLS route must have at least one match condition' },
  { name: 'tls match without sni hosts', spec: { hosts: ['foo.bar'], tls: [{ match: [{ port: 443 }], route: [dest()] }] }, valid: false, message: 'TLS match must have at least one SNI host' },
  { name: 'sni host outside the virtual service hosts', spec: { hosts: ['foo.bar'], tls: [{ match: [{ sniHosts: ['other.bar'] }], route: [dest()] }] }, valid: false, message: 'SNI host "other.bar" is not a compatible subset of any of the virtual service hosts: [foo.bar]', path: 'spec.tls[0].match[0].sniHosts[0]' },
  { name: 'wildcard sni host within a wildcard host', spec: { hosts: ['*.bar'], tls: [{ match: [{ sniHosts: ['*.foo.bar'] }], route: [dest()] }] }, valid: true },
  { name: 'ip address as sni host', spec: { hosts: ['foo.bar'], tls: [{ route: [dest()], match: [{ port: 999, sniHosts: ['1.1.1.1'] }] }] }, valid: true, warning: true, message: 'goes against SNI spec' },
  { name: 'invalid wildcard as sni host', spec: { hosts: ['foo.bar'], tls: [{ route: [dest()], match: [{ port: 999, sniHosts: ['foo.*.com'] }] }] }, valid: false },
  { name: 'tcp match port out of range', spec: { hosts: ['foo.bar'], tcp: [{ match: [{ port: 70000 }], route: [dest()] }] }, valid: false, message: 'port number 70000 must be in the range 1..65535', path: 'spec.tcp[0].match[0].port' },
  { name: 'tcp match bad subnet', spec: { hosts: ['foo.bar'], tcp: [{ match: [{ destinationSubnets: ['10.0.0.0/33'] }], route: [dest()] }] }, valid: false, message: '10.0.0.0/33 is not a valid CIDR block' },
  { name: 'deprecated mirror', spec: vs(simpleHttp({ mirrorPercent: 5 }), { gateways: ['ns1/gateway'] }), valid: true, warning: true, message: 'using deprecated setting "mirrorPercent"' },
  { name: 'set authority', spec: vs(simpleHttp({ headers: { request: { set: { ':authority': 'foo' } } } })), valid: true },
  { name: 'set authority in destination', spec: vs({ route: [dest('foo.baz', { headers: { request: { set: { ':authority': 'foo' } } } })] }), valid: true },
  { name: 'set authority in rewrite and header', spec: vs(simpleHttp({ headers: { request: { set: { ':authority': 'foo' } } }, rewrite: { authority: 'bar' } })), valid: false, message: 'authority header cannot be set multiple times: have "bar", attempting to set "foo"' },
  {
    name: 'non-method-get (overlapping prefix)',
    spec: vs(simpleHttp({ match: [{ uri: { prefix: '/api/v1/product' } }, { uri: { prefix: '/api/v1/products' }, method: { exact: 'GET' } }] })),
    valid: true,
    warning: true,
    message: 'match #1 of prefix /api/v1/products is not used (duplicate/overlapping match in rule #0 of prefix /api/v1/product on #0)',
  },
  { name: 'uri-with-prefix-exact', spec: vs(simpleHttp({ match: [{ uri: { prefix: '/' } }, { uri: { exact: '/' }, method: { exact: 'GET' } }] })), valid: true },
  {
    name: 'jwt claim route without gateway',
    spec: vs(simpleHttp({ match: [{ uri: { prefix: '/' }, headers: { '@request.auth.claims.foo': { exact: 'bar' } } }] }), { gateways: ['mesh'] }),
    valid: false,
    message: 'JWT claim based routing (key: @request.auth.claims.foo) is only supported for gateway',
  },
  { name: 'jwt claim route on a gateway', spec: vs(simpleHttp({ match: [{ headers: { '@request.auth.claims.foo': { exact: 'bar' } } }] }), { gateways: ['ns/gw'] }), valid: true },
  { name: 'route and redirect', spec: vs(simpleHttp({ redirect: { uri: '/x' } })), valid: false, message: 'HTTP route cannot contain both route and redirect', path: 'spec.http[0]' },
  { name: 'redirect and direct response', spec: vs({ redirect: { uri: '/x' }, directResponse: { status: 200 } }), valid: false, message: 'HTTP route rule cannot contain both direct_response and redirect' },
  { name: 'direct response and fault', spec: vs({ directResponse: { status: 503 }, fault: { abort: { httpStatus: 500 } } }), valid: false, message: 'HTTP route cannot contain both fault and direct_response' },
  { name: 'no route, redirect or direct response', spec: vs({ match: [{ uri: { exact: '/' } }] }), valid: false, message: 'HTTP route, redirect or direct_response is required' },
  { name: 'empty redirect', spec: vs({ redirect: {} }), valid: false, message: 'redirect must specify URI, authority, scheme, or port' },
  { name: 'redirect with a 2xx code', spec: vs({ redirect: { uri: '/x', redirectCode: 200 } }), valid: false, message: '200 is not a valid redirect code, must be 3xx' },
  { name: 'redirect with bad scheme', spec: vs({ redirect: { scheme: 'ftp' } }), valid: false, message: 'invalid redirect scheme, must be "http" or "https"' },
  { name: 'redirect derivePort only', spec: vs({ redirect: { derivePort: 'FROM_REQUEST_PORT' } }), valid: true },
  { name: 'direct response status too low', spec: vs({ directResponse: { status: 199 } }), valid: false, message: 'HTTP status 199 is not in range 200-599', path: 'spec.http[0].directResponse.status' },
  { name: 'direct response body over 100KB warns', spec: vs({ directResponse: { status: 200, body: { string: 'x'.repeat(200 * 1024) } } }), valid: true, warning: true, message: 'large direct_responses' },
  { name: 'mirror and mirrors', spec: vs(simpleHttp({ mirror: { host: 'a.b' }, mirrors: [{ destination: { host: 'c.d' } }] })), valid: false, message: 'HTTP route cannot contain both mirror and mirrors' },
  { name: 'mirrors without destination', spec: vs(simpleHttp({ mirrors: [{ percentage: { value: 10 } }] })), valid: false, message: 'destination is required for mirrors' },
  { name: 'mirror percentage above 100', spec: vs(simpleHttp({ mirror: { host: 'a.b' }, mirrorPercentage: { value: 101 } })), valid: false, message: 'mirror_percentage must have a max value of 100 (it has 101.000000)' },
  { name: 'mirror destination wildcard', spec: vs(simpleHttp({ mirror: { host: '*' } })), valid: false, message: 'invalid destination host *', path: 'spec.http[0].mirror.host' },
  { name: 'negative weight', spec: vs({ route: [dest('a.b', { weight: -1 }), dest('c.d', { weight: 101 })] }), valid: false, message: 'weight -1 < 0', path: 'spec.http[0].route[0].weight' },
  { name: 'total weight zero', spec: vs({ route: [dest('a.b'), dest('c.d')] }), valid: false, message: 'total destination weight = 0', path: 'spec.http[0].route' },
  { name: 'weights 80/20', spec: vs({ route: [dest('a.b', { weight: 80 }), dest('c.d', { weight: 20 })] }), valid: true },
  { name: 'bad subset name', spec: vs({ route: [{ destination: { host: 'a.b', subset: 'V_1' } }] }), valid: false, message: 'subset name is invalid: V_1', path: 'spec.http[0].route[0].destination.subset' },
  { name: 'destination port out of range', spec: vs({ route: [{ destination: { host: 'a.b', port: { number: 0 } } }] }), valid: false, message: 'port number 0 must be in the range 1..65535' },
  { name: 'uri regex with lookahead', spec: vs(simpleHttp({ match: [{ uri: { regex: '/(?=api)' } }] })), valid: false, message: 'invalid or unsupported Perl syntax', path: 'spec.http[0].match[0].uri' },
  { name: 'uri regex with backreference', spec: vs(simpleHttp({ match: [{ uri: { regex: '(a)\\1' } }] })), valid: false, message: 'Istio uses RE2 style regex-based match' },
  { name: 'uri regex valid', spec: vs(simpleHttp({ match: [{ uri: { regex: '^/api/v[0-9]+/.*' } }] })), valid: true },
  { name: 'uri empty prefix allowed', spec: vs(simpleHttp({ match: [{ uri: { prefix: '' } }] })), valid: true },
  { name: 'method empty prefix', spec: vs(simpleHttp({ match: [{ method: { prefix: '' } }] })), valid: false, message: '"method": prefix string match should not be empty' },
  { name: 'header regex empty', spec: vs(simpleHttp({ match: [{ headers: { 'x-a': { regex: '' } } }] })), valid: false, message: '"headers": regex string match should not be empty' },
  { name: 'header match null', spec: vs(simpleHttp({ match: [{ headers: { 'x-a': null } }] })), valid: false, message: 'header match x-a cannot be null' },
  { name: 'bad header name in match', spec: vs(simpleHttp({ match: [{ headers: { 'bad header': { exact: 'x' } } }] })), valid: false, message: 'header name bad header is not a valid header name' },
  { name: 'withoutHeaders regex * means present', spec: vs(simpleHttp({ match: [{ withoutHeaders: { 'x-a': { regex: '*' } } }] })), valid: true },
  { name: 'string match with two kinds', spec: vs(simpleHttp({ match: [{ uri: { exact: '/a', prefix: '/b' } }] })), valid: false, message: 'only one of exact, prefix or regex may be set' },
  { name: 'bad sourceNamespace', spec: vs(simpleHttp({ match: [{ sourceNamespace: 'Not_A_Label' }] })), valid: false, message: 'sourceNamespace match Not_A_Label is invalid' },
  { name: 'bad sourceLabels', spec: vs(simpleHttp({ match: [{ sourceLabels: { 'app!': 'x' } }] })), valid: false, message: 'invalid tag key: "app!"', path: 'spec.http[0].match[0].sourceLabels["app!"]' },
  { name: 'remove host header', spec: vs(simpleHttp({ headers: { request: { remove: ['host'] } } })), valid: false, message: 'invalid header "host": cannot set Host header', path: 'spec.http[0].headers.request.remove[0]' },
  { name: 'add pseudo header', spec: vs(simpleHttp({ headers: { request: { add: { ':path': '/x' } } } })), valid: false, message: 'invalid header ":path": header cannot have ":" prefix' },
  { name: 'set host on response', spec: vs(simpleHttp({ headers: { response: { set: { Host: 'x' } } } })), valid: false, message: 'cannot set Host header' },
  { name: 'header value with unterminated variable', spec: vs(simpleHttp({ headers: { request: { add: { 'x-a': '%START_TIME' } } } })), valid: false, message: 'Un-terminated variable expression' },
  { name: 'header value with envoy variable', spec: vs(simpleHttp({ headers: { response: { add: { 'x-host': '%HOSTNAME%', 'x-pct': '100%%' } } } })), valid: true },
  { name: 'timeout below 1ms', spec: vs(simpleHttp({ timeout: '0s' })), valid: false, message: 'duration must be greater than 1ms', path: 'spec.http[0].timeout' },
  { name: 'timeout sub-millisecond precision', spec: vs(simpleHttp({ timeout: '1.0005s' })), valid: false, message: 'only durations to ms precision are supported' },
  { name: 'timeout not a duration', spec: vs(simpleHttp({ timeout: 'soon' })), valid: false, message: 'time: invalid duration "soon"' },
  { name: 'retries valid', spec: vs(simpleHttp({ retries: { attempts: 3, perTryTimeout: '2s', retryOn: 'gateway-error,connect-failure,503' } })), valid: true },
  { name: 'retries negative attempts', spec: vs(simpleHttp({ retries: { attempts: -1 } })), valid: false, message: 'attempts cannot be negative' },
  { name: 'retries policy with zero attempts', spec: vs(simpleHttp({ retries: { perTryTimeout: '2s' } })), valid: false, message: 'http retry policy configured when attempts are set to 0 (disabled)' },
  { name: 'retries unknown retryOn', spec: vs(simpleHttp({ retries: { attempts: 2, retryOn: '5xx,bogus,999' } })), valid: false, message: '"bogus" is not a valid retryOn policy', path: 'spec.http[0].retries.retryOn' },
  { name: 'fault without abort or delay', spec: vs(simpleHttp({ fault: {} })), valid: false, message: 'HTTP fault injection must have an abort and/or a delay' },
  { name: 'fault abort percentage above 100', spec: vs(simpleHttp({ fault: { abort: { httpStatus: 500, percentage: { value: 101 } } } })), valid: false, message: 'percentage 101 is neither 0.0, nor in range [0.0001, 100.0]' },
  { name: 'fault abort http status 600 (Istio allows it)', spec: vs(simpleHttp({ fault: { abort: { httpStatus: 600 } } })), valid: true },
  { name: 'fault abort http status 601', spec: vs(simpleHttp({ fault: { abort: { httpStatus: 601 } } })), valid: false, message: 'HTTP status 601 is not in range 200-599' },
  { name: 'fault abort grpc status', spec: vs(simpleHttp({ fault: { abort: { grpcStatus: 'UNAVAILABLE' } } })), valid: true },
  { name: 'fault abort unknown grpc status', spec: vs(simpleHttp({ fault: { abort: { grpcStatus: 'NOPE' } } })), valid: false, message: 'gRPC status "NOPE" is not supported' },
  { name: 'fault abort without error type', spec: vs(simpleHttp({ fault: { abort: { percentage: { value: 5 } } } })), valid: true, warning: true, message: 'abort configured, but error type not set' },
  { name: 'fault delay exponential', spec: vs(simpleHttp({ fault: { delay: { exponentialDelay: '1s' } } })), valid: false, message: 'exponentialDelay not supported yet' },
  { name: 'fault delay fixed', spec: vs(simpleHttp({ fault: { delay: { fixedDelay: '7s', percentage: { value: 100 } } } })), valid: true },
  { name: 'cors valid', spec: vs(simpleHttp({ corsPolicy: { allowOrigins: [{ exact: 'https://a.com' }, { regex: 'https://.*\\.b\\.com' }], allowMethods: ['GET', 'POST'], allowHeaders: ['x-a', '*'], maxAge: '24h' } })), valid: true },
  { name: 'cors empty origin', spec: vs(simpleHttp({ corsPolicy: { allowOrigins: [{ exact: '' }] } })), valid: false, message: "'' is not a valid match type for CORS allow origins" },
  { name: 'cors bad method', spec: vs(simpleHttp({ corsPolicy: { allowMethods: ['FETCH'] } })), valid: false, message: '"FETCH" is not a supported HTTP method', path: 'spec.http[0].corsPolicy.allowMethods[0]' },
  { name: 'cors maxAge sub-second', spec: vs(simpleHttp({ corsPolicy: { maxAge: '1500ms' } })), valid: false, message: 'max_age duration is accurate only to seconds precision' },
  { name: 'rewrite uri and regex', spec: vs(simpleHttp({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'x', rewrite: 'y' } } })), valid: false, message: 'rewrite may only contain one of URI or UriRegexRewrite' },
  { name: 'empty rewrite', spec: vs(simpleHttp({ rewrite: {} })), valid: false, message: 'rewrite must specify at least one of URI, UriRegexRewrite, or authority' },
  { name: 'regex rewrite without rewrite', spec: vs(simpleHttp({ rewrite: { uriRegexRewrite: { match: '^/a' } } })), valid: false, message: 'UriRegexRewrite requires both Rewrite and Match fields to be specified' },
  { name: 'regex rewrite bad regex', spec: vs(simpleHttp({ rewrite: { uriRegexRewrite: { match: '(?!a)', rewrite: '/' } } })), valid: false, message: '"HTTPRewrite.UriRegexRewrite.Match"' },
  { name: 'exportTo duplicate of the own namespace', spec: vs(simpleHttp(), { exportTo: ['default', '.'] }), valid: false, message: 'duplicate entries in exportTo: . and current namespace default', path: 'spec.exportTo[1]' },
  { name: 'exportTo duplicate entry', spec: vs(simpleHttp(), { exportTo: ['ns1', 'ns1'] }), valid: false, message: 'duplicate entries in exportTo for entry ns1' },
  { name: 'exportTo * with others', spec: vs(simpleHttp(), { exportTo: ['*', 'ns1'] }), valid: false, message: 'cannot have both public (*) and non-public exportTo values for a resource' },
  { name: 'exportTo ~ not for virtual services', spec: vs(simpleHttp(), { exportTo: ['~'] }), valid: false, message: 'exportTo ~ (none) is not allowed' },
  {
    name: 'duplicate match warns',
    spec: { hosts: ['foo.bar'], http: [simpleHttp({ match: [{ uri: { exact: '/a' } }] }), simpleHttp({ match: [{ uri: { exact: '/a' } }] })] },
    valid: true,
    warning: true,
    message: 'virtualService rule #1 not used (all matches used by prior rules)',
  },
  { name: 'catch-all before another rule warns', spec: { hosts: ['foo.bar'], http: [simpleHttp(), simpleHttp()] }, valid: true, warning: true, message: 'only the last rule can have no matches' },
  { name: 'null http route', spec: { hosts: ['foo.bar'], http: [null] }, valid: false, message: 'http route may not be null', path: 'spec.http[0]' },
];

describe('validateVirtualService', () => {
  it.each(cases)('$name', (tc) => {
    const { errors, warnings } = run(tc.spec);
    if (tc.valid) expect(errors).toEqual([]);
    else expect(errors.length).toBeGreaterThan(0);
    if (tc.warning !== undefined) expect(warnings.length > 0).toBe(tc.warning);
    const pool = tc.valid ? warnings : errors;
    if (tc.message) expect(pool.map((e) => e.message).join('\n')).toContain(tc.message);
    if (tc.path) expect(pool.map((e) => e.path)).toContain(tc.path);
  });

  it('reports every error with the semantic code', () => {
    const { errors } = run({ hosts: ['*'], http: [{ route: [{ destination: { host: '*' }, weight: -5 }] }] });
    expect(errors.length).toBeGreaterThanOrEqual(3);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(['WEFT_ERR_SEMANTIC']));
  });

  it('treats the route-semantics annotation as Gateway API semantics (no destination host checks)', () => {
    const spec = vs({ route: [{ destination: { host: '*' } }] });
    expect(run(spec).errors.length).toBeGreaterThan(0);
    expect(run(spec, { name: 'vs', annotations: { 'internal.istio.io/route-semantics': 'gateway' } }).errors).toEqual([]);
  });
});
