// What is Weft's own in an injection (weft-proxy's command line and environment, options, errors)
// and the kinds kube-inject accepts. Istio's semantics are pinned by istio-goldens.test.ts.

import { describe, expect, it } from 'vitest';
import { createInjectOptions } from './inject-options.js';
import { injectObject } from './inject-object.js';
import { injectPod } from './inject-pod.js';
import type { Container, Pod } from './kube-types.js';
import { strategicMerge } from './strategic-merge.js';

const options = createInjectOptions();
const pod = (annotations: Record<string, string> = {}, extra: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'web-0', namespace: 'shop', labels: { app: 'web', version: 'v2' }, annotations },
  spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 8080 }], readinessProbe: { httpGet: { path: '/ready', port: 8080 } } }], ...extra },
});
const inject = (p: Pod, o = options): Pod => {
  const r = injectPod({ pod: p, deployMeta: { name: 'web', namespace: 'shop' }, typeMeta: { apiVersion: 'apps/v1', kind: 'StatefulSet' } }, o);
  if (!r.ok) throw r.error;
  return r.pod;
};
const proxyOf = (p: Pod): Container => [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].find((c) => c.name === 'istio-proxy') as Container;
const envOf = (c: Container): Map<string, string | undefined> => new Map((c.env ?? []).map((e) => [e.name, e.value]));

describe('injectPod (Weft specifics)', () => {
  it("runs weft-proxy with what it needs to find weftd, its CA and the mesh's files", () => {
    const proxy = proxyOf(inject(pod()));
    expect(proxy.image).toBe(options.proxyImage);
    expect(proxy.args).toEqual([
      '--mode', 'sidecar',
      '--domain', '$(POD_NAMESPACE).svc.cluster.local',
      '--discovery-address', 'istiod.istio-system.svc:15010',
      '--ca-root-cert', '/var/run/secrets/istio/root-cert.pem',
      '--token-file', '/var/run/secrets/tokens/istio-token',
      '--log-level', 'warning',
      '--merged-metrics-port', '15020',
    ]);
    expect(JSON.parse(envOf(proxy).get('ISTIO_METAJSON_LABELS') ?? '')).toEqual({ app: 'web', version: 'v2', 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'web', 'service.istio.io/canonical-revision': 'v2' });
  });

  it("caps weft-proxy's young generation through NODE_OPTIONS, unless the pod's istio-proxy sets its own", () => {
    expect(envOf(proxyOf(inject(pod()))).get('NODE_OPTIONS')).toBe('--max-semi-space-size=1 --v8-pool-size=1');
    const own = pod({}, { containers: [...(pod().spec?.containers ?? []), { name: 'istio-proxy', env: [{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=4' }] }] });
    const env = (proxyOf(inject(own)).env ?? []).filter((e) => e.name === 'NODE_OPTIONS');
    expect(env).toEqual([{ name: 'NODE_OPTIONS', value: '--max-semi-space-size=4' }]);
  });

  it('names istiod by revision and namespace, and takes explicit addresses and images', () => {
    const proxy = proxyOf(inject(pod({ 'sidecar.istio.io/logLevel': 'debug' }), createInjectOptions({ revision: 'canary', istioNamespace: 'mesh', clusterDomain: 'corp.local' })));
    expect(envOf(proxy).get('CA_ADDR')).toBe('istiod-canary.mesh.svc:15012');
    expect(proxy.args).toContain('istiod-canary.mesh.svc:15010');
    expect(proxy.args).toContain('$(POD_NAMESPACE).svc.corp.local');
    expect(proxy.args?.[proxy.args.indexOf('--log-level') + 1]).toBe('debug');
    const custom = inject(pod({ 'sidecar.istio.io/proxyImage': 'registry.local/weft/proxy:dev' }), createInjectOptions({ caAddress: 'weftd.weft:15012', discoveryAddress: 'weftd.weft:15010', trustDomain: 'example.org' }));
    expect(proxyOf(custom).image).toBe('registry.local/weft/proxy:dev');
    expect(custom.spec?.initContainers?.[0]?.image).toBe('registry.local/weft/proxy:dev');
    expect(envOf(proxyOf(custom)).get('CA_ADDR')).toBe('weftd.weft:15012');
    expect(envOf(proxyOf(custom)).get('TRUST_DOMAIN')).toBe('example.org');
    expect(proxyOf(custom).args).toContain('weftd.weft:15010');
  });

  it('leaves app probes alone unless asked (weft-proxy does not serve /app-health yet)', () => {
    expect(inject(pod()).spec?.containers?.[0]?.readinessProbe).toEqual({ httpGet: { path: '/ready', port: 8080 } });
    const rewritten = inject(pod({ 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' }));
    expect(rewritten.spec?.containers?.[0]?.readinessProbe).toEqual({ httpGet: { path: '/app-health/web/readyz', port: 15020 } });
    expect(JSON.parse(envOf(proxyOf(rewritten)).get('ISTIO_KUBE_APP_PROBERS') ?? '')).toEqual({ '/app-health/web/readyz': { httpGet: { path: '/ready', port: 8080 } } });
  });

  it('holds the app until the proxy is ready with a postStart hook weft-proxy can run', () => {
    const p = inject(pod({ 'sidecar.istio.io/nativeSidecar': 'false' }), createInjectOptions({ holdApplicationUntilProxyStarts: true }));
    expect(p.spec?.containers?.map((c) => c.name)).toEqual(['istio-proxy', 'web']);
    const hook = p.spec?.containers?.[0]?.lifecycle?.postStart?.exec as { command: string[] };
    expect(hook.command.slice(0, 2)).toEqual(['node', '-e']);
    expect(hook.command[2]).toContain('http://127.0.0.1:15021/healthz/ready');
  });

  it('adds no init container with interception NONE (not native)', () => {
    const p = inject(pod({ 'sidecar.istio.io/interceptionMode': 'NONE', 'sidecar.istio.io/nativeSidecar': 'false' }));
    expect(p.spec?.initContainers).toEqual([]);
    expect(p.spec?.containers?.map((c) => c.name)).toEqual(['web', 'istio-proxy']);
  });

  it('injects a gateway with the gateway template: weft-proxy as router, no capture', () => {
    const gw: Pod = { metadata: { labels: { istio: 'ingressgateway' }, annotations: { 'inject.istio.io/templates': 'gateway' } }, spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] } };
    const p = inject(gw);
    expect(p.spec?.initContainers).toBeUndefined();
    expect(p.spec?.containers?.map((c) => c.name)).toEqual(['istio-proxy']);
    expect(proxyOf(p).args?.slice(0, 2)).toEqual(['--mode', 'router']);
    expect(proxyOf(p).image).toBe(options.proxyImage);
    expect(p.spec?.securityContext).toEqual({ sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] });
    expect(p.metadata?.labels?.['security.istio.io/tlsMode']).toBeUndefined();
  });

  it.each([
    ['an unknown template', pod({ 'inject.istio.io/templates': 'grpc-agent' }), 'WEFT_ERR_INJECT_UNKNOWN_TEMPLATE', 'requested template "grpc-agent" not found; have gateway, sidecar'],
    ['a proxy config that is not YAML', pod({ 'proxy.istio.io/config': 'a: [' }), 'WEFT_ERR_INJECT_BAD_ANNOTATION', 'proxy.istio.io/config'],
    ['a proxy config with a bad interception mode', pod({ 'proxy.istio.io/config': 'interceptionMode: BRIDGE' }), 'WEFT_ERR_INJECT_BAD_ANNOTATION', 'interceptionMode must be one of'],
    ['a bad user volume', pod({ 'sidecar.istio.io/userVolume': '[1]' }), 'WEFT_ERR_INJECT_BAD_ANNOTATION', 'userVolume invalid'],
    ['a bad interception mode', pod({ 'sidecar.istio.io/interceptionMode': 'redirect' }), 'WEFT_ERR_INJECT_BAD_ANNOTATION', 'interceptionMode invalid'],
    ['a bad status port', pod({ 'status.sidecar.istio.io/port': '70000' }), 'WEFT_ERR_INJECT_BAD_ANNOTATION', 'statusPort invalid'],
    ['containers that are not a list', { metadata: {}, spec: { containers: {} } } as unknown as Pod, 'WEFT_ERR_INJECT_BAD_OBJECT', 'spec.containers is not a list'],
    ['no spec', { metadata: {} }, 'WEFT_ERR_INJECT_BAD_OBJECT', 'spec is missing'],
  ])('fails clearly on %s', (_what, p, code, message) => {
    const r = injectPod({ pod: p, deployMeta: { name: 'x', namespace: '' }, typeMeta: { apiVersion: 'v1', kind: 'Pod' } }, options);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe(code);
      expect(r.error.message).toContain(message);
    }
  });

  it('does not modify its input', () => {
    const input = pod();
    const copy = structuredClone(input);
    inject(input);
    expect(input).toEqual(copy);
  });
});

describe('injectObject (kube-inject)', () => {
  const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } } };

  it('injects every workload of a List and leaves other kinds alone', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } };
    const r = injectObject({ apiVersion: 'v1', kind: 'List', items: [service, deployment] }, options);
    if (!r.ok) throw r.error;
    const items = (r.object as { items: Record<string, unknown>[] }).items;
    expect(items[0]).toEqual(service);
    const template = (items[1] as typeof deployment).spec.template as { spec: Pod['spec'] };
    expect(template.spec?.initContainers?.map((c) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(envOf(proxyOf(template as Pod)).get('ISTIO_META_OWNER')).toBe('kubernetes://apis/apps/v1/namespaces/shop/deployments/web');
  });

  it('reports skips instead of injecting', () => {
    const off = structuredClone(deployment);
    (off.spec.template.metadata as { annotations?: Record<string, string> }).annotations = { 'sidecar.istio.io/inject': 'false' };
    const r = injectObject(off, options);
    expect(r.ok && r.object).toEqual(off);
    expect(r.ok && r.skipped[0]).toMatch(/Skipping injection because Deployment "shop\/web" has sidecar injection disabled/);
    const host = structuredClone(deployment);
    (host.spec.template.spec as { hostNetwork?: boolean }).hostNetwork = true;
    const h = injectObject(host, options);
    expect(h.ok && h.skipped[0]).toBe('Skipping injection because Deployment "shop/web" has host networking enabled');
  });

  it.each([
    ['a workload without a template', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: {} }, 'spec.template is required value'],
    ['a CronJob without a job template', { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: {} }, 'spec.jobTemplate.spec.template is required value'],
    ['not an object', 'kind: Pod', 'not a Kubernetes object'],
  ])('fails on %s', (_what, object, message) => {
    const r = injectObject(object, options);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(message);
  });
});

describe('strategicMerge', () => {
  it('merges containers by name, env by name and keeps the server-only items after the new ones', () => {
    const target = { spec: { containers: [{ name: 'app', env: [{ name: 'A', value: '1' }] }], volumes: [{ name: 'data', emptyDir: {} }] } };
    const patch = { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '2' }, { name: 'A', value: '3' }] }, { name: 'istio-proxy' }], volumes: [{ name: 'istio-envoy' }] } };
    expect(strategicMerge(target, patch)).toEqual({
      spec: {
        containers: [{ name: 'app', env: [{ name: 'B', value: '2' }, { name: 'A', value: '3' }] }, { name: 'istio-proxy' }],
        volumes: [{ name: 'istio-envoy' }, { name: 'data', emptyDir: {} }],
      },
    });
  });

  it('replaces lists without a merge key and deletes keys set to null', () => {
    expect(strategicMerge({ spec: { containers: [{ name: 'a', args: ['x', 'y'], tty: true }] } }, { spec: { containers: [{ name: 'a', args: ['z'], tty: null }] } })).toEqual({ spec: { containers: [{ name: 'a', args: ['z'] }] } });
  });
});
