#!/usr/bin/env node
// Prints the size of a built web bundle (raw and gzip), so every build reports it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? 'dist/web';
let raw = 0;
let gz = 0;
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (/\.(js|css|html)$/.test(name)) {
      const buf = readFileSync(p);
      raw += buf.length;
      gz += gzipSync(buf).length;
    }
  }
};
walk(dir);
console.log(`bundle ${dir}: ${(raw / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzip`);
