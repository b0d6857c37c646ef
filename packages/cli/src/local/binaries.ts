// Where the programs of a local mesh are: each package's `bin` entry, resolved through Node's module
// resolution from this package (the workspace symlinks, or node_modules when installed from npm).

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The absolute path of package `pkg`'s directory. Throws when it is not installed. */
export function packageDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

/** The absolute path of binary `bin` of `pkg`. Throws, naming the build command, when it is missing. */
export function binaryPath(pkg: string, bin: string): string {
  const dir = packageDir(pkg);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin?: Record<string, string> };
  const relative = manifest.bin?.[bin];
  if (!relative) throw new Error(`${pkg} declares no binary ${bin}`);
  const path = join(dir, relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: build it first (npm run build, or npx nx build ${pkg})`);
  return path;
}

/** The programs `weftctl up` runs. */
export interface MeshBinaries {
  readonly weftd: string;
  readonly proxy: string;
  /** Sample program by app name. */
  readonly sample: (app: string) => string;
  /** The sample's mesh config, what an empty config directory is seeded with. */
  readonly sampleConfigDir: string;
}

/** Resolves every binary up front, so a missing build fails before anything starts. */
export function resolveMeshBinaries(): MeshBinaries {
  const samples = new Map(['productpage', 'details', 'reviews', 'ratings'].map((app) => [app, binaryPath('@weft/sample-bookinfo', `weft-sample-${app}`)]));
  return {
    weftd: binaryPath('@weft/control-plane', 'weftd'),
    proxy: binaryPath('@weft/proxy', 'weft-proxy'),
    sample: (app) => {
      const path = samples.get(app);
      if (!path) throw new Error(`no sample program for app ${app}`);
      return path;
    },
    sampleConfigDir: join(packageDir('@weft/sample-bookinfo'), 'config'),
  };
}
