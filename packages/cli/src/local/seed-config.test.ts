import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packageDir } from './binaries.js';
import { seedConfigDir } from './seed-config.js';

const SAMPLE = join(packageDir('@weft/sample-bookinfo'), 'config');
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weftctl-seed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('seedConfigDir', () => {
  it('creates a new directory (with parents) holding the sample config and the gateway', async () => {
    const target = join(dir, 'a', 'b', 'mesh');
    const r = await seedConfigDir(target, SAMPLE);
    expect(r).toEqual({ seeded: true, files: ['destination-rules.yaml', 'gateway.yaml', 'services.yaml', 'workloads.yaml'] });
    expect((await readdir(target)).sort()).toEqual(['destination-rules.yaml', 'gateway.yaml', 'services.yaml', 'workloads.yaml']);
    expect(await readFile(join(target, 'gateway.yaml'), 'utf8')).toBe(await readFile(join(SAMPLE, 'gateway.yaml'), 'utf8'));
  });

  it('seeds an existing empty directory', async () => {
    expect((await seedConfigDir(dir, SAMPLE)).seeded).toBe(true);
  });

  it.each([
    ['a user file with a sample name', 'workloads.yaml'],
    ['an unrelated file', 'notes.txt'],
    ['a hidden file', '.keep'],
  ])('never writes into a directory holding %s', async (_, name) => {
    await writeFile(join(dir, name), 'mine\n');
    expect(await seedConfigDir(dir, SAMPLE)).toEqual({ seeded: false, reason: 'not-empty', entries: 1 });
    expect(await readdir(dir)).toEqual([name]);
    expect(await readFile(join(dir, name), 'utf8')).toBe('mine\n');
  });

  it('never writes into a directory holding only a subdirectory', async () => {
    await mkdir(join(dir, 'sub'));
    expect((await seedConfigDir(dir, SAMPLE)).seeded).toBe(false);
    expect(await readdir(dir)).toEqual(['sub']);
  });
});
