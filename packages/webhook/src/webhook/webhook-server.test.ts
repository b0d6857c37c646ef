// The webhook over real HTTPS (self-signed certificate, port 0): AdmissionReviews in, patches out,
// replayed with an applier of their own; skips, denials and malformed bodies; and the
// sidecar_injection_* metrics read back from the monitoring port after a known sequence.

import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInjectOptions } from '../inject/inject-options.js';
import { injectPod } from '../inject/inject-pod.js';
import { applyPatch } from '../inject/json-patch-apply.test-fixtures.js';
import type { Container, Pod } from '../inject/kube-types.js';
import { deployMetaFromPod } from '../inject/workload.js';
import { parseInjectorCommandLine, injectOptionsOf, type InjectorConfig } from '../config.js';
import { startInjector, type InjectorHandle } from '../bootstrap/start-injector.js';
import { createTestCert, type TestCert } from './tls.test-fixtures.js';

let cert: TestCert;
let injector: InjectorHandle;
let config: InjectorConfig;
const logs = new PassThrough();
const logLines: string[] = [];
logs.on('data', (c: Buffer) => logLines.push(...c.toString('utf8').split('\n').filter((l) => l !== '')));

beforeAll(async () => {
  cert = createTestCert();
  const parsed = parseInjectorCommandLine(['--port', '0', '--monitoring-port', '0', '--host', '127.0.0.1', '--tls-cert-file', cert.certFile, '--tls-key-file', cert.keyFile], {});
  if (!parsed.ok || parsed.action !== 'run') throw new Error(`config: ${JSON.stringify(parsed)}`);
  config = parsed.config;
  injector = await startInjector(config, { logStream: logs });
});
afterAll(async () => {
  await injector?.close();
  cert?.remove();
});

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function post(path: string, body: string | Buffer | undefined, contentType: string | undefined = 'application/json'): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: injector.port, path, method: 'POST', ca: cert.certPem, servername: 'localhost', headers: { ...(contentType ? { 'content-type': contentType } : {}), ...(body === undefined ? { 'content-length': '0' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, path: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    })
      .on('error', reject)
      .end();
  });
}

const POD: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'reviews-v1-7d8f9c5b6-',
    labels: { app: 'reviews', version: 'v1', 'pod-template-hash': '7d8f9c5b6' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'reviews-v1-7d8f9c5b6', controller: true }],
    managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }],
  },
  spec: {
    serviceAccountName: 'bookinfo-reviews',
    containers: [{ name: 'reviews', image: 'docker.io/istio/examples-bookinfo-reviews-v1:1.20.2', ports: [{ containerPort: 9080 }], readinessProbe: { httpGet: { path: '/health', port: 9080 } } }],
  },
};

function review(pod: unknown, uid = 'c0ffee-1', apiVersion = 'admission.k8s.io/v1', namespace = 'bookinfo'): string {
  return JSON.stringify({
    apiVersion,
    kind: 'AdmissionReview',
    request: { uid, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace, operation: 'CREATE', object: pod },
  });
}

interface ReviewResponse {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { message: string } };
}

const decodePatch = (r: ReviewResponse): { op: string; path: string; value?: unknown }[] => JSON.parse(Buffer.from(r.response.patch ?? '', 'base64').toString('utf8')) as { op: string; path: string; value?: unknown }[];

async function metric(name: string): Promise<number> {
  const text = (await get(injector.monitoringPort, '/metrics')).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

const COUNTERS = ['sidecar_injection_requests_total', 'sidecar_injection_success_total', 'sidecar_injection_skip_total', 'sidecar_injection_failure_total'] as const;
async function counters(): Promise<Record<(typeof COUNTERS)[number] | 'sidecar_injection_time_seconds_count', number>> {
  const out = {} as Record<string, number>;
  for (const n of [...COUNTERS, 'sidecar_injection_time_seconds_count']) out[n] = await metric(n);
  return out as Record<(typeof COUNTERS)[number] | 'sidecar_injection_time_seconds_count', number>;
}

describe('weft-injector webhook over HTTPS', () => {
  it('injects a pod: same uid, JSONPatch that turns the pod into the injected pod', async () => {
    const res = await post('/inject', review(POD));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body) as ReviewResponse;
    expect(body).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'c0ffee-1', allowed: true, patchType: 'JSONPatch' } });
    const patched = applyPatch(POD, decodePatch(body)) as Pod;
    // The same as injecting directly, with the namespace the request carried.
    const direct = structuredClone(POD);
    direct.metadata = { ...direct.metadata, namespace: 'bookinfo' };
    delete direct.metadata.managedFields;
    const expected = injectPod({ pod: direct, ...deployMetaFromPod(direct) }, injectOptionsOf(config));
    if (!expected.ok) throw expected.error;
    expect({ ...patched, metadata: { ...patched.metadata, namespace: 'bookinfo', managedFields: undefined } }).toEqual({ ...expected.pod, metadata: { ...expected.pod.metadata, managedFields: undefined } });
    // What an Istio user looks for on the pod.
    const init = patched.spec?.initContainers ?? [];
    expect(init.map((c) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    const proxy = init[1] as Container;
    expect(proxy.restartPolicy).toBe('Always');
    expect(proxy.ports).toEqual([{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }]);
    expect(proxy.readinessProbe?.httpGet).toEqual({ path: '/healthz/ready', port: 15021 });
    const env = new Map((proxy.env ?? []).map((e) => [e.name, e.value]));
    expect(env.get('ISTIO_META_WORKLOAD_NAME')).toBe('reviews-v1');
    expect(env.get('ISTIO_META_OWNER')).toBe('kubernetes://apis/apps/v1/namespaces/bookinfo/deployments/reviews-v1');
    expect(env.get('CA_ADDR')).toBe('istiod.istio-system.svc:15012');
    expect(JSON.parse(env.get('ISTIO_METAJSON_LABELS') ?? '{}')).toMatchObject({ app: 'reviews', 'security.istio.io/tlsMode': 'istio' });
    expect(patched.metadata?.labels).toMatchObject({ 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'reviews', 'service.istio.io/canonical-revision': 'v1' });
    expect(patched.metadata?.annotations).toMatchObject({ 'istio.io/rev': 'default', 'kubectl.kubernetes.io/default-container': 'reviews', 'prometheus.io/port': '15020' });
    expect(JSON.parse(patched.metadata?.annotations?.['sidecar.istio.io/status'] ?? '{}')).toMatchObject({ initContainers: ['istio-init', 'istio-proxy'], containers: null, revision: 'default' });
    // Probes are left alone by default: weft-proxy does not serve /app-health yet.
    expect(patched.spec?.containers?.[0]?.readinessProbe).toEqual({ httpGet: { path: '/health', port: 9080 } });
    // The patch never touches managedFields.
    expect(decodePatch(body).some((op) => op.path.startsWith('/metadata/managedFields'))).toBe(false);
  });

  it('answers a v1beta1 review in v1beta1', async () => {
    const body = JSON.parse((await post('/inject', review(POD, 'b1', 'admission.k8s.io/v1beta1'))).body) as ReviewResponse;
    expect(body.apiVersion).toBe('admission.k8s.io/v1beta1');
    expect(body.response).toMatchObject({ uid: 'b1', allowed: true, patchType: 'JSONPatch' });
  });

  it('takes proxy environment from the path, as Istio: /inject/cluster/<id>/net/<network>', async () => {
    const body = JSON.parse((await post('/inject/cluster/east/net/network--slash--1', review(POD, 'p1'))).body) as ReviewResponse;
    const patched = applyPatch(POD, decodePatch(body)) as Pod;
    const proxy = patched.spec?.initContainers?.find((c) => c.name === 'istio-proxy');
    const env = new Map((proxy?.env ?? []).map((e) => [e.name, e.value]));
    expect(env.get('ISTIO_META_CLUSTER_ID')).toBe('east');
    expect(env.get('ISTIO_META_NETWORK')).toBe('network/1');
    expect(patched.metadata?.labels?.['topology.istio.io/network']).toBe('network/1');
  });

  it.each([
    ['pod label sidecar.istio.io/inject=false', { ...POD, metadata: { ...POD.metadata, labels: { ...POD.metadata?.labels, 'sidecar.istio.io/inject': 'false' } } }, 'bookinfo'],
    ['pod annotation sidecar.istio.io/inject=false', { ...POD, metadata: { ...POD.metadata, annotations: { 'sidecar.istio.io/inject': 'false' } } }, 'bookinfo'],
    ['host network', { ...POD, spec: { ...POD.spec, hostNetwork: true } }, 'bookinfo'],
    ['kube-system', POD, 'kube-system'],
  ])('skips (%s): allowed, no patch', async (_what, pod, namespace) => {
    const body = JSON.parse((await post('/inject', review(pod, 'skip-1', 'admission.k8s.io/v1', namespace))).body) as ReviewResponse;
    expect(body.response).toEqual({ uid: 'skip-1', allowed: true });
  });

  it('denies a pod whose annotations Istio rejects, with the reason and the uid', async () => {
    const pod = { ...POD, metadata: { ...POD.metadata, annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/33' } } };
    const body = JSON.parse((await post('/inject', review(pod, 'bad-1'))).body) as ReviewResponse;
    expect(body.response.uid).toBe('bad-1');
    expect(body.response.allowed).toBe(false);
    expect(body.response.status?.message).toContain('includeIPRanges invalid');
    expect(body.response.patch).toBeUndefined();
  });

  it.each([
    ['no body', undefined, 'application/json', 400, /no body found/],
    ['a text/plain body', review(POD), 'text/plain', 415, /invalid Content-Type/],
  ])('answers %s with HTTP %#', async (_what, body, contentType, status, message) => {
    const res = await post('/inject', body, contentType);
    expect(res.status).toBe(status);
    expect(res.body).toMatch(message);
  });

  it.each([
    ['not JSON', '{"apiVersion": ', /could not decode body/],
    ['JSON but not an AdmissionReview', JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }), /not an AdmissionReview/],
    ['an AdmissionReview without request', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), /no request/],
    ['a request without object', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'u' } }), /no Pod in request.object/],
    ['an object that is no pod', review({ metadata: {}, spec: { containers: 'nope' } }), /spec.containers is not a list/],
    ['a Deployment', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'd', kind: { kind: 'Deployment' }, object: {} } }), /only handles Pods/],
  ])('denies %s with a message, never crashes', async (_what, body, message) => {
    const res = await post('/inject', body);
    expect(res.status).toBe(200);
    const r = JSON.parse(res.body) as ReviewResponse;
    expect(r.kind).toBe('AdmissionReview');
    expect(r.response.allowed).toBe(false);
    expect(r.response.status?.message).toMatch(message);
  });

  it('refuses a body over 6 MiB with 413', async () => {
    const res = await post('/inject', Buffer.alloc(6 * 1024 * 1024 + 10, 0x20));
    expect(res.status).toBe(413);
  });

  it('counts requests, successes, skips and failures as Istio, on the monitoring port', async () => {
    const before = await counters();
    // 2 injected, 1 skipped, 1 denied (bad annotation), 1 not JSON (denied), 1 no body (400), 1 wrong type (415).
    await post('/inject', review(POD, 'm1'));
    await post('/inject/cluster/c1', review(POD, 'm2'));
    await post('/inject', review({ ...POD, metadata: { ...POD.metadata, labels: { 'sidecar.istio.io/inject': 'false' } } }, 'm3'));
    await post('/inject', review({ ...POD, metadata: { ...POD.metadata, annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': 'x' } } }, 'm4'));
    await post('/inject', 'not json');
    await post('/inject', undefined);
    await post('/inject', review(POD), 'text/yaml');
    // Not the webhook's path: not counted.
    expect((await get(injector.monitoringPort, '/ready')).status).toBe(200);
    const after = await counters();
    const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k as keyof typeof before] ?? 0)]));
    expect(delta).toEqual({
      sidecar_injection_requests_total: 7,
      // Every AdmissionReview written: 2 patches + 1 skip + 2 denials.
      sidecar_injection_success_total: 5,
      sidecar_injection_skip_total: 1,
      // 2 denials + 2 HTTP errors.
      sidecar_injection_failure_total: 4,
      sidecar_injection_time_seconds_count: 7,
    });
    const text = (await get(injector.monitoringPort, '/metrics')).body;
    expect(text).toContain('# TYPE sidecar_injection_requests_total counter');
    expect(text).toContain('# TYPE sidecar_injection_time_seconds histogram');
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it('logs each decision as a JSON line', () => {
    const entries = logLines.map((l) => JSON.parse(l) as { component?: string; outcome?: string; msg?: string });
    expect(entries.some((e) => e.component === 'weft-injector' && e.outcome === 'injected' && /pod bookinfo\/reviews-v1-7d8f9c5b6-/.test(e.msg ?? ''))).toBe(true);
    expect(entries.some((e) => e.outcome === 'skipped')).toBe(true);
  });
});

describe('injectOptionsOf', () => {
  it('keeps Istio defaults except probe rewriting, which weft-proxy cannot serve yet', () => {
    const parsed = parseInjectorCommandLine(['--tls-cert-file', 'c', '--tls-key-file', 'k'], {});
    if (!parsed.ok || parsed.action !== 'run') throw new Error('parse');
    expect(injectOptionsOf(parsed.config)).toEqual(createInjectOptions());
  });
});
