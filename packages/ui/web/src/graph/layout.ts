// A layered layout for the traffic graph (Sugiyama in small): each node's column is its longest path
// from a root, nodes in a column are ordered by the mean row of their neighbours (a few sweeps, which
// untangles most crossings), then placed on a grid. Pure and deterministic, so refreshes do not jump.

export interface LayoutInput {
  readonly nodes: readonly { readonly id: string }[];
  readonly edges: readonly { readonly source: string; readonly target: string }[];
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Layout {
  readonly positions: ReadonlyMap<string, Point>;
  /** Column of each node. */
  readonly ranks: ReadonlyMap<string, number>;
  readonly width: number;
  readonly height: number;
}

export const COLUMN_WIDTH = 260;
export const ROW_HEIGHT = 110;
const MARGIN = 100;

/** Lays `input` out left to right. Cycles are broken where a depth-first walk meets a node on its path. */
export function layoutGraph(input: LayoutInput): Layout {
  const ids = input.nodes.map((n) => n.id);
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const incoming = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const e of input.edges) {
    if (e.source === e.target || !out.has(e.source) || !out.has(e.target)) continue;
    out.get(e.source)?.push(e.target);
    incoming.set(e.target, (incoming.get(e.target) ?? 0) + 1);
  }
  // Longest path from the roots, ignoring back edges.
  const rank = new Map<string, number>();
  const onPath = new Set<string>();
  const visit = (id: string, depth: number): void => {
    if ((rank.get(id) ?? -1) >= depth || onPath.has(id)) return;
    rank.set(id, depth);
    onPath.add(id);
    for (const t of out.get(id) ?? []) visit(t, depth + 1);
    onPath.delete(id);
  };
  const roots = ids.filter((id) => incoming.get(id) === 0);
  for (const id of roots.length > 0 ? roots : ids.slice(0, 1)) visit(id, 0);
  for (const id of ids) if (!rank.has(id)) visit(id, 0);

  const columns: string[][] = [];
  for (const id of ids) (columns[rank.get(id) ?? 0] ??= []).push(id);
  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of input.edges) {
    neighbours.get(e.source)?.push(e.target);
    neighbours.get(e.target)?.push(e.source);
  }
  const row = new Map<string, number>();
  const renumber = (): void => columns.forEach((col) => col?.forEach((id, i) => row.set(id, i - (col.length - 1) / 2)));
  renumber();
  for (let sweep = 0; sweep < 4; sweep++) {
    for (const col of columns) {
      if (!col) continue;
      const mean = (id: string): number => {
        const ns = (neighbours.get(id) ?? []).filter((n) => rank.get(n) !== rank.get(id));
        return ns.length === 0 ? (row.get(id) ?? 0) : ns.reduce((s, n) => s + (row.get(n) ?? 0), 0) / ns.length;
      };
      const keys = new Map(col.map((id) => [id, mean(id)]));
      col.sort((a, b) => (keys.get(a) ?? 0) - (keys.get(b) ?? 0) || a.localeCompare(b));
      renumber();
    }
  }
  const tallest = Math.max(1, ...columns.map((c) => c?.length ?? 0));
  const positions = new Map<string, Point>();
  columns.forEach((col, c) => col?.forEach((id) => positions.set(id, { x: MARGIN + c * COLUMN_WIDTH, y: MARGIN + ((tallest - 1) / 2 + (row.get(id) ?? 0)) * ROW_HEIGHT })));
  return {
    positions,
    ranks: rank,
    width: MARGIN * 2 + Math.max(0, columns.length - 1) * COLUMN_WIDTH + 60,
    height: MARGIN * 2 + (tallest - 1) * ROW_HEIGHT + 20,
  };
}
