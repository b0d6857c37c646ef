// Reading YAML sources from the filesystem and stdin (Node only): files, directories walked
// recursively, `-` for stdin. Parsing is load.ts; read failures are values, never throws.

import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocuments, type LoadedDocument } from './load.js';

/** File names a directory walk picks up (kubectl's recognised extensions). */
const SOURCE_FILE = /\.(?:ya?ml|json)$/;

/** A source that could not be read: a missing path, a permission problem, an empty directory. */
export interface InputProblem {
  readonly code: 'WEFT_ERR_INPUT_READ';
  /** The path as given (or as found inside a given directory), `-` for stdin. */
  readonly path: string;
  readonly message: string;
}

/** Everything read from a list of sources. */
export interface LoadedSources {
  /** Every file read (and `-` for stdin), in the order their documents appear. */
  readonly files: readonly string[];
  /** The documents of every source, in source order then document order. */
  readonly documents: readonly LoadedDocument[];
  /** Sources that could not be read; the others are still loaded. */
  readonly problems: readonly InputProblem[];
}

/** Where `-` reads from. */
export interface LoadOptions {
  readonly stdin?: NodeJS.ReadableStream;
}

/**
 * Loads `paths` in the order given. A file is read whatever its name; a directory is walked
 * recursively for `.yaml`, `.yml` and `.json` files, sorted by path so output is stable, skipping
 * hidden directories (`.git`, ...) below it. `-` reads `options.stdin` once (a second `-` reuses it).
 * Never rejects: unreadable sources become {@link InputProblem}s.
 */
export async function loadSources(paths: readonly string[], options: LoadOptions = {}): Promise<LoadedSources> {
  const files: string[] = [];
  const documents: LoadedDocument[] = [];
  const problems: InputProblem[] = [];
  let stdinText: Promise<string> | undefined;
  const add = (file: string, text: string) => {
    files.push(file);
    documents.push(...parseDocuments(text, file));
  };
  for (const path of paths) {
    if (path === '-') {
      if (!options.stdin) {
        problems.push({ code: 'WEFT_ERR_INPUT_READ', path, message: 'cannot read stdin: no input stream' });
        continue;
      }
      stdinText ??= readStream(options.stdin);
      try {
        add('-', await stdinText);
      } catch (e) {
        problems.push({ code: 'WEFT_ERR_INPUT_READ', path, message: `cannot read stdin: ${describeIoError(e)}` });
      }
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (e) {
      problems.push({ code: 'WEFT_ERR_INPUT_READ', path, message: `cannot read ${path}: ${describeIoError(e)}` });
      continue;
    }
    const problemsBefore = problems.length;
    const targets = isDir ? await listSourceFiles(path, problems) : [path];
    if (isDir && targets.length === 0 && problems.length === problemsBefore) {
      // kubectl's wording: a directory without recognised files is a read error, not silence.
      problems.push({ code: 'WEFT_ERR_INPUT_READ', path, message: `error reading ${path}: recognized file extensions are [.json .yaml .yml]` });
    }
    for (const file of targets) {
      try {
        add(file, await readFile(file, 'utf8'));
      } catch (e) {
        problems.push({ code: 'WEFT_ERR_INPUT_READ', path: file, message: `cannot read ${file}: ${describeIoError(e)}` });
      }
    }
  }
  return { files, documents, problems };
}

/**
 * The source files under `dir`, recursively, sorted by path (code-unit order, so stable across
 * platforms and locales). Hidden directories are skipped; symbolic links are followed once (a link
 * back to an ancestor is not walked again). Unreadable subdirectories are added to `problems`.
 */
export async function listSourceFiles(dir: string, problems: InputProblem[] = []): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  const walk = async (current: string): Promise<void> => {
    let real: string;
    try {
      real = await realpath(current);
    } catch (e) {
      problems.push({ code: 'WEFT_ERR_INPUT_READ', path: current, message: `cannot read ${current}: ${describeIoError(e)}` });
      return;
    }
    if (seen.has(real)) return;
    seen.add(real);
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch (e) {
      problems.push({ code: 'WEFT_ERR_INPUT_READ', path: current, message: `cannot read ${current}: ${describeIoError(e)}` });
      return;
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        try {
          const s = await stat(full);
          isDir = s.isDirectory();
          isFile = s.isFile();
        } catch {
          continue; // a dangling link is not a source
        }
      }
      if (isDir && !entry.name.startsWith('.')) await walk(full);
      else if (isFile && SOURCE_FILE.test(entry.name)) found.push(full);
    }
  };
  await walk(dir);
  return found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads a whole stream as UTF-8 text. */
export async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A short reason for a failed read, without Node's syscall prefix. */
function describeIoError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  switch (err.code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'ENOTDIR':
      return 'not a directory';
    default:
      return err.message ?? String(e);
  }
}
