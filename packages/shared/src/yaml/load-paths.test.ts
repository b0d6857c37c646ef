import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listSourceFiles, loadSources } from './load-paths.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'weft-load-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, text: string): Promise<string> {
  const full = join(root, rel);
  await mkdir(join(full, '..'), { recursive: true });
  await writeFile(full, text);
  return full;
}

const kindDoc = (kind: string) => `apiVersion: networking.istio.io/v1\nkind: ${kind}\nmetadata:\n  name: x\n`;

describe('listSourceFiles', () => {
  it('walks recursively, keeps .yaml/.yml/.json, skips hidden directories, sorts by path', async () => {
    await put('b.yaml', kindDoc('B'));
    await put('a.yml', kindDoc('A'));
    await put('sub/z.json', '{"kind": "Z"}');
    await put('sub/deeper/c.yaml', kindDoc('C'));
    await put('sub/notes.txt', 'not yaml');
    await put('README.md', '# no');
    await put('.git/config.yaml', kindDoc('Hidden'));
    await put('sub/.cache/d.yaml', kindDoc('Hidden'));
    const files = await listSourceFiles(root);
    expect(files.map((f) => f.slice(root.length + 1))).toEqual(['a.yml', 'b.yaml', 'sub/deeper/c.yaml', 'sub/z.json']);
  });

  it('follows a symbolic link to a directory once, without looping', async () => {
    await put('real/a.yaml', kindDoc('A'));
    await symlink(join(root, 'real'), join(root, 'link'));
    await symlink(root, join(root, 'real', 'back-to-root'));
    const files = await listSourceFiles(root);
    // each real directory is walked once: through `link` (first in order) and not again through `real`
    expect(files.map((f) => f.slice(root.length + 1))).toEqual(['link/a.yaml']);
  });
});

describe('loadSources', () => {
  it('loads files and directories in the order given, documents in source order', async () => {
    const one = await put('one.yaml', `${kindDoc('A')}---\n${kindDoc('B')}`);
    await put('dir/x.yaml', kindDoc('X'));
    await put('dir/w.yaml', kindDoc('W'));
    const loaded = await loadSources([one, join(root, 'dir')]);
    expect(loaded.problems).toEqual([]);
    expect(loaded.files).toEqual([one, join(root, 'dir', 'w.yaml'), join(root, 'dir', 'x.yaml')]);
    expect(loaded.documents.map((d) => (d.value as { kind: string }).kind)).toEqual(['A', 'B', 'W', 'X']);
    expect(loaded.documents[1]?.position).toEqual({ file: one, line: 6, column: 1 });
  });

  it('reads a named file whatever its extension', async () => {
    const f = await put('config.txt', kindDoc('T'));
    const loaded = await loadSources([f]);
    expect(loaded.documents.map((d) => (d.value as { kind: string }).kind)).toEqual(['T']);
  });

  it('reports a missing path as a value naming it, and still loads the rest', async () => {
    const ok = await put('ok.yaml', kindDoc('A'));
    const missing = join(root, 'missing.yaml');
    const loaded = await loadSources([missing, ok]);
    expect(loaded.problems).toEqual([{ code: 'WEFT_ERR_INPUT_READ', path: missing, message: `cannot read ${missing}: no such file or directory` }]);
    expect(loaded.documents).toHaveLength(1);
  });

  it('reports a path through a file (a read error even root gets)', async () => {
    const f = await put('plain.yaml', kindDoc('A'));
    const through = join(f, 'inner.yaml');
    const loaded = await loadSources([through]);
    expect(loaded.problems).toEqual([{ code: 'WEFT_ERR_INPUT_READ', path: through, message: `cannot read ${through}: not a directory` }]);
  });

  it('reports a directory without YAML files the way kubectl does', async () => {
    await put('empty/notes.txt', 'x');
    const dir = join(root, 'empty');
    const loaded = await loadSources([dir]);
    expect(loaded.problems).toEqual([
      { code: 'WEFT_ERR_INPUT_READ', path: dir, message: `error reading ${dir}: recognized file extensions are [.json .yaml .yml]` },
    ]);
  });

  it('reports a file it cannot read, and keeps the readable ones', async () => {
    // A dangling symlink fails to read for every user, root included (chmod 000 would not stop root).
    const ok = await put('links/ok.yaml', kindDoc('A'));
    const dangling = join(root, 'links', 'gone.yaml');
    await symlink(join(root, 'links', 'no-such-target.yaml'), dangling);
    const loaded = await loadSources([dangling, ok]);
    expect(loaded.problems).toEqual([{ code: 'WEFT_ERR_INPUT_READ', path: dangling, message: `cannot read ${dangling}: no such file or directory` }]);
    expect(loaded.documents.map((d) => d.file)).toEqual([ok]);
  });

  it('reads stdin for `-`, once even when given twice', async () => {
    const stdin = Readable.from([Buffer.from(kindDoc('S'))]);
    const loaded = await loadSources(['-', '-'], { stdin });
    expect(loaded.files).toEqual(['-', '-']);
    expect(loaded.documents.map((d) => [d.file, (d.value as { kind: string }).kind])).toEqual([
      ['-', 'S'],
      ['-', 'S'],
    ]);
  });

  it('reads stdin arriving in chunks, split inside a multi-byte character', async () => {
    const stdin = new PassThrough();
    const bytes = Buffer.from(`${kindDoc('S')}  annotations:\n    note: "héllo ✓"\n`);
    const cut = bytes.indexOf(Buffer.from('✓')) + 1;
    const pending = loadSources(['-'], { stdin });
    stdin.write(bytes.subarray(0, cut));
    stdin.end(bytes.subarray(cut));
    const loaded = await pending;
    expect(loaded.documents[0]?.value).toMatchObject({ metadata: { annotations: { note: 'héllo ✓' } } });
  });

  it('reports `-` without a stdin stream', async () => {
    const loaded = await loadSources(['-']);
    expect(loaded.problems).toEqual([{ code: 'WEFT_ERR_INPUT_READ', path: '-', message: 'cannot read stdin: no input stream' }]);
  });
});
