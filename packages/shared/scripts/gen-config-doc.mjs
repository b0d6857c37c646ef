#!/usr/bin/env node
// Writes one binary's section of docs/config.md from the settings declared in its config module, so the
// docs never drift from its `--help`. Each package's `gen:config-doc` script builds it and runs this.
// Usage: node gen-config-doc.mjs <built config module, e.g. dist/config.js> <section title, e.g. weftd> [--check]
// The module must export renderConfigMarkdown(). `--check` only compares and exits 1 when the file is stale
// (each package's src/config.test.ts checks the same).

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spliceDocSection } from '../dist/settings/render-doc.js';

const [modulePath, title] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (modulePath === undefined || title === undefined) {
  console.error('usage: gen-config-doc.mjs <built config module> <section title> [--check]');
  process.exit(2);
}
const config = await import(pathToFileURL(resolve(modulePath)).href);

const docUrl = new URL('../../../docs/config.md', import.meta.url);
const header = '# Configuration\n\nEvery setting of each Weft binary, generated from its `config.ts`.\n';
const before = existsSync(docUrl) ? readFileSync(docUrl, 'utf8') : header;
const after = spliceDocSection(before, title, config.renderConfigMarkdown());
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(`docs/config.md is stale: run npm run gen:config-doc in the package of ${title}`);
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(docUrl, after);
  console.log(`docs/config.md: ${title} section updated`);
}
