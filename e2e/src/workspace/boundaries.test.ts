// Package boundaries are enforced by lint: the proxy and the control plane never import each
// other, components reach each other only through package exports. Uses the repo's real ESLint config.
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../harness/repo.js';

const eslint = new ESLint({ cwd: REPO_ROOT });

async function lint(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO_ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('package boundaries', () => {
  it.each([
    ['packages/proxy/src/probe.ts', "import { main } from '@weft/control-plane';\nexport const x = main;\n"],
    ['packages/control-plane/src/probe.ts', "import { main } from '@weft/proxy';\nexport const x = main;\n"],
    ['packages/shared/src/probe.ts', "import { run } from '@weft/cli';\nexport const x = run;\n"],
    ['packages/ui/src/probe.ts', "import { main } from '@weft/control-plane';\nexport const x = main;\n"],
  ])('%s may not import that package', async (file, code) => {
    const errors = await lint(file, code);
    expect(errors.some((e) => e.startsWith('@nx/enforce-module-boundaries'))).toBe(true);
  });

  it.each([
    ['packages/proxy/src/probe.ts', "import { main } from '../../control-plane/src/main.js';\nexport const x = main;\n"],
    ['packages/cli/src/probe.ts', "import { WEFT_VERSION } from '@weft/shared/src/version.js';\nexport const x = WEFT_VERSION;\n"],
  ])('%s may not deep-import another package', async (file, code) => {
    expect(await lint(file, code)).not.toEqual([]);
  });

  it.each([
    ['packages/proxy/src/probe.ts', "import { WEFT_VERSION } from '@weft/shared';\nexport const x = WEFT_VERSION;\n"],
    // weftctl loads the control plane lazily (only `up` needs it), so a probe there imports it the same way.
    ['packages/cli/src/probe.ts', "export const x = async () => (await import('@weft/control-plane')).main;\n"],
  ])('%s may import through package exports', async (file, code) => {
    expect(await lint(file, code)).toEqual([]);
  });
});
