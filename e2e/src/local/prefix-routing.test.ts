// Routing on the path prefix, measured: `/api/v2` and every path starting with it goes to reviews v2,
// other paths to v1; the path reaches the upstream unchanged.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';

const mesh = useLocalMesh({
  scenario: 'prefix-routing',
  services: [{ name: 'reviews', versions: ['v1', 'v2'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        { name: 'api-v2', match: [{ uri: { prefix: '/api/v2' } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        { name: 'default', route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    }),
  ],
});

describe('prefix routing', () => {
  it.each([
    ['/api/v2', 'v2'],
    ['/api/v2/reviews/1?sort=desc', 'v2'],
    ['/api/v1/reviews/1', 'v1'],
    ['/', 'v1'],
    ['/API/v2', 'v1'],
  ])('%s → every request to %s, path unchanged', async (path, version) => {
    const m = mesh();
    const upstream = m.upstream('reviews', version);
    const seenBefore = upstream.seen.length;
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path }, 100, { concurrency: 10 });
    expect(report.byVersion, describeReport(report)).toEqual({ [version]: 100 });
    expect(upstream.seen.slice(seenBefore).map((r) => r.path)).toEqual(new Array(100).fill(path));
  });

  it('matches on characters, not path segments: /api/v2x goes to v2 too', async () => {
    // Istio's `uri.prefix` becomes Envoy's `prefix` (not path_separated_prefix), a plain string prefix.
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/api/v2x' }, 20, { concurrency: 5 });
    expect(report.byVersion, describeReport(report)).toEqual({ v2: 20 });
  });
});
