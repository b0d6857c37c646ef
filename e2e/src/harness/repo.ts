// Where things are, for e2e scenarios: the repository root and its packages.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding nx.json). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The publishable packages: folder under packages/, npm name, and binary (if any). */
export const PACKAGES = [
  { dir: 'shared', name: '@weft/shared', bin: undefined },
  { dir: 'control-plane', name: '@weft/control-plane', bin: 'weftd' },
  { dir: 'proxy', name: '@weft/proxy', bin: 'weft-proxy' },
  { dir: 'webhook', name: '@weft/webhook', bin: 'weft-injector' },
  { dir: 'cli', name: '@weft/cli', bin: 'weftctl' },
  { dir: 'ui', name: '@weft/ui', bin: 'weft-ui' },
  // Four programs (weft-sample-*), started by weftctl up rather than installed on their own.
  { dir: 'sample-bookinfo', name: '@weft/sample-bookinfo', bin: undefined },
] as const;

/** Absolute path of a package folder. */
export function packageDir(dir: string): string {
  return join(REPO_ROOT, 'packages', dir);
}
