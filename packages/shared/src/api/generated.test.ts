// The generated API files: fresh with respect to Istio's CRD file (scripts/gen-api.mjs --check), and
// types that accept what the schemas accept (checked by tsc, since tests are typechecked).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { validateResource } from '../validation/validate.js';
import { validateStructural } from '../validation/structural/index.js';
import type {
  AuthorizationPolicy,
  DestinationRule,
  Gateway,
  HTTPRoute,
  IstioKind,
  IstioResource,
  ServiceEntry,
  ServiceEntrySpec,
  Subset,
  TrafficPolicy,
  VirtualService,
} from './types.gen.js';

const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const script = join(pkgDir, 'scripts', 'gen-api.mjs');
const corpusDir = process.env.WEFT_ISTIO_CORPUS ?? fileURLToPath(new URL('../../../../../shared/corpus/istio', import.meta.url));
const crdFile = join(corpusDir, 'manifests', 'charts', 'base', 'files', 'crd-all.gen.yaml');
const hasCorpus = existsSync(crdFile);
if (!hasCorpus) console.warn(`SKIP: Istio corpus not found at ${corpusDir}; generator freshness tests skipped`);

function runCheck(corpus: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, '--check'], { env: { ...process.env, WEFT_ISTIO_CORPUS: corpus }, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('scripts/gen-api.mjs --check', () => {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it.skipIf(!hasCorpus)('passes on the checked-in output', () => {
    const r = runCheck(corpusDir);
    expect(r.out).toContain('up to date');
    expect(r.status).toBe(0);
  });

  it.skipIf(!hasCorpus)('fails with a clear message when the CRD file changed', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'weft-gen-api-'));
    temps.push(tmp);
    const dir = join(tmp, 'manifests', 'charts', 'base', 'files');
    mkdirSync(dir, { recursive: true });
    // Drop the last CRD: the table and types must no longer match.
    const text = readFileSync(crdFile, 'utf8');
    writeFileSync(join(dir, 'crd-all.gen.yaml'), text.slice(0, text.lastIndexOf('\n---')));
    const r = runCheck(tmp);
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/schemas\.gen\.ts is out of date/);
    expect(r.out).toContain('npm run gen:api');
  });

  it('skips (exit 0) when the corpus is absent', () => {
    const r = runCheck('/nonexistent/corpus/istio');
    expect(r.status).toBe(0);
    expect(r.out).toContain('SKIP: Istio corpus not found at /nonexistent/corpus/istio');
  });
});

describe('generated types', () => {
  const route: HTTPRoute = {
    match: [{ uri: { prefix: '/api' }, headers: { 'end-user': { exact: 'jason' } } }],
    route: [{ destination: { host: 'reviews', subset: 'v2', port: { number: 9080 } }, weight: 100 }],
    timeout: '5s',
    retries: { attempts: 3, perTryTimeout: '2s' },
  };
  const vs: VirtualService = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'reviews', namespace: 'default', labels: { app: 'reviews' } },
    spec: { hosts: ['reviews'], http: [route] },
  };
  const trafficPolicy: TrafficPolicy = { loadBalancer: { simple: 'LEAST_REQUEST' }, connectionPool: { tcp: { maxConnections: 100 } } };
  const subset: Subset = { name: 'v2', labels: { version: 'v2' }, trafficPolicy };
  const dr: DestinationRule = {
    apiVersion: 'networking.istio.io/v1beta1',
    kind: 'DestinationRule',
    metadata: { name: 'reviews' },
    spec: { host: 'reviews', trafficPolicy, subsets: [subset] },
  };
  const gw: Gateway = {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'Gateway',
    metadata: { name: 'gw' },
    spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] },
  };
  const ap: AuthorizationPolicy = {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { name: 'deny' },
    spec: { action: 'DENY', rules: [{ from: [{ source: { namespaces: ['other'] } }] }] },
  };
  const seSpec: ServiceEntrySpec = { hosts: ['api.example.com'], resolution: 'DNS', ports: [{ number: 443, name: 'https', protocol: 'TLS' }] };
  const se: ServiceEntry = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'api' }, spec: seSpec };

  it.each<[string, IstioResource]>([
    ['VirtualService', vs],
    ['DestinationRule', dr],
    ['Gateway', gw],
    ['AuthorizationPolicy', ap],
    ['ServiceEntry', se],
  ])('a typed %s passes structural validation', (_kind, res) => {
    const slash = res.apiVersion.lastIndexOf('/');
    const gvk = { group: res.apiVersion.slice(0, slash), version: res.apiVersion.slice(slash + 1), kind: res.kind };
    expect(validateStructural(gvk, res)).toEqual({ errors: [], warnings: [] });
    expect(validateResource(res).errors).toEqual([]);
  });

  it('narrows on kind and rejects wrong literals at compile time', () => {
    const kinds: IstioKind[] = [vs.kind, dr.kind, gw.kind];
    expect(kinds).toEqual(['VirtualService', 'DestinationRule', 'Gateway']);
    // @ts-expect-error resolution is an enum of string literals
    const badResolution: ServiceEntrySpec = { hosts: ['a'], resolution: 'FOO' };
    // @ts-expect-error hosts is required
    const noHosts: ServiceEntrySpec = { resolution: 'DNS' };
    // @ts-expect-error apiVersion is a union of the served group/versions
    const badVersion: VirtualService = { ...vs, apiVersion: 'networking.istio.io/v2' };
    expect([badResolution, noHosts, badVersion]).toHaveLength(3);
  });
});
