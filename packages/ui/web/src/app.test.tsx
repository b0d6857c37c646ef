import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { GraphEdge, GraphNode } from './api.js';
import { App } from './app.js';
import { edgeLabel, GraphView, nodeHref } from './graph/graph-view.js';
import { parseRoute } from './route.js';

const node = (id: string, label: string, over: Partial<GraphNode> = {}): GraphNode => ({ id, kind: 'app', namespace: 'default', label, health: 'healthy', inbound: { rps: 1, errorPct: 0 }, badges: [], root: false, ...over });
const edge = (source: string, target: string, over: Partial<GraphEdge> = {}): GraphEdge => ({ id: `${source}->${target}`, source, target, rps: 9, errorPct: 0, p99Ms: 12, service: 'reviews', sharePct: 90, mtls: true, responseCodes: { '200': 9 }, ...over });

describe('App', () => {
  it('renders the title, the version it is given, the navigation and a loading state', () => {
    const html = renderToStaticMarkup(<App version="1.2.3" initialHash="#/graph" />);
    expect(html).toContain('<h1>Weft</h1>');
    expect(html).toContain('weft 1.2.3');
    expect(html).toContain('aria-current="page">Graph</a>');
    expect(html).toContain('Loading the graph');
  });

  it.each([
    ['#/workloads/default/reviews-v1', { page: 'detail', kind: 'workloads', namespace: 'default', name: 'reviews-v1' }],
    ['#/graph?view=app', { page: 'graph', view: 'app' }],
    ['#/config?select=VirtualService%2Fdefault%2Freviews', { page: 'config', select: 'VirtualService/default/reviews' }],
    ['', { page: 'graph', view: 'versionedApp' }],
  ])('routes %s', (hash, want) => {
    expect(parseRoute(hash)).toEqual(want);
  });
});

describe('GraphView', () => {
  it('draws focusable nodes with badges and edges labelled with share, rate, errors and p99', () => {
    const nodes = [node('a', 'productpage v1', { workload: 'productpage-v1', root: true }), node('b', 'reviews v1', { workload: 'reviews-v1', badges: ['virtualService'] }), node('c', 'reviews v2', { health: 'degraded' })];
    const edges = [edge('a', 'b'), edge('a', 'c', { sharePct: 10, rps: 1, errorPct: 5, mtls: false })];
    const html = renderToStaticMarkup(<GraphView nodes={nodes} edges={edges} />);
    expect(html.match(/tabindex="0"/g)).toHaveLength(3);
    expect(html).toContain('>VS</text>');
    expect(html).toContain('data-share="90.0"');
    expect(html.match(/class="mtls-lock"/g)).toHaveLength(1);
    expect(edgeLabel(edges[0] as GraphEdge)).toEqual(['90.0% · 9.00 rps', 'p99 12ms']);
    expect(edgeLabel(edges[1] as GraphEdge)).toEqual(['10.0% · 1.00 rps', '5.0% err · p99 12ms']);
    expect(nodeHref(nodes[1] as GraphNode)).toBe('#/workloads/default/reviews-v1');
    expect(nodeHref(node('u', 'unknown', { kind: 'unknown' }))).toBeUndefined();
  });
});
