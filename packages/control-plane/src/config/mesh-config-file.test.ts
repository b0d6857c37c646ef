// The MeshConfig file: its telemetry fields parsed (every problem reported), and weftd following it:
// the first content applies from the first snapshot, a saved change is pushed to connected proxies, an
// invalid one leaves the last good settings in force.

import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { TYPE_URL, unpackAny } from '@weft/shared/xds';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsTestClient, type WireResponse } from '../../test/ads-test-client.js';
import { startWeftd } from '../bootstrap/start-weftd.js';
import { defaultWeftdConfig } from '../config.js';
import { parseMeshConfigFile } from './mesh-config-file.js';
import { changeImpact } from '../push/change-impact.js';
import { BOOKINFO, entry, meshOf, sidecar } from '../generators/lds-rds.test-fixtures.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const MESH = `
enableTracing: true
accessLogFile: /dev/stdout   # not read from the file (a flag), ignored
defaultConfig:
  discoveryAddress: istiod.istio-system.svc:15012
  tracing:
    sampling: 10
    zipkin:
      address: zipkin.istio-system:9411
    customTags:
      team: { literal: { value: books } }
      pod: { environment: { name: POD_NAME, defaultValue: unknown } }
extensionProviders:
- name: zipkin
  zipkin: { service: zipkin.istio-system.svc.cluster.local, port: 9411, maxTagLength: 100 }
- name: otel
  opentelemetry:
    service: otel.observability.svc.cluster.local
    port: 4318
    http: { path: /v1/traces, timeout: 5s, headers: [{ name: x-tenant, value: weft }] }
- name: logs
  envoyFileAccessLog: { path: /dev/stdout }
defaultProviders:
  tracing: [zipkin]
  metrics: [prometheus]
`;

describe('parseMeshConfigFile', () => {
  it('reads the telemetry fields and ignores the others', () => {
    const r = parseMeshConfigFile(MESH, 'mesh.yaml');
    expect(r).toEqual({
      ok: true,
      settings: {
        enableTracing: true,
        defaultConfig: {
          tracing: {
            sampling: 10,
            zipkin: { address: 'zipkin.istio-system:9411' },
            customTags: { team: { literal: { value: 'books' } }, pod: { environment: { name: 'POD_NAME', defaultValue: 'unknown' } } },
          },
        },
        extensionProviders: [
          { name: 'zipkin', zipkin: { service: 'zipkin.istio-system.svc.cluster.local', port: 9411, maxTagLength: 100 } },
          { name: 'otel', opentelemetry: { service: 'otel.observability.svc.cluster.local', port: 4318, http: { path: '/v1/traces', timeout: '5s', headers: [{ name: 'x-tenant', value: 'weft' }] } } },
          { name: 'logs', other: { envoyFileAccessLog: { path: '/dev/stdout' } } },
        ],
        defaultProviders: { tracing: ['zipkin'], metrics: ['prometheus'] },
      },
    });
  });

  it('an empty file is the defaults', () => {
    expect(parseMeshConfigFile('# nothing\n', 'mesh.yaml')).toEqual({ ok: true, settings: {} });
  });

  it.each([
    ['enableTracing: maybe', 'enableTracing: must be true or false'],
    ['defaultConfig: { tracing: { sampling: 200 } }', 'defaultConfig.tracing.sampling: must be a number from 0 to 100'],
    ['defaultConfig: { tracing: { zipkin: { address: zipkin } } }', 'defaultConfig.tracing.zipkin: must be { address: <host>:<port> }'],
    ['extensionProviders: [{ name: z, zipkin: { port: 9411 } }]', 'extensionProviders[0].zipkin.service: service is required'],
    ['extensionProviders: [{ name: z, zipkin: { service: a, port: 70000 } }]', 'extensionProviders[0].zipkin.port: must be a number from 1 to 65535'],
    ['extensionProviders: [{ name: z }]', 'extensionProviders[0]: must be one provider kind (zipkin, opentelemetry, prometheus, ...), not 0'],
    ['extensionProviders: [{ name: z, prometheus: {} }, { name: z, prometheus: {} }]', "extensionProviders: duplicate provider name 'z'"],
    ['defaultProviders: { tracing: zipkin }', 'defaultProviders.tracing: must be a list of strings'],
    ['[1, 2]', 'the MeshConfig must be a YAML mapping'],
  ])('refuses %s', (text, error) => {
    const r = parseMeshConfigFile(text, 'mesh.yaml');
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors).toContain(error);
  });
});

describe('weftd --mesh-config', () => {
  const NODE = 'sidecar~127.0.0.11~productpage-v1.default~default.svc.cluster.local';
  const CONFIG = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: { name: productpage, namespace: default }
spec:
  hosts: [productpage.default.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{ number: 9080, name: http, protocol: HTTP }]
  endpoints: [{ address: 127.0.0.11 }]
`;

  /** The random_sampling of the outbound 9080 HCM in an LDS response, undefined without tracing. */
  function sampling(response: WireResponse): number | undefined {
    for (const any of response.resources) {
      const u = unpackAny(any);
      if (!u.ok) throw new Error(u.error);
      const l = u.message as { name?: string; filter_chains?: { filters?: { typed_config?: { tracing?: { random_sampling?: { value?: number } } } }[] }[] };
      if (l.name !== '0.0.0.0_9080') continue;
      return l.filter_chains?.[0]?.filters?.[0]?.typed_config?.tracing?.random_sampling?.value;
    }
    throw new Error('no 0.0.0.0_9080 listener');
  }

  it('applies the file from the first snapshot, pushes a saved change, keeps the last good one over an invalid save', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'weftd-mesh-')));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'services.yaml'), CONFIG);
    const meshFile = join(dir, '..', `${dir.split('/').pop()}-mesh.yaml`);
    cleanups.push(() => rm(meshFile, { force: true }));
    await writeFile(meshFile, 'defaultConfig: { tracing: { sampling: 10, zipkin: { address: 127.0.0.1:9411 } } }\n');
    const logs: { msg: string }[] = [];
    const logStream = new Writable({ write: (chunk: Buffer, _e, cb) => (logs.push(JSON.parse(chunk.toString()) as { msg: string }), cb()) });
    const weftd = await startWeftd(defaultWeftdConfig({ configDir: dir, meshConfig: meshFile, xdsPort: 0, debugPort: 0, debounceAfterMs: 20, debounceMaxMs: 500, watchSettleMs: 20 }), { logStream });
    cleanups.push(() => weftd.close());
    expect(weftd.controller.snapshot.mesh.defaultConfig?.tracing?.sampling).toBe(10);

    const client = new AdsTestClient(weftd.xdsAddress, NODE);
    cleanups.push(() => client.close());
    client.send(TYPE_URL.LISTENER);
    const first = await client.next(TYPE_URL.LISTENER);
    expect(sampling(first)).toBe(10);
    client.ack(first);

    await writeFile(meshFile, 'defaultConfig: { tracing: { sampling: 75, zipkin: { address: 127.0.0.1:9411 } } }\n');
    const second = await client.next(TYPE_URL.LISTENER);
    expect(sampling(second)).toBe(75);
    client.ack(second);

    await writeFile(meshFile, 'defaultConfig: { tracing: { sampling: lots } }\n');
    const deadline = Date.now() + 3000;
    while (!logs.some((l) => l.msg.includes('the last good one stays in force')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(logs.some((l) => l.msg.includes('the last good one stays in force'))).toBe(true);
    expect(weftd.controller.snapshot.mesh.defaultConfig?.tracing?.sampling).toBe(75);

    await writeFile(meshFile, 'enableTracing: false\n');
    const third = await client.next(TYPE_URL.LISTENER);
    expect(sampling(third)).toBeUndefined();
  });
});

describe('change impact of telemetry changes', () => {
  const proxies = [sidecar(), sidecar('default', { app: 'reviews' }, '10.0.0.2', 'reviews-v1')];
  const telemetry = (spec: Record<string, unknown>) => entry('Telemetry', 'mesh-default', 'istio-system', spec, 'telemetry.istio.io/v1');
  const ref = { kind: 'Telemetry', namespace: 'istio-system', name: 'mesh-default' };

  it('a MeshConfig change pushes every proxy every type, own part included (istiod: a full push)', () => {
    const impact = changeImpact(meshOf(BOOKINFO), meshOf(BOOKINFO, { enableTracing: false }), [{ type: 'updated', ref: { kind: 'MeshConfig', namespace: 'istio-system', name: 'mesh' } }], proxies);
    for (const p of proxies) expect(impact.proxies.get(p.id)).toEqual({ kinds: new Set(['clusters', 'endpoints', 'listeners', 'routes']), own: true });
  });

  it('a Telemetry with tracing pushes listeners and clusters (its collectors); metrics only listeners', () => {
    const traced = changeImpact(meshOf(BOOKINFO), meshOf([...BOOKINFO, telemetry({ tracing: [{ randomSamplingPercentage: 5 }] })]), [{ type: 'added', ref }], proxies);
    for (const p of proxies) expect(traced.proxies.get(p.id)).toEqual({ kinds: new Set(['listeners', 'clusters']), own: true });
    const untraced = changeImpact(meshOf([...BOOKINFO, telemetry({ tracing: [{}] })]), meshOf(BOOKINFO), [{ type: 'deleted', ref }], proxies);
    for (const p of proxies) expect(untraced.proxies.get(p.id)?.kinds.has('clusters')).toBe(true);
    const metrics = changeImpact(meshOf(BOOKINFO), meshOf([...BOOKINFO, telemetry({ metrics: [{ overrides: [{ disabled: true }] }] })]), [{ type: 'added', ref }], proxies);
    for (const p of proxies) expect(metrics.proxies.get(p.id)).toEqual({ kinds: new Set(['listeners']), own: true });
  });
});
