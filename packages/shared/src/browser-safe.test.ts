// The main entry of @weft/shared must stay browser-safe (the dashboard imports it): nothing
// reachable from src/index.ts may import a node: module. Node-only code lives behind ./node and ./xds.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module specifier reachable from `entry` through relative imports, keyed by importer. */
function reachableImports(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] ?? '');
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(resolve(dirname(file), s.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return seen;
}

describe('@weft/shared entry points', () => {
  it('the main entry reaches no node: module', () => {
    const graph = reachableImports(join(here, 'index.ts'));
    expect(graph.size).toBeGreaterThan(20);
    const nodeImports = [...graph].flatMap(([file, specs]) => specs.filter((s) => s.startsWith('node:')).map((s) => `${file}: ${s}`));
    expect(nodeImports).toEqual([]);
  });

  it('the ./node entry adds the filesystem loader', () => {
    const graph = reachableImports(join(here, 'node.ts'));
    expect([...graph.values()].flat()).toContain('node:fs/promises');
  });

  it('the ./xds entry (Envoy protos, Node-only) is not reachable from the main entry', () => {
    const main = reachableImports(join(here, 'index.ts'));
    expect([...main.keys()].filter((file) => file.includes('/xds/'))).toEqual([]);
    const xds = reachableImports(join(here, 'xds', 'index.ts'));
    expect([...xds.values()].flat()).toContain('node:fs');
  });
});
