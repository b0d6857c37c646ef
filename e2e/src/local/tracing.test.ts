// Distributed tracing as Istio's "Zipkin" task shows it, on one `weftctl up`: a real Zipkin server
// (its exec jar from Maven Central, run with the machine's Java), a MeshConfig file naming it as an
// extension provider (weftd --mesh-config), a ServiceEntry registering it in istio-system and a
// mesh-wide Telemetry sampling 100%. A product page asked through the ingress gateway as jason
// (reviews v2, which calls ratings) must come back as one trace in Zipkin's API: spans from every
// proxy hop, parent / child links that close, Envoy's and Istio's tags on each span.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/repo.js';
import { freePort } from '@weft/shared/node';
import { waitUntil } from './harness/wait-until.js';
import { startUpMesh, stopUpMesh, type UpMesh } from './harness/weftctl-up.js';
import { findJava, startZipkin, zipkinJar, ZIPKIN_VERSION, type ZipkinServer, type ZipkinSpan } from './harness/zipkin-server.js';

const GATEWAY_URL = 'http://127.0.10.100:8080/productpage';
const ZIPKIN_HOST = 'zipkin.istio-system.svc.cluster.local';

const java = findJava();
if (java === undefined) console.log(`SKIP tracing e2e: no java binary (JAVA_HOME or PATH); Zipkin ${ZIPKIN_VERSION} needs Java 17+`);

/** The mesh config weftd reads: Istio's zipkin extension provider, by its registry name. */
const MESH_CONFIG = `# Istio's MeshConfig (the istio ConfigMap's mesh key)
extensionProviders:
- name: zipkin
  zipkin:
    service: ${ZIPKIN_HOST}
    port: 9411
`;

/** Zipkin as a service of the registry (Istio's addon Service), tracing on for the whole mesh, and
 *  reviews v2 for everyone (it calls ratings). In the config directory from the start: connections
 *  opened before a Telemetry change keep their listener's old filter chain until it drains (see
 *  docs/architecture/proxy.md, "Tracing"), so a mesh traced from its first request is the clear case. */
const tracingConfig = (zipkinPort: number): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: zipkin
  namespace: istio-system
spec:
  hosts: [${ZIPKIN_HOST}]
  location: MESH_INTERNAL
  resolution: STATIC
  ports:
  - number: 9411
    name: http-query
    protocol: HTTP
    targetPort: ${zipkinPort}
  endpoints:
  - address: 127.0.0.1
---
apiVersion: telemetry.istio.io/v1
kind: Telemetry
metadata:
  name: mesh-default
  namespace: istio-system
spec:
  tracing:
  - providers:
    - name: zipkin
    randomSamplingPercentage: 100
    customTags:
      e2e:
        literal:
          value: tracing
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: reviews
  namespace: default
spec:
  hosts: [reviews]
  http:
  - route:
    - destination:
        host: reviews
        subset: v2
`;

/** weftctl up's own seed (the bookinfo sample's config), which a non-empty config directory skips. */
function bookinfoConfig(): Record<string, string> {
  const dir = join(REPO_ROOT, 'packages', 'sample-bookinfo', 'config');
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** Whether something accepts connections on host:port. */
const listening = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

let zipkin: ZipkinServer | undefined;
let mesh: UpMesh | undefined;
let dir = '';

/** Envoy's tags (finalizeDownstreamSpan, setCommonTags) and Istio's (buildServiceTags), on every span of a hop. */
const HOP_TAGS = [
  'component',
  'node_id',
  'guid:x-request-id',
  'http.url',
  'http.method',
  'http.status_code',
  'http.protocol',
  'upstream_cluster',
  'upstream_cluster.name',
  'downstream_cluster',
  'user_agent',
  'peer.address',
  'response_flags',
  'request_size',
  'response_size',
  'istio.canonical_service',
  'istio.mesh_id',
  'istio.namespace',
  'e2e',
];

beforeAll(async () => {
  if (java === undefined) return;
  dir = mkdtempSync(join(tmpdir(), 'weft-e2e-tracing-'));
  const started = Date.now();
  const jar = await zipkinJar();
  const zipkinPort = await freePort();
  zipkin = await startZipkin(java, jar, zipkinPort);
  console.log(`zipkin ${ZIPKIN_VERSION} up on :${zipkinPort} in ${Date.now() - started} ms (jar ${jar})`);
  const meshFile = join(dir, 'mesh.yaml');
  writeFileSync(meshFile, MESH_CONFIG);
  // Every `weftctl up` binds the same addresses: wait for another e2e file's mesh to go first.
  await waitUntil('no other local mesh on 127.0.10.100:8080', async () => !(await listening('127.0.10.100', 8080)), { timeoutMs: 300_000, intervalMs: 1000 });
  mesh = await startUpMesh('weft-e2e-tracing-', 120_000, { WEFT_WEFTD_MESH_CONFIG: meshFile }, { ...bookinfoConfig(), 'tracing.yaml': tracingConfig(zipkinPort) });
}, 600_000);

afterAll(async () => {
  await stopUpMesh(mesh);
  await zipkin?.stop();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** Waits until Zipkin holds a trace with at least `min` spans and no more arrive for a moment. */
async function settledTrace(find: () => Promise<ZipkinSpan[]>, min: number): Promise<ZipkinSpan[]> {
  let last: ZipkinSpan[] = [];
  return waitUntil(
    `a trace of ${min}+ spans in Zipkin`,
    async () => {
      const spans = await find();
      const settled = spans.length >= min && spans.length === last.length;
      last = spans;
      return settled ? spans : false;
    },
    { timeoutMs: 20_000, intervalMs: 500, describe: () => `${last.length} spans so far:\n${last.map((s) => `${service(s)} ${s.kind} ${s.name} ${s.id}<-${s.parentId ?? '-'}`).join('\n')}` },
  );
}

const service = (s: ZipkinSpan): string => s.localEndpoint?.serviceName ?? '';

describe.skipIf(java === undefined)('tracing through the bookinfo mesh into Zipkin', () => {
  it('one request through the gateway is one trace: every hop, closed parent links, Istio tags', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const callerSpan = randomUUID().replace(/-/g, '').slice(0, 16);
    const res = await fetch(GATEWAY_URL, { headers: { cookie: 'user=jason', traceparent: `00-${traceId}-${callerSpan}-01` }, signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    expect(res.status, body.slice(0, 500)).toBe(200);
    expect(body).toContain('stars'); // reviews v2 asked ratings

    const spans = await settledTrace(() => (zipkin as ZipkinServer).trace(traceId), 9);
    const summary = spans.map((s) => `${service(s)} ${s.kind} ${s.name} ${s.id}<-${s.parentId ?? '-'}`).join('\n');
    console.log(`trace ${traceId} in Zipkin:\n${summary}`);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));

    // Every proxy hop reported: the gateway (server + upstream span), each sidecar's server span, and a
    // client span per call a bookinfo app made (productpage → details, reviews; reviews → ratings).
    const kinds = (svc: string) => spans.filter((s) => service(s) === svc).map((s) => s.kind).sort();
    expect(kinds('istio-ingressgateway.istio-system'), summary).toEqual(['CLIENT', 'SERVER']);
    expect(kinds('productpage-v1.default'), summary).toEqual(['CLIENT', 'CLIENT', 'SERVER']);
    expect(kinds('details-v1.default'), summary).toEqual(['SERVER']);
    expect(kinds('reviews-v2.default'), summary).toEqual(['CLIENT', 'SERVER']);
    expect(kinds('ratings-v1.default'), summary).toEqual(['SERVER']);
    expect(spans, summary).toHaveLength(9);

    // Parent links close: the gateway's span hangs off the caller's; every other span's parent is in
    // the trace; a server span's parent is the client span of the hop before it, named alike (the
    // route decorator travels in x-envoy-decorator-operation); a client span's parent is the server
    // span of the same workload (the app passed the context on).
    const byId = new Map(spans.map((s) => [s.id, s]));
    for (const s of spans) {
      if (service(s) === 'istio-ingressgateway.istio-system' && s.kind === 'SERVER') {
        expect(s.parentId, summary).toBe(callerSpan);
        continue;
      }
      const parent = byId.get(s.parentId ?? '');
      expect(parent, `${service(s)} ${s.kind}: parent ${s.parentId ?? '-'} not in the trace\n${summary}`).toBeDefined();
      if (!parent) continue;
      if (s.kind === 'SERVER') {
        expect(parent.kind, summary).toBe('CLIENT');
        if (!(parent.name ?? '').startsWith('router ')) expect(s.name, summary).toBe(parent.name);
      } else {
        expect(parent.kind, summary).toBe('SERVER');
        expect(service(parent), summary).toBe(service(s));
      }
    }
    const ratings = spans.find((s) => service(s) === 'ratings-v1.default') as ZipkinSpan;
    expect(service(byId.get(byId.get(ratings.parentId ?? '')?.parentId ?? '') as ZipkinSpan), summary).toBe('reviews-v2.default');

    // Tags: Envoy's and Istio's on every hop's span (the gateway's upstream span has Envoy's router subset).
    const requestIds = new Set<string>();
    for (const s of spans.filter((x) => !(x.name ?? '').startsWith('router '))) {
      const tags = s.tags ?? {};
      for (const tag of HOP_TAGS) expect(tags[tag], `${service(s)} ${s.kind} lacks ${tag}: ${JSON.stringify(tags)}`).toBeDefined();
      expect(tags.component).toBe('proxy');
      expect(tags['http.method']).toBe('GET');
      expect(tags['http.status_code']).toBe('200');
      expect(tags.response_flags).toBe('-');
      expect(tags.e2e).toBe('tracing');
      expect(tags['istio.namespace']).toBe(service(s).split('.')[1]);
      expect(tags.error).toBeUndefined();
      requestIds.add(tags['guid:x-request-id'] ?? '');
    }
    // One x-request-id for the whole request, as the apps pass it on.
    expect(requestIds.size, summary).toBe(1);
    const gateway = spans.find((s) => service(s) === 'istio-ingressgateway.istio-system' && s.kind === 'SERVER') as ZipkinSpan;
    expect(gateway.tags?.['http.url']).toBe('http://127.0.10.100:8080/productpage');
    expect(gateway.tags?.['istio.canonical_service']).toBe('istio-ingressgateway');
    expect(spans.find((s) => service(s) === 'reviews-v2.default' && s.kind === 'SERVER')?.tags?.['istio.canonical_service']).toBe('reviews');
  });

  it('a request without trace headers starts a trace at the gateway', async () => {
    const marker = randomUUID();
    const url = `${GATEWAY_URL}?trace=${marker}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    expect(res.status).toBe(200);
    const found = await waitUntil(
      'the trace of the unmarked request',
      async () => {
        const traces = await (zipkin as ZipkinServer).traces({ annotationQuery: `http.url=${url}`, limit: '5', lookback: '600000' });
        return traces[0];
      },
      { timeoutMs: 20_000, intervalMs: 500 },
    );
    const root = found.find((s) => s.parentId === undefined);
    expect(service(root as ZipkinSpan)).toBe('istio-ingressgateway.istio-system');
    expect(root?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
