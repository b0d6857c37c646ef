// Property tests: validation and loading never throw, never report an internal error and always
// finish, whatever they are fed: valid resources bent out of shape, and arbitrary text.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { reportDocuments } from '../src/validation/report.js';
import type { Validation } from '../src/validation/result.js';
import { validateResource } from '../src/validation/validate.js';
import { parseDocuments } from '../src/yaml/load.js';

const RUNS = { numRuns: 300 };

// ---- valid resources ----

const label = fc.stringMatching(/^[a-z]([a-z0-9-]{0,8}[a-z0-9])?$/);
const meta = fc.record({ name: label, namespace: label });
const host = fc.tuple(label, fc.constantFrom('', '.default.svc.cluster.local', '.example.com')).map(([a, b]) => a + b);
const port = fc.integer({ min: 1, max: 65535 });
const duration = fc.integer({ min: 1, max: 600 }).map((n) => `${n}s`);
const path = fc.array(label, { maxLength: 3 }).map((parts) => `/${parts.join('/')}`);

const destination = fc.record({ host, subset: label }, { requiredKeys: ['host'] });
const routes = fc.oneof(
  destination.map((d) => [{ destination: d }]),
  fc.tuple(destination, destination, fc.integer({ min: 0, max: 100 })).map(([a, b, w]) => [
    { destination: a, weight: w },
    { destination: b, weight: 100 - w },
  ]),
);
const virtualService = fc.record({
  apiVersion: fc.constant('networking.istio.io/v1'),
  kind: fc.constant('VirtualService'),
  metadata: meta,
  spec: fc.record({
    hosts: fc.uniqueArray(host, { minLength: 1, maxLength: 3 }),
    http: fc.array(
      fc.record(
        { match: fc.array(fc.record({ uri: fc.record({ prefix: path }) }), { minLength: 1, maxLength: 2 }), route: routes, timeout: duration },
        { requiredKeys: ['route'] },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  }),
});

const destinationRule = fc.record({
  apiVersion: fc.constant('networking.istio.io/v1'),
  kind: fc.constant('DestinationRule'),
  metadata: meta,
  spec: fc.record(
    {
      host,
      trafficPolicy: fc.record({
        loadBalancer: fc.record({ simple: fc.constantFrom('ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'PASSTHROUGH') }),
        connectionPool: fc.record({ tcp: fc.record({ maxConnections: fc.integer({ min: 1, max: 10_000 }) }) }),
      }),
      subsets: fc.uniqueArray(label, { maxLength: 3 }).map((names) => names.map((name) => ({ name, labels: { version: name } }))),
    },
    { requiredKeys: ['host'] },
  ),
});

const serviceEntry = fc.record({
  apiVersion: fc.constant('networking.istio.io/v1'),
  kind: fc.constant('ServiceEntry'),
  metadata: meta,
  // Several hosts need ports Istio can tell apart by host (HTTP or TLS-based), not plain TCP.
  spec: fc.uniqueArray(host, { minLength: 1, maxLength: 2 }).chain((hosts) =>
    fc.record({
      hosts: fc.constant(hosts),
      location: fc.constantFrom('MESH_EXTERNAL', 'MESH_INTERNAL'),
      resolution: fc.constantFrom('DNS', 'NONE'),
      ports: fc
        .uniqueArray(port, { minLength: 1, maxLength: 3 })
        .chain((numbers) =>
          fc.tuple(
            ...numbers.map((n) =>
              fc.constantFrom(...(hosts.length > 1 ? ['HTTP', 'HTTPS', 'GRPC'] : ['HTTP', 'HTTPS', 'TCP', 'GRPC'])).map((protocol) => ({ number: n, name: `p-${n}`, protocol })),
            ),
          ),
        ),
    }),
  ),
});

// A gateway serves FQDNs or wildcards: Istio rejects short names there.
const gatewayHost = fc.oneof(fc.constant('*'), label.map((l) => `${l}.example.com`), label.map((l) => `*.${l}.example.com`));
const gateway = fc.record({
  apiVersion: fc.constant('networking.istio.io/v1'),
  kind: fc.constant('Gateway'),
  metadata: meta,
  spec: fc.record({
    selector: fc.constant({ istio: 'ingressgateway' }),
    servers: fc
      .uniqueArray(port, { minLength: 1, maxLength: 2 })
      .chain((numbers) =>
        fc.tuple(...numbers.map((n) => fc.uniqueArray(gatewayHost, { minLength: 1, maxLength: 2 }).map((hosts) => ({ port: { number: n, name: `http-${n}`, protocol: 'HTTP' }, hosts })))),
      ),
  }),
});

const authorizationPolicy = fc.record({
  apiVersion: fc.constant('security.istio.io/v1'),
  kind: fc.constant('AuthorizationPolicy'),
  metadata: meta,
  spec: fc.record({
    selector: fc.record({ matchLabels: fc.record({ app: label }) }),
    action: fc.constantFrom('ALLOW', 'DENY'),
    rules: fc.array(
      fc.record({
        from: fc.array(fc.record({ source: fc.record({ principals: fc.array(fc.tuple(label, label).map(([ns, sa]) => `cluster.local/ns/${ns}/sa/${sa}`), { minLength: 1, maxLength: 2 }) }) }), {
          minLength: 1,
          maxLength: 2,
        }),
        to: fc.array(fc.record({ operation: fc.record({ methods: fc.subarray(['GET', 'POST', 'PUT', 'DELETE'], { minLength: 1 }), paths: fc.array(path, { minLength: 1, maxLength: 2 }) }) }), {
          minLength: 1,
          maxLength: 2,
        }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  }),
});

const validResource = fc.oneof(virtualService, destinationRule, serviceEntry, gateway, authorizationPolicy);

// ---- mutations ----

type Segment = string | number;

/** Every path to a value inside `v` (the root is []), down to a depth that keeps the test itself
 *  off the stack limit when earlier mutations planted deep nesting. */
function pathsOf(v: unknown, prefix: Segment[] = [], out: Segment[][] = []): Segment[][] {
  out.push(prefix);
  if (prefix.length >= 40) return out;
  if (Array.isArray(v)) v.forEach((item, i) => pathsOf(item, [...prefix, i], out));
  else if (isPlainObject(v)) for (const [k, item] of Object.entries(v)) pathsOf(item, [...prefix, k], out);
  return out;
}

/** Objects a YAML or JSON loader could produce (not a Map, a Date, a typed array...). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function nest(depth: number, leaf: unknown): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? { n: v } : [v];
  return v;
}

/** Sets an own property even for `__proto__`, as JSON.parse and YAML loaders do. */
function setOwn(target: Record<string | number, unknown>, key: Segment, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const weirdKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', 'a.b', '[0]', '"', '\u0000', '\uD800', 'spec'), fc.string({ unit: 'grapheme', maxLength: 12 }));

/** Odd values a YAML or JSON document can really hold (`.nan`, `.inf`, `-0`, huge numbers, ...). */
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, true, false, 0, -0, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 1, -(2 ** 63), 65536, -1, 1.5, [], {}),
  fc.constantFrom('', ' ', '\u0000', '\uD800', '\u202Eevil', '🦄'.repeat(1000), 'x'.repeat(100_000), '*', '*.', '.', '1.2.3.4/99', 'a'.repeat(64), '-'),
  fc.double(),
  fc.integer(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.tuple(fc.integer({ min: 10, max: 1000 }), fc.jsonValue({ maxDepth: 1 })).map(([d, leaf]) => nest(d, leaf)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** Values only a JavaScript caller can pass: BigInt, Map, Set, Date, typed arrays, sparse arrays. */
const jsOnlyValue: fc.Arbitrary<unknown> = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withTypedArray: true,
  withSparseArray: true,
});

const mutationWith = (value: fc.Arbitrary<unknown>) =>
  fc.record({
    at: fc.nat(),
    op: fc.constantFrom('replace', 'delete', 'extra', 'wrap'),
    value,
    key: weirdKey,
  });
const mutation = mutationWith(weirdValue);

/** Applies one mutation to a deep copy of `resource` at the `at`-th path (mod the path count). */
function mutate(resource: unknown, m: { at: number; op: string; value: unknown; key: string }): unknown {
  const root = structuredClone(resource) as Record<string, unknown>;
  const paths = pathsOf(root);
  const target = paths[m.at % paths.length] ?? [];
  if (target.length === 0) return m.op === 'replace' ? m.value : m.op === 'wrap' ? [root] : root;
  let parent: unknown = root;
  for (const seg of target.slice(0, -1)) parent = (parent as Record<Segment, unknown>)[seg];
  const last = target[target.length - 1] as Segment;
  const p = parent as Record<Segment, unknown>;
  switch (m.op) {
    case 'replace':
      setOwn(p, last, m.value);
      break;
    case 'delete':
      if (Array.isArray(p) && typeof last === 'number') p.splice(last, 1);
      else delete p[last];
      break;
    case 'extra': {
      const here = p[last];
      if (isPlainObject(here)) setOwn(here, m.key, m.value);
      else if (Array.isArray(here)) here.push(m.value);
      else setOwn(p, last, { [m.key]: m.value });
      break;
    }
    default:
      setOwn(p, last, [p[last]]);
  }
  return root;
}

/** What every result must look like, whatever the input. An internal error (a caught throw) is
 *  tolerated only for values no YAML or JSON document can hold. */
function expectWellFormed(v: Validation, options: { jsOnlyInput?: boolean } = {}): void {
  expect(Array.isArray(v.errors)).toBe(true);
  expect(Array.isArray(v.warnings)).toBe(true);
  for (const issue of [...v.errors, ...v.warnings]) {
    expect(typeof issue.code).toBe('string');
    expect(typeof issue.path).toBe('string');
    expect(typeof issue.message).toBe('string');
  }
  // validateResource turns a throw into WEFT_ERR_INTERNAL: that is a bug, not an answer.
  if (!options.jsOnlyInput) expect(v.errors.filter((e) => e.code === 'WEFT_ERR_INTERNAL')).toEqual([]);
}

describe('validateResource robustness', () => {
  it('accepts the generated valid resources (the generators are honest)', () => {
    fc.assert(
      fc.property(validResource, (r) => {
        const v = validateResource(r);
        expect(v.errors).toEqual([]);
      }),
      RUNS,
    );
  });

  it('never throws on a valid resource with one mutation', () => {
    fc.assert(
      fc.property(validResource, mutation, (r, m) => {
        expectWellFormed(validateResource(mutate(r, m)));
      }),
      RUNS,
    );
  });

  it('never throws on a valid resource with many mutations', () => {
    fc.assert(
      fc.property(validResource, fc.array(mutation, { minLength: 2, maxLength: 8 }), (r, ms) => {
        expectWellFormed(validateResource(ms.reduce<unknown>((acc, m) => mutate(acc, m), r)));
      }),
      RUNS,
    );
  });

  it('never throws on JSON values of any shape', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (x) => {
        expectWellFormed(validateResource(x));
      }),
      RUNS,
    );
  });

  it('never throws on values only JavaScript can build (BigInt, Map, typed arrays, ...)', () => {
    fc.assert(
      fc.property(validResource, fc.array(mutationWith(jsOnlyValue), { minLength: 1, maxLength: 4 }), (r, ms) => {
        expectWellFormed(validateResource(ms.reduce<unknown>((acc, m) => mutate(acc, m), r)), { jsOnlyInput: true });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withNullPrototype: true, withBoxedValues: true }), (x) => {
        expectWellFormed(validateResource(x), { jsOnlyInput: true });
      }),
      RUNS,
    );
  });

  it('finishes on a cyclic object (a JS caller can build one)', () => {
    const spec: Record<string, unknown> = { hosts: ['a'] };
    spec.http = [{ route: [{ destination: spec }] }];
    const r = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'x' }, spec };
    expect(Array.isArray(validateResource(r).errors)).toBe(true);
  });
});

describe('loader and report robustness', () => {
  it('round-trips mutated resources through YAML and locates every finding inside the file', () => {
    fc.assert(
      fc.property(validResource, fc.array(mutation, { maxLength: 4 }), (r, ms) => {
        const mutated = ms.reduce<unknown>((acc, m) => mutate(acc, m), r);
        let text: string | undefined;
        try {
          text = stringify(mutated, { aliasDuplicateObjects: false });
        } catch {
          return; // not representable as YAML (a symbol, a function): nothing to load
        }
        if (text === undefined) return; // the whole resource mutated to undefined: stringify gives no document
        const lines = text.split('\n').length;
        const report = reportDocuments(parseDocuments(text, 'm.yaml'));
        for (const f of report.findings) {
          expect(f.code).not.toBe('WEFT_ERR_INTERNAL');
          expect(f.line).toBeGreaterThanOrEqual(1);
          expect(f.line).toBeLessThanOrEqual(lines);
          expect(f.column).toBeGreaterThanOrEqual(1);
        }
      }),
      RUNS,
    );
  });

  const yamlish = fc
    .array(
      fc.oneof(
        fc.constantFrom('a:', 'b: ', '- ', '---\n', '...\n', '\n', '  ', ':', '[', ']', '{', '}', ',', '&x ', '*x', '<<: *x', '"', "'", '# c', '\t', '? ', '|\n', '>-\n', '!tag ', '!!str ', '%YAML 1.1\n'),
        fc.constantFrom('apiVersion: networking.istio.io/v1\n', 'kind: VirtualService\n', 'kind: List\nitems:\n', 'metadata:\n  name: x\n', 'spec:\n  hosts: [a]\n', 'y', 'on', '0755', '2001:db8::'),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join(''));

  it.each([
    ['arbitrary text', fc.string({ unit: 'binary', maxLength: 2000 })],
    ['YAML-like text', yamlish],
  ])('parses %s without throwing, with positions inside the text', (_name, text) => {
    fc.assert(
      fc.property(text, fc.array(fc.oneof(label, fc.nat(3)), { maxLength: 4 }), (t, segs) => {
        const lines = t.split(/\r\n|\r|\n/).length;
        const docs = parseDocuments(t, 'f.yaml');
        const path = segs.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('').replace(/^\./, '');
        for (const d of docs) {
          for (const pos of [d.position, d.locate(path), ...d.syntaxErrors.map((e) => e.position)]) {
            expect(pos.line).toBeGreaterThanOrEqual(1);
            expect(pos.line).toBeLessThanOrEqual(lines + 1);
            expect(pos.column).toBeGreaterThanOrEqual(1);
          }
        }
        for (const f of reportDocuments(docs).findings) expect(f.code).not.toBe('WEFT_ERR_INTERNAL');
      }),
      RUNS,
    );
  });

  it('parses deeply nested YAML without overflowing', () => {
    const depth = 2000;
    const flow = `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    const block = Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n');
    for (const text of [`v: ${flow}\n`, `${block} end\n`]) {
      const docs = parseDocuments(text, 'deep.yaml');
      expect(docs.length).toBe(1);
      for (const f of reportDocuments(docs).findings) expect(f.code).not.toBe('WEFT_ERR_INTERNAL');
    }
  });
});
