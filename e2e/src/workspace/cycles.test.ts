// Import cycles fail the build: every package's build script runs madge --circular, and madge
// with those flags exits non-zero on a cycle (checked on a throwaway fixture).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PACKAGES, REPO_ROOT, packageDir } from '../harness/repo.js';

const MADGE = join(REPO_ROOT, 'node_modules', '.bin', 'madge');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function madgeArgsOf(script: string): string[] {
  const m = /madge (.*)$/.exec(script);
  if (!m?.[1]) throw new Error(`no madge step in: ${script}`);
  return m[1].split(/\s+/).filter((a) => a !== 'src' && a !== '--ts-config' && a !== 'tsconfig.json');
}

describe('import cycles', () => {
  it.each(PACKAGES.map((p) => [p.dir]))('packages/%s build checks for cycles', (dir) => {
    const pkg = JSON.parse(readFileSync(join(packageDir(dir), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/&& madge --circular .* src$/);
  });

  it('the build step fails on a cycle and passes without one', () => {
    const pkg = JSON.parse(readFileSync(join(packageDir('shared'), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const args = madgeArgsOf(pkg.scripts.build ?? '');
    const dir = mkdtempSync(join(tmpdir(), 'weft-cycle-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.js';\nexport const a = () => b();\n");
    writeFileSync(join(dir, 'b.ts'), "import { a } from './a.js';\nexport const b = () => a();\n");
    const cyclic = spawnSync(MADGE, [...args, dir], { encoding: 'utf8' });
    expect(cyclic.status).not.toBe(0);
    expect(cyclic.stdout + cyclic.stderr).toContain('a.ts > b.ts');
    writeFileSync(join(dir, 'b.ts'), 'export const b = () => 1;\n');
    const clean = spawnSync(MADGE, [...args, dir], { encoding: 'utf8' });
    expect(clean.status).toBe(0);
  });
});
