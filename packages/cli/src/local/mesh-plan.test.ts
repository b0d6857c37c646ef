import { describe, expect, it } from 'vitest';
import { loadSources } from '@weft/shared/node';
import { packageDir } from './binaries.js';
import { gatewayArgs, planMesh, PROXY_CA_FLAGS_SUPPORTED, sampleEnv, sidecarArgs } from './mesh-plan.js';
import { resolveKinds } from './resource-kinds.js';
import { join } from 'node:path';

const we = (name: string, address: string, labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'WorkloadEntry',
  metadata: { name, ...extra },
  spec: { address, labels, serviceAccount: `sa-${name}` },
});

describe('planMesh', () => {
  it("plans the sample's six workloads on its address scheme, in file order", async () => {
    const loaded = await loadSources([join(packageDir('@weft/sample-bookinfo'), 'config')]);
    const plan = planMesh(loaded.documents.map((d) => d.value));
    expect(plan.skipped).toEqual([]);
    expect(plan.workloads.map((w) => [w.name, w.app, w.version, w.workloadAddress, w.appAddress, w.outboundAddress, w.serviceAccount])).toEqual([
      ['productpage-v1', 'productpage', 'v1', '127.0.10.1', '127.0.11.1', '127.0.12.1', 'bookinfo-productpage'],
      ['details-v1', 'details', 'v1', '127.0.10.2', '127.0.11.2', '127.0.12.2', 'bookinfo-details'],
      ['reviews-v1', 'reviews', 'v1', '127.0.10.3', '127.0.11.3', '127.0.12.3', 'bookinfo-reviews'],
      ['reviews-v2', 'reviews', 'v2', '127.0.10.4', '127.0.11.4', '127.0.12.4', 'bookinfo-reviews'],
      ['reviews-v3', 'reviews', 'v3', '127.0.10.5', '127.0.11.5', '127.0.12.5', 'bookinfo-reviews'],
      ['ratings-v1', 'ratings', 'v1', '127.0.10.6', '127.0.11.6', '127.0.12.6', 'bookinfo-ratings'],
    ]);
  });

  it.each([
    ['an app with no sample program', we('db', '127.0.10.7', { app: 'mysql' }), 'no sample program for app=mysql'],
    ['no app label', we('x', '127.0.10.7', {}), 'no sample program for app=(none)'],
    ['an address off the scheme', we('r', '10.0.0.1', { app: 'ratings' }), 'address 10.0.0.1 is not on the sample'],
    ["the gateway's address", we('r', '127.0.10.100', { app: 'ratings' }), 'address 127.0.10.100 is not on the sample'],
  ])('skips a WorkloadEntry with %s, saying why', (_, doc, reason) => {
    const plan = planMesh([doc]);
    expect(plan.workloads).toEqual([]);
    expect(plan.skipped[0]?.reason).toContain(reason);
  });

  it('skips a second WorkloadEntry on a taken address and ignores other kinds', () => {
    const plan = planMesh([{ kind: 'ServiceEntry' }, null, we('a', '127.0.10.9', { app: 'details' }), we('b', '127.0.10.9', { app: 'details' })]);
    expect(plan.workloads.map((w) => w.name)).toEqual(['a']);
    expect(plan.skipped).toEqual([{ name: 'b', reason: 'address 127.0.10.9 is already used by another WorkloadEntry' }]);
  });

  it('gives the proxy the identity of its WorkloadEntry, and the app its proxy', () => {
    const [w] = planMesh([we('reviews-v2', '127.0.10.4', { app: 'reviews', version: 'v2' }, { namespace: 'shop' })]).workloads;
    if (!w) throw new Error('no workload');
    const args = sidecarArgs(w, '127.0.0.1:15010');
    const flag = (name: string) => args[args.indexOf(name) + 1];
    expect([flag('--mode'), flag('--workload-name'), flag('--namespace'), flag('--labels'), flag('--service-account')]).toEqual(['sidecar', 'reviews-v2', 'shop', 'app=reviews,version=v2', 'sa-reviews-v2']);
    expect([flag('--workload-address'), flag('--app-address'), flag('--outbound-address'), flag('--discovery-address')]).toEqual(['127.0.10.4', '127.0.11.4', '127.0.12.4', '127.0.0.1:15010']);
    expect(sampleEnv(w, 40001)).toEqual({ WEFT_SAMPLE_ADDRESS: '127.0.11.4', WEFT_SAMPLE_PORT: '9080', WEFT_SAMPLE_VERSION: 'v2', WEFT_SAMPLE_POD_NAME: 'reviews-v2', WEFT_SAMPLE_PROXY: 'http://127.0.0.1:40001' });
  });

  it("labels the sample's workloads as having a sidecar (auto-mTLS), which the proxies pass on", async () => {
    const loaded = await loadSources([join(packageDir('@weft/sample-bookinfo'), 'config')]);
    const plan = planMesh(loaded.documents.map((d) => d.value));
    for (const w of plan.workloads) expect(w.labels['security.istio.io/tlsMode'], w.name).toBe('istio');
    const [w] = plan.workloads;
    if (!w) throw new Error('no workload');
    expect(sidecarArgs(w, '127.0.0.1:15010')[sidecarArgs(w, '127.0.0.1:15010').indexOf('--labels') + 1]).toContain('security.istio.io/tlsMode=istio');
  });

  it('gives a proxy its CA, trust anchor and token file when it has an identity, nothing otherwise', () => {
    const [w] = planMesh([we('ratings-v1', '127.0.10.6', { app: 'ratings' })]).workloads;
    if (!w) throw new Error('no workload');
    const identity = { caAddress: '127.0.0.1:15012', caRootCert: '/s/ca/root-cert.pem', tokenFile: '/s/workload-tokens/default.ratings-v1.token' };
    expect(sidecarArgs(w, '127.0.0.1:15010', identity).slice(-6)).toEqual(['--ca-address', '127.0.0.1:15012', '--ca-root-cert', '/s/ca/root-cert.pem', '--token-file', '/s/workload-tokens/default.ratings-v1.token']);
    expect(gatewayArgs('127.0.0.1:1', identity).slice(-6)).toEqual(['--ca-address', '127.0.0.1:15012', '--ca-root-cert', '/s/ca/root-cert.pem', '--token-file', '/s/workload-tokens/default.ratings-v1.token']);
    expect(sidecarArgs(w, '127.0.0.1:15010')).not.toContain('--ca-address');
    expect(typeof PROXY_CA_FLAGS_SUPPORTED).toBe('boolean');
  });

  it('runs the gateway as a router labelled istio=ingressgateway on 127.0.10.100', () => {
    const args = gatewayArgs('127.0.0.1:1');
    expect(args.slice(0, 2)).toEqual(['--mode', 'router']);
    expect(args[args.indexOf('--labels') + 1]).toBe('istio=ingressgateway,app=istio-ingressgateway');
    expect(args[args.indexOf('--workload-address') + 1]).toBe('127.0.10.100');
  });
});

describe('resolveKinds', () => {
  it.each([
    ['vs', ['VirtualService']],
    ['virtualservices', ['VirtualService']],
    ['VirtualService', ['VirtualService']],
    ['virtualservice.networking.istio.io', ['VirtualService']],
    ['dr,gw', ['DestinationRule', 'Gateway']],
    ['se', ['ServiceEntry']],
    ['we', ['WorkloadEntry']],
    ['sidecars', ['Sidecar']],
    ['ap', ['AuthorizationPolicy']],
  ])('%s', (name, kinds) => {
    expect(resolveKinds(name)).toEqual({ kinds: kinds.map((k) => expect.objectContaining({ kind: k })), unknown: [] });
  });

  it('names what it does not know', () => {
    expect(resolveKinds('vs,pods').unknown).toEqual(['pods']);
    expect(resolveKinds('all').kinds.length).toBeGreaterThan(10);
  });
});
