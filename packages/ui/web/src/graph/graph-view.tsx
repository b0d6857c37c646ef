// The traffic graph as SVG: nodes coloured by health with their badges, edges with share, rate,
// errors and p99, a lock where the traffic is mTLS. Every node is a focusable link (Tab, arrow keys
// to move along edges, Enter to open it); the same facts are in the edge table below for readers
// who do not see the picture.

import { useMemo, useRef, type KeyboardEvent } from 'react';
import type { Badge, GraphEdge, GraphNode } from '../api.js';
import { formatMs, formatPct, formatRps } from '../format.js';
import { detailHref } from '../route.js';
import { layoutGraph } from './layout.js';

const BADGE_TEXT: Readonly<Record<Badge, { short: string; title: string }>> = {
  virtualService: { short: 'VS', title: 'VirtualService' },
  faultInjection: { short: 'FI', title: 'fault injection' },
  circuitBreaker: { short: 'CB', title: 'circuit breaker' },
};

/** Where a node's page is: its workload, else its service. */
export function nodeHref(n: GraphNode): string | undefined {
  if (n.kind === 'unknown') return undefined;
  if (n.workload && n.kind !== 'service') return detailHref('workloads', n.namespace, n.workload);
  if (n.kind === 'app' && n.app) return detailHref('services', n.namespace, n.app);
  if (n.service) return detailHref('services', n.namespace, n.service);
  return undefined;
}

/** The two lines on an edge: share and rate, then errors and p99 (mTLS is the lock drawn above them). */
export function edgeLabel(e: GraphEdge): [string, string] {
  const first = `${formatPct(e.sharePct)} · ${formatRps(e.rps)} rps`;
  const second = `${e.errorPct > 0 ? `${formatPct(e.errorPct)} err · ` : ''}p99 ${formatMs(e.p99Ms)}`;
  return [first, second];
}

const NODE_R = 22;

export function GraphView({ nodes, edges }: { readonly nodes: readonly GraphNode[]; readonly edges: readonly GraphEdge[] }) {
  const layout = useMemo(() => layoutGraph({ nodes, edges }), [nodes, edges]);
  const byId = useMemo(() => new Map(nodes.map((n) => [n.id, n])), [nodes]);
  const refs = useRef(new Map<string, SVGGElement>());
  const order = useMemo(() => [...nodes].sort((a, b) => (layout.positions.get(a.id)?.x ?? 0) - (layout.positions.get(b.id)?.x ?? 0) || (layout.positions.get(a.id)?.y ?? 0) - (layout.positions.get(b.id)?.y ?? 0)), [nodes, layout]);

  const focus = (id: string | undefined): void => {
    if (id) refs.current.get(id)?.focus();
  };
  const onKey = (n: GraphNode, ev: KeyboardEvent<SVGGElement>): void => {
    const i = order.findIndex((x) => x.id === n.id);
    if (ev.key === 'Enter' || ev.key === ' ') {
      const href = nodeHref(n);
      if (href) window.location.hash = href;
    } else if (ev.key === 'ArrowRight') focus(edges.find((e) => e.source === n.id)?.target);
    else if (ev.key === 'ArrowLeft') focus(edges.find((e) => e.target === n.id)?.source);
    else if (ev.key === 'ArrowDown') focus(order[(i + 1) % order.length]?.id);
    else if (ev.key === 'ArrowUp') focus(order[(i - 1 + order.length) % order.length]?.id);
    else return;
    ev.preventDefault();
  };

  return (
    <div className="graph-scroll">
      <svg className="graph" viewBox={`0 0 ${layout.width} ${layout.height}`} width={layout.width} height={layout.height} role="group" aria-label={`Traffic graph: ${nodes.length} nodes, ${edges.length} edges. Arrow keys move between nodes, Enter opens one.`}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="11" markerHeight="11" markerUnits="userSpaceOnUse" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="arrow" />
          </marker>
        </defs>
        {edges.map((e) => {
          const a = layout.positions.get(e.source);
          const b = layout.positions.get(e.target);
          if (!a || !b) return null;
          const self = e.source === e.target;
          const x1 = a.x + NODE_R;
          const x2 = b.x - NODE_R - 2;
          const mid = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
          const d = self ? `M ${a.x + 10} ${a.y - NODE_R} c 40 -60 -60 -60 -20 0` : x2 > x1 ? `M ${x1} ${a.y} C ${mid.x} ${a.y}, ${mid.x} ${b.y}, ${x2} ${b.y}` : `M ${a.x} ${a.y + NODE_R} Q ${mid.x} ${Math.max(a.y, b.y) + 90} ${b.x} ${b.y + NODE_R + 2}`;
          const [l1, l2] = edgeLabel(e);
          const health = e.errorPct >= 20 ? 'failure' : e.errorPct >= 0.1 ? 'degraded' : 'healthy';
          const from = byId.get(e.source)?.label ?? e.source;
          const to = byId.get(e.target)?.label ?? e.target;
          const labelY = self ? a.y - NODE_R - 50 : x2 > x1 ? mid.y - 8 : Math.max(a.y, b.y) + 50;
          return (
            <g key={e.id} className={`edge edge-${health}`} data-edge={e.id} data-from={from} data-to={to} data-share={e.sharePct.toFixed(1)}>
              <title>{`${from} → ${to}: ${l1}, ${l2}${e.mtls ? ', mTLS' : ''}`}</title>
              <path d={d} markerEnd="url(#arrow)" style={{ strokeWidth: Math.min(6, 1.5 + Math.log10(1 + e.rps * 10)) }} />
              <text x={mid.x} y={labelY} className="edge-label" textAnchor="middle">
                <tspan x={mid.x}>{l1}</tspan>
                <tspan x={mid.x} dy="1.2em">{l2}</tspan>
              </text>
              {e.mtls ? (
                <g className="mtls-lock" transform={`translate(${mid.x - 5} ${labelY - 24})`} aria-label="mTLS">
                  <path d="M 2 5 V 3.5 a 3 3 0 0 1 6 0 V 5" />
                  <rect x="0" y="5" width="10" height="7" rx="1.5" />
                </g>
              ) : null}
            </g>
          );
        })}
        {order.map((n) => {
          const p = layout.positions.get(n.id);
          if (!p) return null;
          const href = nodeHref(n);
          return (
            <g
              key={n.id}
              ref={(el) => {
                if (el) refs.current.set(n.id, el);
                else refs.current.delete(n.id);
              }}
              className={`node node-${n.health} node-${n.kind}`}
              transform={`translate(${p.x} ${p.y})`}
              tabIndex={0}
              role={href ? 'link' : 'img'}
              aria-label={`${n.label}${n.namespace ? ` in ${n.namespace}` : ''}: ${n.health}, ${formatRps(n.inbound.rps)} requests per second in${n.badges.length ? `, ${n.badges.map((b) => BADGE_TEXT[b].title).join(', ')}` : ''}`}
              data-node={n.id}
              onKeyDown={(ev) => onKey(n, ev)}
              onClick={() => {
                if (href) window.location.hash = href;
              }}
            >
              <title>{`${n.label} (${n.kind}${n.namespace ? `, ${n.namespace}` : ''}): ${n.health}`}</title>
              {n.kind === 'service' ? <polygon points={`0,${-NODE_R} ${NODE_R},0 0,${NODE_R} ${-NODE_R},0`} className="node-shape" /> : n.root ? <rect x={-NODE_R} y={-NODE_R} width={NODE_R * 2} height={NODE_R * 2} rx="6" className="node-shape" /> : <circle r={NODE_R} className="node-shape" />}
              <text y={NODE_R + 16} textAnchor="middle" className="node-label">{n.label}</text>
              {n.namespace ? <text y={NODE_R + 30} textAnchor="middle" className="node-ns">{n.namespace}</text> : null}
              {n.badges.map((b, i) => (
                <g key={b} transform={`translate(${-NODE_R + i * 20} ${-NODE_R - 16})`} className={`badge badge-${b}`}>
                  <title>{BADGE_TEXT[b].title}</title>
                  <rect width="19" height="13" rx="3" />
                  <text x="9.5" y="10" textAnchor="middle">{BADGE_TEXT[b].short}</text>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
