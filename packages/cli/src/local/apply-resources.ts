// Writing validated resources into a mesh's config directory, where weftd's watcher picks them up: a
// resource already defined in a one-resource file replaces that file; one defined inside a multi-
// document file is taken out of it (the other documents and comments stay) and written on its own;
// a new one gets `applied/<kind>-<namespace>-<name>.yaml`. Validation is the caller's job.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { loadSources } from '@weft/shared/node';

/** A resource to apply. */
export interface ApplyInput {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly value: Record<string, unknown>;
  /** Where it was read from, for the file's header comment. */
  readonly from: string;
}

/** What happened to one resource. */
export interface ApplyOutcome {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly action: 'created' | 'configured' | 'unchanged';
  /** The file that now holds it. */
  readonly file: string;
  /** The multi-document file it was taken out of, when it was in one. */
  readonly movedFrom?: string;
}

const nsOf = (v: unknown): string => {
  const ns = (v as { metadata?: { namespace?: unknown } } | undefined)?.metadata?.namespace;
  return typeof ns === 'string' && ns !== '' ? ns : 'default';
};
const keyOf = (kind: unknown, namespace: string, name: unknown): string => `${String(kind)}/${namespace}/${String(name)}`;

/** Writes `text` to `file` through a temporary sibling, so the watcher never reads half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

/** Applies `inputs` to `configDir` in order. Rejects on I/O errors (what was written before stays). */
export async function applyResources(configDir: string, inputs: readonly ApplyInput[]): Promise<ApplyOutcome[]> {
  const outcomes: ApplyOutcome[] = [];
  for (const input of inputs) {
    const existing = await loadSources([configDir]);
    const key = keyOf(input.kind, input.namespace, input.name);
    const byFile = new Map<string, unknown[]>();
    for (const d of existing.documents) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d.value]);
    const home = existing.documents.find((d) => {
      const v = d.value as { kind?: unknown; metadata?: { name?: unknown } } | undefined;
      return v !== undefined && keyOf(v.kind, nsOf(v), v.metadata?.name) === key;
    });
    const text = `# Applied by weftctl apply from ${input.from}\n${stringify(input.value)}`;
    const own = join(configDir, 'applied', `${input.kind.toLowerCase()}-${input.namespace}-${input.name}.yaml`);
    const base = { kind: input.kind, namespace: input.namespace, name: input.name };
    if (!home) {
      await writeAtomically(own, text);
      outcomes.push({ ...base, action: 'created', file: own });
      continue;
    }
    if (isDeepStrictEqual(home.value, input.value)) {
      outcomes.push({ ...base, action: 'unchanged', file: home.file });
      continue;
    }
    if ((byFile.get(home.file) ?? []).length <= 1) {
      await writeAtomically(home.file, text);
      outcomes.push({ ...base, action: 'configured', file: home.file });
      continue;
    }
    // Written on its own first, then removed from the shared file: in between weftd sees it twice
    // (it keeps one and warns), never zero times.
    await writeAtomically(own, text);
    const docs = parseAllDocuments(await readFile(home.file, 'utf8'));
    const kept = (Array.isArray(docs) ? docs : [docs]).filter((doc) => {
      const v = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown } } | null;
      return !(v && keyOf(v.kind, nsOf(v), v.metadata?.name) === key);
    });
    await writeAtomically(home.file, kept.map((d, i) => (i === 0 ? String(d) : `---\n${String(d)}`)).join(''));
    outcomes.push({ ...base, action: 'configured', file: own, movedFrom: home.file });
  }
  return outcomes;
}
