// Routing on a request header, measured: requests with `x-canary: true` go to reviews v2, every other
// request (no header, or another value) to v1, with no exceptions over a few hundred requests.

import { describe, expect, it } from 'vitest';
import { describeReport, runLoad } from './harness/load.js';
import { subsetsByVersion, virtualService } from './harness/mesh-config.js';
import { useLocalMesh } from './harness/local-mesh.js';

const mesh = useLocalMesh({
  scenario: 'header-routing',
  services: [{ name: 'reviews', versions: ['v1', 'v2'] }],
  routing: (m) => [
    subsetsByVersion('reviews', m.namespace, ['v1', 'v2']),
    virtualService('reviews', m.namespace, {
      hosts: ['reviews'],
      http: [
        { name: 'canary-testers', match: [{ headers: { 'x-canary': { exact: 'true' } } }], route: [{ destination: { host: 'reviews', subset: 'v2' } }] },
        { name: 'everyone-else', route: [{ destination: { host: 'reviews', subset: 'v1' } }] },
      ],
    }),
  ],
});

describe('header routing', () => {
  it.each([
    ['x-canary: true', 'v2', { 'x-canary': 'true' }],
    ['no x-canary header', 'v1', {}],
    ['x-canary: false', 'v1', { 'x-canary': 'false' }],
    ['x-canary: TRUE (exact matches are case-sensitive)', 'v1', { 'x-canary': 'TRUE' }],
  ])('%s → every request to %s', async (_label, version, headers) => {
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), path: '/reviews/7', headers }, 200, { concurrency: 10 });
    expect(report.byVersion, describeReport(report)).toEqual({ [version]: 200 });
    expect(report.byStatus).toEqual({ '200': 200 });
  });

  it('routes each request on its own header when both kinds are interleaved on the same connections', async () => {
    const m = mesh();
    const report = await runLoad(m.proxy.outboundPort, { authority: m.authority('reviews'), headers: (i): Record<string, string> => (i % 3 === 0 ? { 'x-canary': 'true' } : {}) }, 300, { concurrency: 10 });
    const wrong = report.results.filter((r) => r.version !== (r.index % 3 === 0 ? 'v2' : 'v1'));
    expect(wrong, describeReport(report)).toEqual([]);
  });
});
