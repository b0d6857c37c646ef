// AuthorizationPolicy enforced end to end, measured: reviews runs behind its own weft-proxy; policies
// written into weftd's config directory reach that sidecar's inbound listener as RBAC filters (and only
// that proxy: the client's config does not change), and the client sees Envoy's 403
// `RBAC: access denied` for denied requests while the app never sees them. Principals and namespaces
// need mTLS between the proxies and are not exercised here.
//
// A policy change replaces the inbound filter chain; connections the client's proxy already holds to
// the sidecar keep the old chain until they drain (as in Envoy, whose drained connections also finish
// under the old filters). The sidecar drains in 1 s here, and each test first waits until the new
// policy is in force on every pooled connection, then measures.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad, type LoadReport } from './harness/load.js';
import { sleep, waitUntil } from './harness/wait-until.js';
import { authorizationPolicy, subsetsByVersion, virtualService, type MeshResource } from './harness/mesh-config.js';
import { useLocalMesh, type LocalMesh } from './harness/local-mesh.js';

const mesh = useLocalMesh({
  scenario: 'authorization',
  services: [{ name: 'reviews', versions: ['v1'], sidecar: true, sidecarDrainDuration: '1s' }],
  routing: (m) => [subsetsByVersion('reviews', m.namespace, ['v1']), virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] })],
});

const POLICY_FILE = 'authorization.yaml';

/** Writes the policies file and waits until the reviews sidecar runs it. A policy selecting reviews
 *  alone must not reach the client's proxy (RBAC filters sit on the selected workload's inbound
 *  listeners only): its config must not change. A namespace-wide one selects the client too. */
async function applyPolicies(m: LocalMesh, policies: readonly MeshResource[], inForce: readonly Probe[], scope: 'reviews' | 'namespace' = 'reviews'): Promise<void> {
  const sidecar = m.sidecars.get('reviews/v1');
  if (!sidecar) throw new Error('no reviews sidecar');
  const clientBefore = await m.proxy.versions();
  await m.applyFile(POLICY_FILE, policies, { proxy: sidecar });
  if (scope === 'reviews') expect(await m.proxy.versions(), 'the client proxy is not affected by a policy selecting reviews').toBe(clientBefore);
  else await m.waitForSync();
  // Connections of the replaced chain are closed after the sidecar's 1 s drain; then every pooled
  // connection answers per the new policy.
  await sleep(1_200);
  let last = '';
  await waitUntil(
    'the new policy to be in force on every connection',
    async () => {
      const reports = await send(m, inForce, 10);
      last = reports.map(describeReport).join(' / ');
      return reports.every((r, i) => r.byStatus[String(inForce[i]?.status)] === 10);
    },
    { timeoutMs: 15_000, intervalMs: 200, describe: () => last },
  );
  m.upstream('reviews', 'v1').seen.length = 0;
}

/** A request and the status the policy in force gives it. */
interface Probe {
  readonly path: string;
  readonly method?: string;
  readonly status: number;
}

/** Sends `count` requests per path (and method) through the client's proxy, interleaved. */
async function send(m: LocalMesh, requests: readonly { path: string; method?: string }[], count: number): Promise<LoadReport[]> {
  return Promise.all(requests.map((r) => runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: r.path, method: r.method ?? 'GET' }, count, { concurrency: 5 })));
}

const expectDenied = (report: LoadReport, count: number): void => {
  expect(report.byStatus, describeReport(report)).toEqual({ '403': count });
  // The body is the server sidecar's local reply, relayed by the client's proxy; Envoy sets no flag.
  expect(new Set(report.results.map((r) => r.detail))).toEqual(new Set(['RBAC: access denied']));
  expect(report.byFlag).toEqual({ '-': count });
};
const expectServed = (report: LoadReport, count: number): void => {
  expect(report.byStatus, describeReport(report)).toEqual({ '200': count });
  expect(report.byVersion).toEqual({ v1: count });
};

describe('AuthorizationPolicy on a sidecar (client proxy → reviews proxy inbound → app)', () => {
  it('DENY on a path: 403 RBAC: access denied for it, 200 for other paths; denied requests never reach the app', async () => {
    const m = mesh();
    const policy = authorizationPolicy('deny-admin', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, action: 'DENY', rules: [{ to: [{ operation: { paths: ['/admin', '/admin/*'] } }] }] });
    await applyPolicies(m, [policy], [{ path: '/admin/x', status: 403 }, { path: '/reviews/0', status: 200 }]);
    const app = m.upstream('reviews', 'v1');
    const [admin, adminSub, reviews] = await send(m, [{ path: '/admin' }, { path: '/admin/users' }, { path: '/reviews/1' }], 60);
    expectDenied(admin as LoadReport, 60);
    expectDenied(adminSub as LoadReport, 60);
    expectServed(reviews as LoadReport, 60);
    // Measured at the app: only the 60 allowed requests arrived.
    expect(app.seen.map((r) => r.path).filter((p) => p.startsWith('/admin'))).toEqual([]);
    expect(app.seen.filter((r) => r.path === '/reviews/1')).toHaveLength(60);
  });

  it('ALLOW methods GET: GET served, POST 403', async () => {
    const m = mesh();
    const policy = authorizationPolicy('allow-get', m.namespace, { selector: { matchLabels: { app: 'reviews' } }, action: 'ALLOW', rules: [{ to: [{ operation: { methods: ['GET'] } }] }] });
    await applyPolicies(m, [policy], [{ path: '/x', method: 'POST', status: 403 }, { path: '/admin', status: 200 }]);
    const app = m.upstream('reviews', 'v1');
    const [get, post] = await send(m, [{ path: '/reviews/2' }, { path: '/reviews/2', method: 'POST' }], 60);
    expectServed(get as LoadReport, 60);
    expectDenied(post as LoadReport, 60);
    expect(app.seen.map((r) => r.method)).toEqual(Array.from({ length: 60 }, () => 'GET'));
  });

  it('allow-nothing (spec: {}): every request 403, none reaches the app', async () => {
    const m = mesh();
    await applyPolicies(m, [authorizationPolicy('allow-nothing', m.namespace, {})], [{ path: '/x', status: 403 }], 'namespace');
    const app = m.upstream('reviews', 'v1');
    const [root, reviews, post] = await send(m, [{ path: '/' }, { path: '/reviews/3' }, { path: '/reviews/3', method: 'POST' }], 40);
    for (const r of [root, reviews, post]) expectDenied(r as LoadReport, 40);
    expect(app.seen).toHaveLength(0);
  });

  it('removing the policies restores 200 everywhere', async () => {
    const m = mesh();
    await applyPolicies(m, [], [{ path: '/x', method: 'POST', status: 200 }, { path: '/admin', status: 200 }], 'namespace');
    const app = m.upstream('reviews', 'v1');
    const reports = await send(m, [{ path: '/' }, { path: '/admin' }, { path: '/reviews/4', method: 'POST' }], 40);
    for (const r of reports) expectServed(r, 40);
    expect(app.seen).toHaveLength(120);
  });
});
