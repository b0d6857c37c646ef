// A small SVG line chart of one series over time, with its maximum and the time span as axis labels.

import type { TrafficPoint } from '../api.js';

export interface LineChartProps {
  readonly title: string;
  readonly points: readonly TrafficPoint[];
  readonly value: (p: TrafficPoint) => number | undefined;
  readonly format: (v: number) => string;
}

const W = 320;
const H = 120;
const PAD = { left: 46, right: 8, top: 10, bottom: 20 };

export function LineChart({ title, points, value, format }: LineChartProps) {
  const values = points.map(value);
  const known = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  const max = Math.max(0, ...known);
  const top = max > 0 ? max * 1.1 : 1;
  const x = (i: number): number => PAD.left + (points.length <= 1 ? 0 : (i * (W - PAD.left - PAD.right)) / (points.length - 1));
  const y = (v: number): number => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);
  // Gaps (no data) break the line.
  const segments: string[] = [];
  let current = '';
  values.forEach((v, i) => {
    if (v === undefined || !Number.isFinite(v)) {
      if (current) segments.push(current);
      current = '';
      return;
    }
    current += `${current ? ' L' : 'M'} ${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
  });
  if (current) segments.push(current);
  const last = known.at(-1);
  return (
    <figure className="chart">
      <figcaption>{title}{last !== undefined ? `: ${format(last)} now, max ${format(max)}` : ': no data'}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title} over time${last !== undefined ? `, now ${format(last)}, max ${format(max)}` : ', no data'}`}>
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="axis" />
        <line x1={PAD.left} x2={PAD.left} y1={PAD.top} y2={H - PAD.bottom} className="axis" />
        <text x={PAD.left - 4} y={PAD.top + 8} textAnchor="end" className="tick">{format(top)}</text>
        <text x={PAD.left - 4} y={H - PAD.bottom} textAnchor="end" className="tick">0</text>
        {points.length > 1 ? (
          <>
            <text x={PAD.left} y={H - 4} className="tick">{new Date(points[0]?.t ?? 0).toLocaleTimeString()}</text>
            <text x={W - PAD.right} y={H - 4} textAnchor="end" className="tick">{new Date(points.at(-1)?.t ?? 0).toLocaleTimeString()}</text>
          </>
        ) : null}
        {segments.map((d, i) => (
          <path key={i} d={d} className="line" />
        ))}
      </svg>
    </figure>
  );
}
