// A real Prometheus (Debian's `prometheus`, started here with the scrape config weftctl generates)
// scrapes a running local mesh: the client's proxy, reviews v1/v2 with sidecars, ratings without one,
// and weftd. PromQL over the scraped istio_* metrics answers what Istio's dashboards ask: the 90/10
// canary split by destination_version, injected aborts under response_flags="FI", and mTLS traffic
// under connection_security_policy="mutual_tls".

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPrometheus, prometheusArgs, renderPrometheusConfig } from '@weft/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnProcess, type ChildHandle } from './harness/child-processes.js';
import { freePort } from '@weft/shared/node';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';
import { waitUntil } from './harness/wait-until.js';

const mesh = useLocalMesh({
  scenario: 'prometheus',
  services: [
    { name: 'reviews', versions: ['v1', 'v2'], sidecar: true },
    { name: 'ratings', versions: ['v1'] },
  ],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        {
          route: [
            { destination: { host: 'reviews', subset: 'v1' }, weight: 90 },
            { destination: { host: 'reviews', subset: 'v2' }, weight: 10 },
          ],
        },
      ],
    }),
    virtualService('ratings', m.namespace, { hosts: ['ratings'], http: [{ match: [{ uri: { prefix: '/teapot' } }], fault: { abort: { percentage: { value: 100 }, httpStatus: 418 } }, route: [{ destination: { host: 'ratings' } }] }, { route: [{ destination: { host: 'ratings' } }] }] }),
  ],
});

const bin = findPrometheus();
let prometheus: ChildHandle | undefined;
let url = '';
let dir = '';

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

async function query(promql: string): Promise<Sample[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data?: { result: { metric: Record<string, string>; value: [number, string] }[] }; error?: string };
  if (body.status !== 'success') throw new Error(`PromQL ${promql}: ${body.error ?? res.status}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

const total = (samples: readonly Sample[]): number => samples.reduce((n, s) => n + s.value, 0);

beforeAll(async () => {
  if (bin === undefined) throw new Error('prometheus is not installed (Debian: apt-get install prometheus; .ci/run installs it)');
  const m = mesh();
  dir = mkdtempSync(join(tmpdir(), 'weft-e2e-prometheus-'));
  const proxies = [m.proxy, ...m.sidecars.values()];
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, renderPrometheusConfig({ proxies: proxies.map((p) => ({ address: `127.0.0.1:${p.statsPort}` })), weftd: `127.0.0.1:${m.weftd.debugPort}`, intervalSeconds: 1 }));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  prometheus = spawnProcess('prometheus', bin, prometheusArgs(configFile, join(dir, 'data'), `127.0.0.1:${port}`));
  await waitUntil('prometheus /-/ready', async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200, { timeoutMs: 20_000, describe: () => prometheus?.output() ?? '' });
  // Every target scraped once: the proxies and weftd.
  await waitUntil('every target up', async () => (await query('up')).filter((s) => s.value === 1).length === proxies.length + 1, { timeoutMs: 20_000, describe: () => prometheus?.output() ?? '' });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop('SIGTERM');
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('a real Prometheus scraping the mesh', () => {
  it('PromQL answers the canary split, injected aborts and mTLS as Istio dashboards ask', async () => {
    const m = mesh();
    // Steady traffic over a few seconds, as a dashboard sees it: rate() needs the counters to grow
    // between scrapes (1 s apart), not to appear at their final value.
    for (let batch = 0; batch < 10; batch++) {
      const reviews = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/1' }, 100, { concurrency: 10 });
      expect(reviews.byStatus, describeReport(reviews)).toEqual({ '200': 100 });
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const aborted = await runLoad(m.proxy.outboundPort, { authority: m.authority('ratings'), path: '/teapot' }, 20, { concurrency: 2 });
    expect(aborted.byStatus, describeReport(aborted)).toEqual({ '418': 20 });

    // Until a scrape after the load has landed: the client's counters carry all 1,020 requests.
    await waitUntil('the load to be scraped', async () => total(await query('sum(istio_requests_total{reporter="source"})')) >= 1020, { timeoutMs: 15_000 });

    // The query: the 90/10 split by destination_version (both reporters count each request,
    // which leaves the ratio alone).
    // rate() needs two scrapes of each series.
    const splitQuery = 'sum(rate(istio_requests_total{destination_service=~"reviews.*"}[1m])) by (destination_version)';
    await waitUntil('two scrapes of both versions', async () => (await query(splitQuery)).filter((s) => s.value > 0).length === 2, { timeoutMs: 15_000 });
    const split = await query(splitQuery);
    const byVersion = Object.fromEntries(split.map((s) => [s.metric.destination_version, s.value]));
    expect(Object.keys(byVersion).sort()).toEqual(['v1', 'v2']);
    const v2Share = (byVersion.v2 as number) / ((byVersion.v1 as number) + (byVersion.v2 as number));
    // Over 1,000 requests the v2 share has a standard deviation under 1 point; ±5 points.
    expect(v2Share).toBeGreaterThan(0.05);
    expect(v2Share).toBeLessThan(0.15);
    // Exact counts behind the rate: the client reported every request with the right version.
    const counts = Object.fromEntries((await query('sum(istio_requests_total{reporter="source",destination_service=~"reviews.*"}) by (destination_version)')).map((s) => [s.metric.destination_version, s.value]));
    expect((counts.v1 ?? 0) + (counts.v2 ?? 0)).toBe(1000);

    // Injected aborts are counted with Envoy's FI flag.
    expect(total(await query('sum(istio_requests_total{response_flags="FI",response_code="418",destination_service=~"ratings.*"})'))).toBe(20);

    // Between the client's proxy and reviews' sidecars the traffic is mutual TLS. The sidecars are
    // scraped at their own moments: wait until their last scrape holds every request too.
    await waitUntil('the sidecars\' counts to be scraped', async () => total(await query('sum(istio_requests_total{reporter="destination",destination_service=~"reviews.*"})')) >= 1000, { timeoutMs: 15_000 });
    const mtls = await query('sum(istio_requests_total{reporter="destination",connection_security_policy="mutual_tls",destination_service=~"reviews.*"}) by (source_principal)');
    expect(mtls.map((s) => s.metric.source_principal)).toEqual([`spiffe://cluster.local/ns/${m.namespace}/sa/productpage`]);
    expect(total(mtls)).toBe(1000);

    // weftd is scraped too: its pilot_* metrics are there.
    expect((await query('pilot_xds_pushes')).length + (await query('pilot_xds')).length).toBeGreaterThan(0);
  });
});
