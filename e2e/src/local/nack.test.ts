// A resource the proxy cannot use, measured: a WorkloadEntry with a host name as its address, selected
// by a STATIC ServiceEntry, passes weftd's per-resource validation (Istio allows host names in
// WorkloadEntry addresses, for DNS resolution) but becomes an EDS endpoint that is not an IP. The proxy
// NACKs that ClusterLoadAssignment (Envoy: "malformed IP address"), weftd records the proxy's
// error_detail, the last good endpoints stay in force and no request fails; fixing the file clears it.

import { describe, expect, it } from 'vitest';
import { describeReport, startLoad, summarize } from './harness/load.js';
import { subsetsByVersion, virtualService, workloadEntry } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';
import { ProxyProcess } from './harness/proxy-process.js';
import { waitUntil } from './harness/wait-until.js';

const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const RATINGS_CLUSTER = 'outbound|9080||ratings.default.svc.cluster.local';
const VM_HOST = 'ratings-vm.example.internal';

const mesh = useLocalMesh({
  scenario: 'nack',
  services: [
    { name: 'reviews', versions: ['v1'] },
    { name: 'ratings', versions: ['v1'] },
  ],
  routing: (m) => [subsetsByVersion('reviews', m.namespace, ['v1']), virtualService('reviews', m.namespace, { hosts: ['reviews'], http: [{ route: [{ destination: { host: 'reviews', subset: 'v1' } }] }] })],
});

interface Assignment {
  readonly cluster_name?: string;
  readonly endpoints?: readonly { readonly lb_endpoints?: readonly { readonly endpoint?: { readonly address?: { readonly socket_address?: { readonly address?: string } } } }[] }[];
}

/** The ratings cluster's entry in the proxy's EDS dump: the assignment in force and the refused one. */
async function ratingsEndpoints(proxy: ProxyProcess): Promise<{ inForce: Assignment | undefined; refusedBecause: string | undefined }> {
  const entries = ProxyProcess.entriesOf(await proxy.configDump(true), 'dynamic_endpoint_configs');
  const entry = entries.find((e) => (e.endpoint_config as Assignment | undefined)?.cluster_name === RATINGS_CLUSTER || (e.error_state?.failed_configuration as Assignment | undefined)?.cluster_name === RATINGS_CLUSTER);
  return { inForce: entry?.endpoint_config as Assignment | undefined, refusedBecause: entry?.error_state?.details };
}

const addressesOf = (assignment: Assignment | undefined): string[] =>
  (assignment?.endpoints ?? [])
    .flatMap((l) => l.lb_endpoints ?? [])
    .map((e) => e.endpoint?.address?.socket_address?.address ?? '')
    .sort();

describe('malformed resource', () => {
  it('is NACKed with its reason reaching weftd, while traffic keeps flowing on the last good config', async () => {
    const m = mesh();
    const goodRatings = m.upstream('ratings', 'v1');
    const load = startLoad(m.proxy.outboundPort, { authority: m.authority('ratings'), path: '/ratings/1' }, { concurrency: 5, pauseMs: 10 });
    const sentAfter = (t: number, until = Infinity) => summarize(load.results().filter((r) => r.sentAtMs >= t && r.sentAtMs < until));
    const waitForMore = (t: number, n: number) => waitUntil(`${n} requests after ${Math.round(t)} ms`, () => sentAfter(t).total >= n, { timeoutMs: 20_000 });
    try {
      await waitForMore(0, 100);
      expect(addressesOf((await ratingsEndpoints(m.proxy)).inForce)).toEqual([goodRatings.address]);

      // A second ratings instance, on a VM known by its DNS name.
      m.config.write('ratings-vm.yaml', [workloadEntry('ratings-vm', m.namespace, VM_HOST, { app: 'ratings', version: 'v1' }, 9080)]);
      const nack = await waitUntil(
        'weftd to record the proxy NACKing the ratings endpoints',
        async () => {
          const lastError = (await m.weftd.syncOf(m.proxy.nodeId))?.resources[EDS]?.lastError;
          return lastError?.includes(VM_HOST) ? lastError : undefined;
        },
        { describe: () => m.logs() },
      );
      // Envoy's wording, naming the resource and the endpoint (its index depends on weftd's ordering).
      expect(nack.startsWith(`ClusterLoadAssignment '${RATINGS_CLUSTER}': endpoints[0].lb_endpoints[`), nack).toBe(true);
      expect(nack.endsWith(`]: malformed IP address: ${VM_HOST}`), nack).toBe(true);
      // weftd sees the proxy out of sync: it holds on to the version it acknowledged last.
      const eds = (await m.weftd.syncOf(m.proxy.nodeId))?.resources[EDS];
      expect(eds?.acked).not.toBe(eds?.sent);
      const nackedFrom = load.now();
      // The proxy shows the refused version beside the one in force, as Envoy's config dump does.
      const dumped = await ratingsEndpoints(m.proxy);
      expect(dumped.refusedBecause).toMatch(new RegExp(`malformed IP address: ${VM_HOST.replaceAll('.', '\\.')}$`));
      expect(addressesOf(dumped.inForce)).toEqual([goodRatings.address]);
      await waitForMore(nackedFrom, 200);
      const nackedUntil = load.now();

      // The fix: the VM gets an IP address (here, a second local instance).
      const secondRatings = await m.startUpstream('v1');
      await m.applyFile('ratings-vm.yaml', [workloadEntry('ratings-vm', m.namespace, secondRatings.address, { app: 'ratings', version: 'v1' }, secondRatings.port)]);
      const fixed = await ratingsEndpoints(m.proxy);
      expect(fixed.refusedBecause).toBeUndefined();
      expect(addressesOf(fixed.inForce)).toEqual([goodRatings.address, secondRatings.address].sort());
      const fixedFrom = load.now();
      await waitForMore(fixedFrom, 200);

      const report = await load.stop();
      expect(report.failures, describeReport(report)).toEqual([]);
      const whileNacked = sentAfter(nackedFrom, nackedUntil);
      expect(whileNacked.total).toBeGreaterThanOrEqual(200);
      // Both instances serve once the endpoints are valid (200 requests over 2 endpoints).
      expect(secondRatings.seen.length).toBeGreaterThan(0);
      process.stdout.write(`nack: weftd lastError ${JSON.stringify(nack)}; ${describeReport(report)}; ${whileNacked.total} served while NACKed\n`);
    } finally {
      await load.stop();
    }
  });
});
