#!/usr/bin/env node
// Writes the `## weft-proxy` section of docs/config.md from the settings declared in src/config.ts, so the
// docs never drift from `weft-proxy --help`. `--check` only compares and exits 1 when the file is stale
// (src/config.test.ts checks the same). config.ts imports nothing but node:util and node:net, so it is transpiled
// on the fly: no build needed.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';

const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
const dir = mkdtempSync(join(tmpdir(), 'weft-config-doc-'));
let config;
try {
  const file = join(dir, 'config.mjs');
  writeFileSync(file, outputText);
  config = await import(pathToFileURL(file).href);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const docUrl = new URL('../../../docs/config.md', import.meta.url);
const header = '# Configuration\n\nEvery setting of each Weft binary, generated from its `config.ts`.\n';
const before = existsSync(docUrl) ? readFileSync(docUrl, 'utf8') : header;
const after = config.spliceConfigMarkdown(before);
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error('docs/config.md is stale: run node packages/proxy/scripts/gen-config-doc.mjs');
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(docUrl, after);
  console.log('docs/config.md: weft-proxy section updated');
}
