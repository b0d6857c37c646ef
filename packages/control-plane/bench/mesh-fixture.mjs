// The mesh the weftd benchmark runs against: N services (ServiceEntry + WorkloadEntries) spread over
// namespaces, a realistic mix of VirtualServices and DestinationRules, optional per-namespace Sidecar
// scoping, and one simulated proxy per WorkloadEntry. Pure data; writing files is weftd-bench.mjs's job.

/** @typedef {{ apiVersion: string, kind: string, metadata: { name: string, namespace: string }, spec: Record<string, unknown> }} Resource */
/** @typedef {{ nodeId: string, metadata: Record<string, unknown>, namespace: string }} SimulatedProxy */

const api = 'networking.istio.io/v1';
const res = (kind, name, namespace, spec) => ({ apiVersion: api, kind, metadata: { name, namespace }, spec });
const pad = (n, width) => String(n).padStart(width, '0');
/** A deterministic spread of features over services (Knuth's multiplicative hash), so that every
 *  namespace gets its share of each. @param {number} i */
const hash = (i) => Math.imul(i + 1, 2654435761) >>> 0;

/**
 * Builds the mesh. `services` services in `namespaces` namespaces (round robin), each with `replicas`
 * WorkloadEntries (labels app + version v1..vN, three zones). Every service serves HTTP on 8080; one in
 * five also gRPC on 9090; one in twenty TCP on 5432. 30% have a VirtualService (header canary route,
 * 90/10 weighted split, timeout, retries) and a DestinationRule with v1/v2 subsets (half of them with
 * connection pool + outlier detection, half ROUND_ROBIN); another 10% have a consistent-hash rule.
 * With `scope: 'namespace'` each namespace has a Sidecar importing itself and the next two namespaces
 * (Istio's advice for large meshes); with `scope: 'mesh'` every proxy sees every service.
 * @param {{ services?: number, namespaces?: number, replicas?: number, scope?: 'namespace' | 'mesh' }} [options]
 */
export function buildMesh(options = {}) {
  const services = options.services ?? 1000;
  const namespaceCount = options.namespaces ?? 50;
  const replicas = options.replicas ?? 2;
  const scope = options.scope ?? 'namespace';
  const nsName = (k) => `ns-${pad(k, 2)}`;
  /** @type {Map<string, { services: Resource[], traffic: Resource[], sidecar: Resource[] }>} */
  const files = new Map();
  /** @type {SimulatedProxy[]} */
  const proxies = [];
  /** @type {{ namespace: string, name: string, host: string }[]} */
  const virtualServices = [];
  /** @type {{ namespace: string, app: string, zone: string }[]} */
  const scalable = [];
  for (let k = 0; k < namespaceCount; k++) files.set(nsName(k), { services: [], traffic: [], sidecar: [] });
  for (let i = 0; i < services; i++) {
    const k = i % namespaceCount;
    const j = Math.floor(i / namespaceCount);
    const namespace = nsName(k);
    const app = `svc-${pad(j, 3)}`;
    const host = `${app}.${namespace}.svc.cluster.local`;
    const f = /** @type {NonNullable<ReturnType<typeof files.get>>} */ (files.get(namespace));
    const h = hash(i);
    const feature = h % 100;
    const ports = [{ number: 8080, name: 'http', protocol: 'HTTP' }];
    if ((h >>> 8) % 5 === 0) ports.push({ number: 9090, name: 'grpc', protocol: 'GRPC' });
    if ((h >>> 16) % 20 === 1) ports.push({ number: 5432, name: 'tcp-db', protocol: 'TCP' });
    f.services.push(res('ServiceEntry', app, namespace, { hosts: [host], location: 'MESH_INTERNAL', resolution: 'STATIC', ports, workloadSelector: { labels: { app } } }));
    for (let r = 0; r < replicas; r++) {
      const name = `${app}-v${r + 1}`;
      const addr = `10.${k}.${j}.${r + 1}`;
      const labels = { app, version: `v${r + 1}` };
      f.services.push(res('WorkloadEntry', name, namespace, { address: addr, labels, locality: `region-1/zone-${(i + r) % 3}`, serviceAccount: app }));
      proxies.push({
        nodeId: `sidecar~${addr}~${name}.${namespace}~${namespace}.svc.cluster.local`,
        namespace,
        metadata: { NAMESPACE: namespace, WORKLOAD_NAME: name, LABELS: labels, INSTANCE_IPS: addr, SERVICE_ACCOUNT: app, ISTIO_VERSION: '1.22.0' },
      });
    }
    scalable.push({ namespace, app, zone: `region-1/zone-${i % 3}` });
    if (feature < 30) {
      f.traffic.push(virtualService(app, namespace, 90));
      virtualServices.push({ namespace, name: app, host });
      const trafficPolicy =
        (h >>> 4) % 2 === 0
          ? { connectionPool: { tcp: { maxConnections: 100 }, http: { http1MaxPendingRequests: 100, maxRequestsPerConnection: 10 } }, outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s' } }
          : { loadBalancer: { simple: 'ROUND_ROBIN' } };
      f.traffic.push(res('DestinationRule', app, namespace, { host: app, trafficPolicy, subsets: [1, 2].map((v) => ({ name: `v${v}`, labels: { version: `v${v}` } })) }));
    } else if (feature < 40) {
      f.traffic.push(res('DestinationRule', app, namespace, { host: app, trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: 'x-user' } } } }));
    }
  }
  if (scope === 'namespace') {
    for (let k = 0; k < namespaceCount; k++) {
      const hosts = ['./*', `${nsName((k + 1) % namespaceCount)}/*`, `${nsName((k + 2) % namespaceCount)}/*`, 'istio-system/*'];
      /** @type {NonNullable<ReturnType<typeof files.get>>} */ (files.get(nsName(k))).sidecar.push(res('Sidecar', 'default', nsName(k), { egress: [{ hosts }] }));
    }
  }
  return { files, proxies, virtualServices, scalable };
}

/**
 * The VirtualService of `app`: a header-matched canary route to v2, then the v1/v2 split
 * (`v1Weight` / 100 - `v1Weight`) with a timeout and retries. The benchmark edits `v1Weight`.
 * @param {string} app @param {string} namespace @param {number} v1Weight
 * @returns {Resource}
 */
export function virtualService(app, namespace, v1Weight) {
  return res('VirtualService', app, namespace, {
    hosts: [app],
    http: [
      { name: 'canary', match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: app, subset: 'v2' } }] },
      {
        name: 'default',
        route: [
          { destination: { host: app, subset: 'v1' }, weight: v1Weight },
          { destination: { host: app, subset: 'v2' }, weight: 100 - v1Weight },
        ],
        timeout: '5s',
        retries: { attempts: 3, perTryTimeout: '2s', retryOn: '5xx,connect-failure' },
      },
    ],
  });
}

/**
 * An extra WorkloadEntry for `app` (a scale-up): a new v1 endpoint, which only changes EDS.
 * @param {{ namespace: string, app: string, zone: string }} target @param {number} n
 * @returns {Resource}
 */
export function extraWorkload(target, n) {
  return res('WorkloadEntry', `${target.app}-extra-${n}`, target.namespace, { address: `10.250.${Math.floor(n / 250)}.${(n % 250) + 1}`, labels: { app: target.app, version: 'v1' }, locality: target.zone, serviceAccount: target.app });
}

/** YAML text of resources: JSON documents (JSON is YAML) separated by `---`.
 * @param {readonly Resource[]} resources */
export function toYaml(resources) {
  return resources.map((r) => JSON.stringify(r)).join('\n---\n') + '\n';
}
