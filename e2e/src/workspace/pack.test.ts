// Each package is publishable alone: `npm pack` gives a tarball that installs into an empty
// directory (next to @weft/shared's tarball, by version) and whose binary runs there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGES, REPO_ROOT, packageDir } from '../harness/repo.js';

const work = mkdtempSync(join(tmpdir(), 'weft-pack-'));
const tarballs = new Map<string, string>();
afterAll(() => rmSync(work, { recursive: true, force: true }));

beforeAll(() => {
  for (const p of PACKAGES) {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: packageDir(p.dir), encoding: 'utf8' });
    const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
    if (!info) throw new Error(`npm pack gave nothing for ${p.name}`);
    tarballs.set(p.name, join(work, info.filename));
    tarballs.set(`${p.name}#files`, info.files.map((f) => f.path).join('\n'));
  }
});

describe('npm pack', () => {
  it.each(PACKAGES.map((p) => [p.name]))('%s ships built code only', (name) => {
    const files = (tarballs.get(`${name}#files`) ?? '').split('\n');
    expect(files).toContain('package.json');
    expect(files).toContain('README.md');
    expect(files.some((f) => f.startsWith('dist/') && f.endsWith('.js'))).toBe(true);
    expect(files.filter((f) => f.startsWith('src/') || /\.test\.(js|ts)$/.test(f))).toEqual([]);
  });

  it.each(PACKAGES.filter((p) => p.bin).map((p) => [p.name, p.bin]))('%s installs into an empty directory and %s runs', (name, bin) => {
    const dir = mkdtempSync(join(work, 'install-'));
    const own = tarballs.get(name);
    const folder = PACKAGES.find((p) => p.name === name)?.dir ?? '';
    // Its own tarball and those of the workspace packages it depends on (never fetched from the registry).
    const workspaceDeps = Object.keys((JSON.parse(readFileSync(join(packageDir(folder), 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}).filter((d) => d.startsWith('@weft/'));
    const deps = workspaceDeps.map((d) => tarballs.get(d));
    if (!own || deps.some((d) => d === undefined)) throw new Error('tarballs missing');
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', ...(deps as string[]), own], { cwd: dir, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'node_modules', ...name.split('/'), 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    expect(manifest.dependencies?.['@weft/shared']).toMatch(/^\^?\d+\.\d+\.\d+$/);
    const run = spawnSync(join(dir, 'node_modules', '.bin', bin ?? ''), ['--version'], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(`${bin} ${JSON.parse(readFileSync(join(packageDir('shared'), 'package.json'), 'utf8')).version}`);
    if (bin === 'weftctl') {
      // Real work from the installed tarballs: schemas, CEL rules and regex checks ship with @weft/shared.
      const validate = spawnSync(join(dir, 'node_modules', '.bin', 'weftctl'), ['validate', '-f', join(REPO_ROOT, 'examples', 'bookinfo')], { cwd: dir, encoding: 'utf8' });
      expect(validate.status, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/\d+ resources valid in \d+ files/);
      const invalid = spawnSync(join(dir, 'node_modules', '.bin', 'weftctl'), ['validate', '-f', join(REPO_ROOT, 'examples', 'invalid', 'bad-enum.yaml')], { cwd: dir, encoding: 'utf8' });
      expect(invalid.status).toBe(1);
      expect(invalid.stdout).toContain('Unsupported value: "MUTUAL_ISTIO"');
    }
  });

  it('@weft/shared installs alone and its entry points load', () => {
    const dir = mkdtempSync(join(work, 'install-shared-'));
    const shared = tarballs.get('@weft/shared');
    if (!shared) throw new Error('tarball missing');
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', shared], { cwd: dir, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const script = [
      "const s = await import('@weft/shared');",
      "const n = await import('@weft/shared/node');",
      "const x = await import('@weft/shared/xds');",
      "const v = s.validateResource({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'r' }, spec: { hosts: ['r'], http: [{ timeout: '0.1ms', route: [{ destination: { host: 'r' } }] }] } });",
      "console.log(JSON.stringify({ errors: v.errors.map((e) => e.path), node: typeof n.loadSources, xds: typeof x.packAny }));",
    ].join('\n');
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ errors: ['spec.http[0].timeout'], node: 'function', xds: 'function' });
  });
});
