import { describe, expect, it } from 'vitest';
import type { CrdDefinition, JsonSchemaProps } from '../../api/crd.js';
import { CRD_SCHEMAS, CRDS } from '../../api/schemas.gen.js';
import { appendFieldPath, collectRules, compileRule, evaluateRules } from './cel-rules.js';
import { createStructuralValidator, validateStructural } from './index.js';

/** Validates `spec` as a resource of the given kind; returns `path: message` of every error. */
function errorsOf(apiVersion: string, kind: string, spec: unknown): string[] {
  const slash = apiVersion.lastIndexOf('/');
  const gvk = { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1), kind };
  const r = validateStructural(gvk, { apiVersion, kind, metadata: { name: 'x', namespace: 'ns' }, spec });
  return r.errors.map((e) => `${e.path}: ${e.message}`);
}

type Row = [name: string, spec: unknown, want: string | undefined];

function table(apiVersion: string, kind: string, rows: Row[]): void {
  describe(kind, () => {
    it.each(rows)('%s', (_name, spec, want) => {
      const errs = errorsOf(apiVersion, kind, spec);
      if (want === undefined) expect(errs).toEqual([]);
      else expect(errs).toContainEqual(expect.stringContaining(want));
    });
  });
}

describe('every x-kubernetes-validations rule in Istio CRDs compiles', () => {
  // Counted two ways: by walking the schemas (what the validator does) and from the raw JSON text.
  const placements = CRDS.flatMap((crd) => crd.versions.map((v) => ({ crd, schema: CRD_SCHEMAS[v.schema] as JsonSchemaProps })));
  const rules = placements.flatMap(({ crd, schema }) => collectRules(schema).map((r) => ({ ...r, kind: crd.kind })));

  it('finds every rule', () => {
    const textCount = placements.reduce((n, { schema }) => n + (JSON.stringify(schema).match(/"rule":/g) ?? []).length, 0);
    console.log(`CEL rules: ${rules.length} placements over ${placements.length} CRD versions (${new Set(rules.map((r) => r.rule.rule)).size} distinct texts)`);
    expect(rules.length).toBe(textCount);
    expect(rules.length).toBeGreaterThan(300);
  });

  it('compiles all of them with 0 failures and no transition rules', () => {
    const failures = rules
      .map((r) => ({ r, c: compileRule(r.rule, r.schema) }))
      .filter(({ c }) => c.kind !== 'ready')
      .map(({ r, c }) => `${r.kind} ${r.at}: ${r.rule.rule} -> ${c.kind === 'invalid' ? c.error : c.kind}`);
    expect(failures).toEqual([]);
  });
});

describe('rule compilation problems are Weft bugs, reported and survived', () => {
  const node = (rules: { rule: string; message?: string }[]): JsonSchemaProps => ({
    type: 'object',
    properties: { a: { type: 'string' } },
    'x-kubernetes-validations': rules,
  });

  it.each([
    ['self.a.nosuchfn()', /undeclared reference to 'nosuchfn'/],
    ['self.b == "x"', /undefined field 'b'/],
    ['self.a.startsWith()', /no matching overload for 'startsWith'/],
    ['self.a ==', /compilation failed/],
    ['other == 1', /undeclared reference to 'other'/],
  ])('%s', (rule, why) => {
    const c = compileRule({ rule }, node([]));
    expect(c.kind).toBe('invalid');
    if (c.kind === 'invalid') expect(c.error).toMatch(why);
  });

  it('skips transition rules (oldSelf) on create', () => {
    expect(compileRule({ rule: 'self == oldSelf' }, node([])).kind).toBe('transition');
    expect(evaluateRules(node([{ rule: 'self.a == oldSelf.a' }]), { a: 'x' })).toEqual([]);
  });

  it('keeps evaluating the other rules and reports WEFT_ERR_INTERNAL as a warning', () => {
    const crd: CrdDefinition = {
      group: 'example.com',
      kind: 'Thing',
      plural: 'things',
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: 0 }],
    };
    const schema: JsonSchemaProps = {
      type: 'object',
      properties: { spec: node([{ rule: 'self.a.nosuchfn()' }, { rule: 'self.a != "bad"', message: 'a must not be bad' }]) },
    };
    const v = createStructuralValidator({ crds: [crd], schemas: [schema] });
    const r = v.validate({ group: 'example.com', version: 'v1', kind: 'Thing' }, { apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: { a: 'bad' } });
    expect(r.errors.map((e) => `${e.code} ${e.path}: ${e.message}`)).toEqual(['WEFT_ERR_SCHEMA_RULE spec: Invalid value: "object": a must not be bad']);
    expect(r.warnings.map((w) => w.code)).toEqual(['WEFT_ERR_INTERNAL']);
    expect(r.warnings[0]?.message).toContain("undeclared reference to 'nosuchfn'");
  });
});

describe('rule messages follow Kubernetes', () => {
  const schema = (rule: Record<string, string>): JsonSchemaProps => ({
    type: 'object',
    properties: { spec: { type: 'object', properties: { a: { type: 'string' }, m: { type: 'object', additionalProperties: { type: 'string' } } }, 'x-kubernetes-validations': [{ rule: 'false', ...rule }] } },
  });
  const run = (rule: Record<string, string>): string[] => evaluateRules(schema(rule), { spec: { a: 'x' } }).map((i) => `${i.path}: ${i.message}`);

  it.each<[Record<string, string>, string]>([
    [{}, 'spec: Invalid value: "object": failed rule: false'],
    [{ message: 'custom' }, 'spec: Invalid value: "object": custom'],
    [{ messageExpression: '"a is " + self.a' }, 'spec: Invalid value: "object": a is x'],
    [{ message: 'static', messageExpression: 'self.nope' }, 'spec: Invalid value: "object": static'],
    [{ message: 'needs a', reason: 'FieldValueRequired', fieldPath: '.a' }, 'spec.a: Required value: needs a'],
    [{ message: 'no', reason: 'FieldValueForbidden', fieldPath: ".m['k.x']" }, 'spec.m[k.x]: Forbidden: no'],
    [{ reason: 'FieldValueDuplicate' }, 'spec: Duplicate value: "object"'],
  ])('%j', (rule, want) => {
    expect(run(rule)).toEqual([want]);
  });

  it('reports evaluation errors with the rule', () => {
    const s: JsonSchemaProps = { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-validations': [{ rule: 'self.a == "x"', message: 'm' }] } } };
    expect(evaluateRules(s, { spec: {} }).map((i) => i.message)).toEqual(['Invalid value: "object": no such key: a evaluating rule: m']);
  });

  it('does not evaluate rules of absent or null values', () => {
    const s = schema({ message: 'never' });
    expect(evaluateRules(s, {})).toEqual([]);
    expect(evaluateRules(s, { spec: null })).toEqual([]);
  });

  it('appendFieldPath follows the schema: fields, map keys, list indexes', () => {
    const s: JsonSchemaProps = { type: 'object', properties: { l: { type: 'array', items: { type: 'object', properties: { n: { type: 'string' } } } } } };
    expect(appendFieldPath('spec', '.l[2].n', s)).toBe('spec.l[2].n');
  });
});

table('networking.istio.io/v1', 'ServiceEntry', [
  ['minimal', { hosts: ['example.com'] }, undefined],
  ['wildcard host', { hosts: ['*'] }, 'spec.hosts[0]: Invalid value: "string": hostname cannot be wildcard'],
  ['port 0', { hosts: ['a'], ports: [{ name: 'p', number: 0 }] }, 'spec.ports[0].number: Invalid value: "integer": port must be between 1-65535'],
  ['port 65535', { hosts: ['a'], ports: [{ name: 'p', number: 65535 }] }, undefined],
  ['port 65536', { hosts: ['a'], ports: [{ name: 'p', number: 65536 }] }, 'port must be between 1-65535'],
  ['duplicate port numbers', { hosts: ['a'], ports: [{ name: 'a', number: 80 }, { name: 'b', number: 80 }] }, 'spec.ports: Invalid value: "array": port number cannot be duplicated'],
  ['selector and endpoints', { hosts: ['a'], resolution: 'STATIC', workloadSelector: { labels: { a: 'b' } }, endpoints: [{ address: '1.1.1.1' }] }, 'only one of WorkloadSelector or Endpoints can be set'],
  ['CIDR with DNS', { hosts: ['a'], addresses: ['10.0.0.0/8'], resolution: 'DNS' }, 'CIDR addresses are allowed only for NONE/STATIC resolution types'],
  ['CIDR with STATIC', { hosts: ['a'], addresses: ['10.0.0.0/8'], resolution: 'STATIC' }, undefined],
  ['endpoints with default NONE', { hosts: ['a'], endpoints: [{ address: '1.1.1.1' }] }, 'NONE mode cannot set endpoints'],
  ['two endpoints with DNS_ROUND_ROBIN', { hosts: ['a'], resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.com' }, { address: 'b.com' }] }, 'DNS_ROUND_ROBIN mode cannot have multiple endpoints'],
  ['one endpoint with DNS_ROUND_ROBIN', { hosts: ['a'], resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.com' }] }, undefined],
  ['endpoint without address or network', { hosts: ['a'], resolution: 'STATIC', endpoints: [{ labels: { a: 'b' } }] }, 'spec.endpoints[0]: Invalid value: "object": Address is required'],
  ['endpoint port name', { hosts: ['a'], resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', ports: { 'bad_name!': 80 } }] }, 'spec.endpoints[0].ports: Invalid value: "object": port name must be valid'],
  ['endpoint port range', { hosts: ['a'], resolution: 'STATIC', endpoints: [{ address: '1.1.1.1', ports: { http: 70000 } }] }, 'spec.endpoints[0].ports[http]: Invalid value: "integer": port must be between 1-65535'],
  ['wildcard selector value', { hosts: ['a'], workloadSelector: { labels: { app: 'x*' } } }, 'spec.workloadSelector.labels[app]: Invalid value: "string": wildcard is not supported in selector'],
]);

table('networking.istio.io/v1', 'WorkloadEntry', [
  ['address', { address: '1.2.3.4' }, undefined],
  ['network only', { network: 'n1' }, undefined],
  ['neither address nor network', { labels: { a: 'b' } }, 'spec: Invalid value: "object": Address is required'],
  ['UDS dir', { address: 'unix:///var/run/' }, 'UDS may not be a dir'],
  ['UDS relative', { address: 'unix://relative' }, 'UDS must be an absolute path or abstract socket'],
  ['UDS abstract', { address: 'unix://@abstract' }, undefined],
  ['UDS with ports', { address: 'unix:///sock', ports: { http: 80 } }, 'UDS may not include ports'],
  ['port too high', { address: '1.2.3.4', ports: { http: 65536 } }, 'port must be between 1-65535'],
]);

table('networking.istio.io/v1', 'WorkloadGroup', [
  ['template', { template: { address: '1.2.3.4' } }, undefined],
  ['http probe port 0', { template: {}, probe: { httpGet: { port: 0 } } }, 'spec.probe.httpGet.port: Invalid value: "integer": port must be between 1-65535'],
  ['http probe scheme', { template: {}, probe: { httpGet: { port: 80, scheme: 'FTP' } } }, 'scheme must be one of [HTTP, HTTPS]'],
  ['http probe scheme HTTPS', { template: {}, probe: { httpGet: { port: 80, scheme: 'HTTPS' } } }, undefined],
  ['two probe kinds (oneOf)', { template: {}, probe: { httpGet: { port: 80 }, tcpSocket: { port: 80 } } }, 'spec.probe: Invalid value: "": "spec.probe" must validate one and only one schema (oneOf). Found 2 valid alternatives'],
]);

table('security.istio.io/v1', 'PeerAuthentication', [
  ['strict', { mtls: { mode: 'STRICT' } }, undefined],
  ['port level with selector', { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }, undefined],
  ['port level without selector', { portLevelMtls: { '8080': { mode: 'DISABLE' } } }, 'spec: Invalid value: "object": portLevelMtls requires selector'],
  ['port 0', { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { '0': { mode: 'DISABLE' } } }, 'spec.portLevelMtls: Invalid value: "object": port must be between 1-65535'],
  ['non-numeric port', { selector: { matchLabels: { a: 'b' } }, portLevelMtls: { http: { mode: 'DISABLE' } } }, "type conversion error from 'string' to 'int' evaluating rule: port must be between 1-65535"],
  ['empty label key', { selector: { matchLabels: { '': 'b' } } }, 'spec.selector.matchLabels: Invalid value: "object": key must not be empty'],
  ['wildcard label key', { selector: { matchLabels: { 'a*': 'b' } } }, 'wildcard not allowed in label key match'],
]);

table('security.istio.io/v1', 'RequestAuthentication', [
  ['jwt rule', { jwtRules: [{ issuer: 'i', jwksUri: 'https://example.com/jwks', timeout: '5s' }] }, undefined],
  ['jwks and jwksUri', { jwtRules: [{ issuer: 'i', jwksUri: 'https://example.com/jwks', jwks: '{}' }] }, 'spec.jwtRules[0]: Invalid value: "object": only one of jwks or jwksUri can be set'],
  ['jwksUri scheme', { jwtRules: [{ issuer: 'i', jwksUri: 'ftp://example.com/jwks' }] }, 'spec.jwtRules[0].jwksUri: Invalid value: "string": url must have scheme http:// or https://'],
  ['jwks_uri scheme', { jwtRules: [{ issuer: 'i', jwks_uri: 'file:///jwks' }] }, 'spec.jwtRules[0].jwks_uri: Invalid value: "string": url must have scheme http:// or https://'],
  ['timeout 1ms', { jwtRules: [{ issuer: 'i', timeout: '1ms' }] }, undefined],
  ['timeout 999us', { jwtRules: [{ issuer: 'i', timeout: '999us' }] }, 'spec.jwtRules[0].timeout: Invalid value: "string": must be a valid duration greater than 1ms'],
  ['selector and targetRefs', { selector: { matchLabels: { a: 'b' } }, targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' }] }, 'only one of targetRefs or selector can be set'],
  ['cross-namespace targetRef', { targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g', namespace: 'other' } }, 'spec.targetRef.namespace: Invalid value: "string": cross namespace referencing is not currently supported'],
]);

table('security.istio.io/v1', 'AuthorizationPolicy', [
  ['allow', { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['a'] } }] }] }, undefined],
  ['serviceAccounts with principals', { rules: [{ from: [{ source: { serviceAccounts: ['a'], principals: ['b'] } }] }] }, 'spec.rules[0].from[0].source: Invalid value: "object": Cannot set serviceAccounts with namespaces or principals'],
  ['notServiceAccounts with namespaces', { rules: [{ from: [{ source: { notServiceAccounts: ['a'], namespaces: ['b'] } }] }] }, 'Cannot set serviceAccounts with namespaces or principals'],
  ['selector and targetRef', { selector: { matchLabels: { a: 'b' } }, targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' } }, 'only one of targetRefs or selector can be set'],
]);

table('telemetry.istio.io/v1', 'Telemetry', [
  ['upsert with value', { metrics: [{ overrides: [{ tagOverrides: { foo: { operation: 'UPSERT', value: 'x' } } }] }] }, undefined],
  ['upsert without value', { metrics: [{ overrides: [{ tagOverrides: { foo: { operation: 'UPSERT' } } }] }] }, 'value must be set when operation is UPSERT'],
  ['remove with value', { metrics: [{ overrides: [{ tagOverrides: { foo: { operation: 'REMOVE', value: 'x' } } }] }] }, 'spec.metrics[0].overrides[0].tagOverrides[foo]: Invalid value: "object": value must not be set when operation is REMOVE'],
  ['reporting interval 0s', { metrics: [{ reportingInterval: '0s' }] }, 'spec.metrics[0].reportingInterval: Invalid value: "string": must be a valid duration greater than 1ms'],
]);

table('extensions.istio.io/v1alpha1', 'WasmPlugin', [
  ['oci url', { url: 'oci://ghcr.io/x/y:1' }, undefined],
  ['bare host url', { url: 'example.com/filter.wasm' }, undefined],
  ['ftp url', { url: 'ftp://example.com/x.wasm' }, 'spec.url: Invalid value: "string": url must have schema one of [http, https, file, oci]'],
  ['HOST env with value', { url: 'oci://x', vmConfig: { env: [{ name: 'a', valueFrom: 'HOST', value: 'v' }] } }, 'spec.vmConfig.env[0]: Invalid value: "object": value may only be set when valueFrom is INLINE'],
  ['selector and targetRef', { url: 'oci://x', selector: { matchLabels: { a: 'b' } }, targetRef: { kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' } }, 'only one of targetRefs or selector can be set'],
]);

table('extensions.istio.io/v1alpha1', 'TrafficExtension', [
  ['wasm', { wasm: { url: 'oci://x' } }, undefined],
  ['lua', { lua: { inlineCode: 'function envoy_on_request(h) end' } }, undefined],
  ['neither wasm nor lua', { phase: 'AUTHN' }, 'spec: Invalid value: "object": exactly one of wasm or lua must be set'],
  ['both wasm and lua', { wasm: { url: 'oci://x' }, lua: { inlineCode: 'x' } }, 'must validate one and only one schema (oneOf). Found 2 valid alternatives'],
]);

table('networking.istio.io/v1alpha3', 'EnvoyFilter', [
  ['waypoint context', { configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'WAYPOINT', waypoint: { portNumber: 80 } } }] }, undefined],
  ['waypoint match outside WAYPOINT', { configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'SIDECAR_INBOUND', waypoint: { portNumber: 80 } } }] }, 'spec.configPatches[0].match: Invalid value: "object": only support waypointMatch when context is WAYPOINT'],
  ['waypoint port 0', { configPatches: [{ applyTo: 'HTTP_FILTER', match: { context: 'WAYPOINT', waypoint: { portNumber: 0 } } }] }, 'spec.configPatches[0].match.waypoint.portNumber: Invalid value: "integer": port must be between 1-65535'],
  ['workloadSelector and targetRefs', { workloadSelector: { labels: { a: 'b' } }, targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'g' }] }, 'only one of targetRefs or workloadSelector can be set'],
]);

table('networking.istio.io/v1', 'Gateway', [
  ['simple tls', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'c' } }] }, undefined],
  ['credentialName and credentialNames', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { credentialName: 'a', credentialNames: ['b'] } }] }, 'spec.servers[0].tls: Invalid value: "object": only one of credentialName or credentialNames can be set'],
  ['credentialNames and tlsCertificates', { servers: [{ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { credentialNames: ['b'], tlsCertificates: [{ privateKey: 'k' }] } }] }, 'only one of credentialNames or tlsCertificates can be set'],
]);

table('networking.istio.io/v1', 'Sidecar', [
  ['idle timeout', { inboundConnectionPool: { http: { idleTimeout: '1h' } } }, undefined],
  ['idle timeout 0s', { inboundConnectionPool: { http: { idleTimeout: '0s' } } }, 'spec.inboundConnectionPool.http.idleTimeout: Invalid value: "string": must be a valid duration greater than 1ms'],
  ['wildcard selector', { workloadSelector: { labels: { app: '*' } } }, 'wildcard is not supported in selector'],
]);

table('networking.istio.io/v1', 'DestinationRule', [
  ['connect timeout', { host: 'r', trafficPolicy: { connectionPool: { tcp: { connectTimeout: '10ms' } } } }, undefined],
  ['connect timeout 100us', { host: 'r', trafficPolicy: { connectionPool: { tcp: { connectTimeout: '100us' } } } }, 'spec.trafficPolicy.connectionPool.tcp.connectTimeout: Invalid value: "string": must be a valid duration greater than 1ms'],
  ['subset outlier interval', { host: 'r', subsets: [{ name: 'v1', trafficPolicy: { outlierDetection: { interval: 'soon' } } }] }, "spec.subsets[0].trafficPolicy.outlierDetection.interval: Invalid value: \"string\": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms"],
  ['simple and consistentHash (oneOf)', { host: 'r', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN', consistentHash: { useSourceIp: true } } } }, 'must validate one and only one schema (oneOf). Found 2 valid alternatives'],
]);

table('networking.istio.io/v1', 'VirtualService', [
  ['fixed delay', { hosts: ['r'], http: [{ fault: { delay: { fixedDelay: '5s', percentage: { value: 10 } } }, route: [{ destination: { host: 'r' } }] }] }, undefined],
  ['zero delay', { hosts: ['r'], http: [{ fault: { delay: { fixedDelay: '0s' } }, route: [{ destination: { host: 'r' } }] }] }, 'spec.http[0].fault.delay.fixedDelay: Invalid value: "string": must be a valid duration greater than 1ms'],
  ['timeout without unit', { hosts: ['r'], http: [{ timeout: '10', route: [{ destination: { host: 'r' } }] }] }, 'spec.http[0].timeout: Invalid value: "string": type conversion error'],
]);

table('networking.istio.io/v1beta1', 'ProxyConfig', [
  ['concurrency', { concurrency: 2 }, undefined],
  ['wildcard label value', { selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels[app]: Invalid value: "string": wildcard not allowed in label value match'],
]);
