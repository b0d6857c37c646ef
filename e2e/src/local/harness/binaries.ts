// Where the built binaries are: each package's package.json `bin` entry, resolved in its folder. e2e
// runs what `npm pack` would ship (dist/), never the sources, so a missing build fails loudly here.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from '../../harness/repo.js';

/**
 * The absolute path of binary `bin` of the package in packages/`dir`. Throws with the build command
 * when the package has not been built.
 */
export function binaryPath(dir: string, bin: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir(dir), 'package.json'), 'utf8')) as { name: string; bin?: Record<string, string> };
  const relative = manifest.bin?.[bin];
  if (!relative) throw new Error(`${manifest.name} declares no binary ${bin}`);
  const path = join(packageDir(dir), relative);
  if (!existsSync(path)) throw new Error(`${path} is missing: build first (npx nx run-many -t build --projects=@weft/shared,${manifest.name})`);
  return path;
}
