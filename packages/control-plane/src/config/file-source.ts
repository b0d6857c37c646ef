// The config directory source: reads every YAML/JSON file under a directory, validates each file as
// a whole, hands valid files to the ConfigStore (one source id per file) and watches the directory.
// A file with any invalid document is rejected and its last good contribution stays in force.

import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { listSourceFiles, parseDocuments, reportDocument, type Finding, type InputProblem } from '@weft/shared/node';
import type { Logger } from 'pino';
import { createConfigEntry, type ConfigEntry, type ConfigStore } from './config-store.js';

/** A document of a rejected file that failed validation (one per invalid resource). */
export interface RejectedResource {
  readonly file: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Its errors, located (file:line:column, field path, message). */
  readonly findings: readonly Finding[];
}

/** What the source knows about one file. */
export interface FileStatus {
  readonly file: string;
  /** `valid`: its resources are in force; `rejected`: its current content failed validation and the
   *  last good content (if any) stays in force. */
  readonly state: 'valid' | 'rejected';
  /** Resources of this file in the store. */
  readonly inForce: number;
  /** Errors and warnings of the current content. */
  readonly findings: readonly Finding[];
}

/** Settings of {@link FileSource}. */
export interface FileSourceOptions {
  readonly dir: string;
  readonly store: ConfigStore;
  readonly logger: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Wait this long after the last file event before reading (editors write in bursts). Default 50 ms. */
  readonly settleMs?: number;
  /** Called for every invalid resource of a rejected file (for pilot_total_rejected_configs). */
  readonly onRejected?: (rejected: RejectedResource) => void;
}

/** The outcome of one pass over the directory. */
export interface SyncResult {
  /** Files whose new content went into the store. */
  readonly applied: readonly string[];
  /** Files whose new content was rejected. */
  readonly rejected: readonly string[];
  /** Files that disappeared (their resources were removed). */
  readonly removed: readonly string[];
  /** The directory or a file could not be read; what was in force stays. */
  readonly problems: readonly InputProblem[];
}

interface FileState {
  /** Hash of the content last read, valid or not: unchanged content is not validated again. */
  contentHash: string;
  state: 'valid' | 'rejected';
  lastGood: readonly ConfigEntry[];
  findings: readonly Finding[];
}

/** `file:<absolute path>`: the ConfigStore source id of a file. */
export function fileSourceId(file: string): string {
  return `file:${file}`;
}

/** `Kind ns/name`, with the namespace defaulted as the store will. */
function label(r: { kind: string; namespace: string; name: string }): string {
  return `${r.kind || '(no kind)'} ${r.namespace || 'default'}/${r.name || '(no name)'}`;
}

/** One line per finding, as `weftctl validate` prints it: `file:line:col: Kind ns/name: field: reason`. */
export function formatFindingLine(f: Finding): string {
  const where = f.line > 0 ? `${f.file}:${f.line}:${f.column}` : f.file;
  const subject = f.kind || f.name ? `${label(f)}: ` : '';
  return `${where}: ${subject}${f.path ? `${f.path}: ` : ''}${f.message}`;
}

/**
 * Watches a directory of Istio YAML. {@link start} loads it once (resolving when the store holds every
 * valid file) and then watches it; each burst of file events leads to one {@link sync} after
 * `settleMs`. Files are compared by content, so a save that changes nothing, or an editor that
 * replaces a file by renaming a new one over it, is handled the same way. Passes never overlap.
 */
export class FileSource {
  readonly dir: string;
  private readonly files = new Map<string, FileState>();
  private readonly watchers = new Map<string, FSWatcher>();
  private settleTimer: NodeJS.Timeout | undefined;
  private running: Promise<SyncResult> | undefined;
  private again = false;
  private closed = false;
  private watching = false;
  // Node 20's recursive fs.watch on Linux is a JS emulation that loses a file once an editor's save
  // renames a temp file over it (later saves go unseen), so Linux watches each directory instead.
  private recursive = process.platform !== 'linux';

  constructor(private readonly options: FileSourceOptions) {
    this.dir = resolve(options.dir);
  }

  /** Loads the directory and starts watching it. Resolves with the first pass; a directory that cannot
   *  be read is reported in `problems` (and watched anyway, in case it appears). */
  async start(): Promise<SyncResult> {
    const first = await this.sync();
    this.startWatching();
    // Changes made between the first read and the watch starting would be missed: read once more.
    await this.sync();
    return first;
  }

  /** Reads the directory now and applies what changed. Concurrent calls share a pass (and one more
   *  pass runs after it when called during it). */
  async sync(): Promise<SyncResult> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      let result = await this.pass();
      while (this.again && !this.closed) {
        this.again = false;
        result = await this.pass();
      }
      return result;
    })();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** Status per file, sorted by path. */
  status(): FileStatus[] {
    return [...this.files]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([file, s]) => ({ file, state: s.state, inForce: s.lastGood.length, findings: s.findings }));
  }

  /** Stops watching. Resources stay in the store (the caller owns it). */
  close(): void {
    this.closed = true;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.sync().catch((e: unknown) => this.options.logger.error({ err: e, dir: this.dir }, 'config directory sync failed'));
    }, this.options.settleMs ?? 50);
  }

  private startWatching(): void {
    this.watching = true;
    this.ensureWatchers([]);
  }

  /** Keeps a watcher on the directory: one recursive watcher where the platform has reliable ones, else
   *  one per directory in `dirs` (every directory of the tree, so a file added to a new subdirectory is
   *  seen) plus the root. Re-created after the directory reappears. */
  private ensureWatchers(dirs: readonly string[]): void {
    if (this.closed || !this.watching) return;
    if (this.recursive) {
      try {
        this.addWatcher(this.dir, true);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // not there (yet): a later pass retries
        this.recursive = false;
        this.options.logger.debug({ dir: this.dir, err: e }, 'recursive fs.watch unavailable; watching each directory');
      }
    }
    for (const d of new Set([this.dir, ...dirs])) {
      try {
        this.addWatcher(d, false);
      } catch {
        // Gone before we could watch it; a later pass retries.
      }
    }
  }

  private addWatcher(dir: string, recursive: boolean): void {
    if (this.watchers.has(dir)) return;
    const w = watch(dir, { recursive, persistent: false }, () => this.schedule());
    w.on('error', (err) => {
      // The directory went away (or the watch broke): drop the watcher and rescan; the pass re-creates
      // watchers for directories that exist again.
      this.options.logger.warn({ dir, err }, 'config directory watch failed');
      w.close();
      this.watchers.delete(dir);
      this.schedule();
    });
    this.watchers.set(dir, w);
  }

  private async pass(): Promise<SyncResult> {
    const { logger, store } = this.options;
    const problems: InputProblem[] = [];
    const applied: string[] = [];
    const rejected: string[] = [];
    const removed: string[] = [];

    let dirOk = true;
    try {
      dirOk = (await stat(this.dir)).isDirectory();
      if (!dirOk) problems.push({ code: 'WEFT_ERR_INPUT_READ', path: this.dir, message: `cannot read ${this.dir}: not a directory` });
    } catch {
      dirOk = false;
      problems.push({ code: 'WEFT_ERR_INPUT_READ', path: this.dir, message: `cannot read ${this.dir}: no such file or directory` });
    }
    // An unreadable directory (being replaced, unmounted) must not wipe the mesh: keep everything.
    const listed = dirOk ? await listSourceFiles(this.dir, problems) : undefined;
    if (!listed) {
      for (const p of problems) logger.error({ path: p.path, code: p.code }, `${p.message}; keeping the config in force`);
      return { applied, rejected, removed, problems };
    }
    this.ensureWatchers(this.recursive ? [] : await listDirectories(this.dir));

    const present = new Set(listed);
    for (const file of listed) {
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          present.delete(file); // removed between listing and reading
          continue;
        }
        problems.push({ code: 'WEFT_ERR_INPUT_READ', path: file, message: `cannot read ${file}: ${(e as Error).message}` });
        logger.error({ file, code: 'WEFT_ERR_INPUT_READ' }, `cannot read ${file}; keeping its last good config`);
        continue;
      }
      const outcome = this.applyFile(file, text);
      if (outcome === 'applied') applied.push(file);
      else if (outcome === 'rejected') rejected.push(file);
    }
    for (const file of [...this.files.keys()]) {
      if (present.has(file)) continue;
      this.files.delete(file);
      store.removeSource(fileSourceId(file));
      removed.push(file);
      logger.info({ file }, `config file removed: ${file}`);
    }
    return { applied, rejected, removed, problems };
  }

  private applyFile(file: string, text: string): 'applied' | 'rejected' | 'unchanged' {
    const { logger, store, onRejected } = this.options;
    const contentHash = createHash('sha256').update(text).digest('hex');
    const previous = this.files.get(file);
    if (previous?.contentHash === contentHash) return 'unchanged';

    const documents = parseDocuments(text, file);
    const reports = documents.map((doc) => ({ doc, ...reportDocument(doc) }));
    const findings = reports.flatMap((r) => r.findings);
    if (findings.some((f) => f.severity === 'error')) {
      for (const f of findings) {
        const fields = { file: f.file, line: f.line, column: f.column, kind: f.kind, namespace: f.namespace || 'default', name: f.name, field: f.path, code: f.code, ...(f.hint ? { hint: f.hint } : {}) };
        if (f.severity === 'error') logger.error(fields, formatFindingLine(f));
        else logger.warn(fields, formatFindingLine(f));
      }
      for (const r of reports) {
        if (!r.resource.valid) onRejected?.({ file, kind: r.resource.kind, namespace: r.resource.namespace || 'default', name: r.resource.name, findings: r.findings.filter((f) => f.severity === 'error') });
      }
      const kept = previous?.lastGood ?? [];
      logger.warn({ file, kept: kept.length }, `config file rejected: ${file}; keeping its last good config (${kept.length} resources)`);
      this.files.set(file, { contentHash, state: 'rejected', lastGood: kept, findings });
      return 'rejected';
    }

    for (const f of findings) logger.warn({ file: f.file, line: f.line, column: f.column, kind: f.kind, namespace: f.namespace || 'default', name: f.name, field: f.path, code: f.code }, formatFindingLine(f));
    const entries: ConfigEntry[] = [];
    for (const { doc, resource: r } of reports) {
      if (!r.checked || typeof doc.value !== 'object' || doc.value === null) {
        // A Kubernetes kind outside Istio's groups (a Service, a Deployment): weftd has no use for it.
        logger.debug({ file, line: r.line, kind: r.kind, name: r.name }, `ignoring ${label(r)}: not an Istio kind`);
        continue;
      }
      entries.push(createConfigEntry(doc.value as Record<string, unknown>, { source: fileSourceId(file), file, line: r.line }));
    }
    store.replaceSource(fileSourceId(file), entries);
    for (const c of store.conflicts()) {
      if (c.loser.file === file || c.winner.file === file) logger.warn({ kind: c.ref.kind, namespace: c.ref.namespace, name: c.ref.name, winner: c.winner.file, loser: c.loser.file }, `${label(c.ref)} is defined twice; using ${c.winner.file ?? c.winner.source}`);
    }
    logger.info({ file, resources: entries.length }, `config file loaded: ${file} (${entries.length} resources)`);
    this.files.set(file, { contentHash, state: 'valid', lastGood: entries, findings });
    return 'applied';
  }
}

/** Every non-hidden directory under `root`, the root included; unreadable ones are left out (the file
 *  listing reports them). */
async function listDirectories(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    out.push(dir);
    if (depth > 32) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(join(dir, e.name), depth + 1);
  };
  await walk(root, 0);
  return out;
}
