// `weftctl apply -f <file|dir|->`: validates like `weftctl validate` (same loader, same findings) and,
// when everything is valid, writes the resources into the running mesh's config directory (or
// --config-dir), where weftd picks them up within a second.

import type { Command } from 'commander';
import { findingOfInputProblem, loadSources, reportDocument, type Finding } from '@weft/shared/node';
import type { Io } from '../io.js';
import { applyResources, type ApplyInput } from '../local/apply-resources.js';
import { fetchConfigz } from '../local/configz.js';
import { resolveMeshPaths } from '../local/mesh-paths.js';
import { ISTIO_KINDS } from '../local/resource-kinds.js';
import { findRunningMesh } from '../local/up-lock.js';
import { pollUntil } from '../local/wait-for.js';
import { createPalette, isTerminal } from '../output/palette.js';
import { formatFinding, formatValidateText, type ResourceEntry } from '../output/validate-text.js';

/** Options of {@link runApply}. */
export interface ApplyOptions {
  readonly filename: readonly string[];
  /** Write here instead of the running mesh's config directory. */
  readonly configDir?: string;
  readonly stateDir?: string;
  readonly strict?: boolean;
}

/**
 * Validates every source; on any error prints the validate report to `io.err` and writes nothing
 * (exit 1). Otherwise writes each Istio resource and prints kubectl's `<kind>.<group>/<name> created|
 * configured|unchanged` lines (exit 0). Exit 1 also when there is no mesh to apply to.
 */
export async function runApply(options: ApplyOptions, io: Io): Promise<number> {
  const paths = resolveMeshPaths({ stateDir: options.stateDir });
  const running = options.configDir ? undefined : await findRunningMesh(paths.stateFile);
  const configDir = options.configDir ? resolveMeshPaths({ configDir: options.configDir }).configDir : running?.configDir;
  if (!configDir) {
    io.err.write('weftctl apply: no mesh is running (start one with weftctl up), and no --config-dir was given\n');
    return 1;
  }
  const loaded = await loadSources(options.filename, { stdin: io.stdin });
  const inputFindings: Finding[] = loaded.problems.map(findingOfInputProblem);
  const entries: ResourceEntry[] = loaded.documents.map((doc) => reportDocument(doc, { strict: options.strict ?? false }));
  const findings = [...inputFindings, ...entries.flatMap((e) => e.findings)];
  if (findings.some((f) => f.severity === 'error') || loaded.documents.length === 0) {
    io.err.write(formatValidateText({ inputFindings, entries, fileCount: loaded.files.length }, createPalette(isTerminal(io.err))));
    if (loaded.documents.length === 0 && inputFindings.length === 0) io.err.write('weftctl apply: no resources found\n');
    io.err.write('weftctl apply: nothing applied\n');
    return 1;
  }
  const palette = createPalette(isTerminal(io.err));
  for (const f of findings) io.err.write(formatFinding(f, palette));
  const inputs: ApplyInput[] = [];
  for (const [i, doc] of loaded.documents.entries()) {
    const r = entries[i]?.resource;
    if (!r?.checked) {
      io.err.write(`${doc.file}: ${r?.kind ?? 'resource'} ${r?.name ?? ''} skipped: not an Istio kind\n`);
      continue;
    }
    inputs.push({ kind: r.kind, namespace: r.namespace || 'default', name: r.name, value: withNamespace(doc.value, r.namespace || 'default'), from: doc.file });
  }
  const outcomes = await applyResources(configDir, inputs);
  for (const o of outcomes) {
    const kind = ISTIO_KINDS.find((k) => k.kind === o.kind);
    const group = String((inputs.find((i) => i.kind === o.kind && i.name === o.name)?.value.apiVersion ?? '')).split('/')[0];
    io.out.write(`${(kind?.kind ?? o.kind).toLowerCase()}.${group}/${o.name} ${o.action}${o.action === 'unchanged' ? '' : ` (${o.file}${o.movedFrom ? `, moved out of ${o.movedFrom}` : ''})`}\n`);
  }
  // With a mesh running, wait (briefly) until weftd has the new content, so a `get` right after shows it.
  if (running?.debugUrl && outcomes.some((o) => o.action !== 'unchanged')) {
    const debugUrl = running.debugUrl;
    try {
      await pollUntil(
        'weftd to load the change',
        async () => {
          const inForce = await fetchConfigz(debugUrl);
          return inputs.every((i) => inForce.some((e) => e.kind === i.kind && e.namespace === i.namespace && e.name === i.name && JSON.stringify(e.resource.spec) === JSON.stringify(i.value.spec)));
        },
        { timeoutMs: 5000, intervalMs: 100 },
      );
    } catch (e) {
      io.err.write(`weftctl apply: written, but ${(e as Error).message}; see weftd's log in ${running.logsDir}\n`);
    }
  }
  return 0;
}

function withNamespace(value: unknown, namespace: string): Record<string, unknown> {
  const v = value as Record<string, unknown>;
  const metadata = (v.metadata ?? {}) as Record<string, unknown>;
  return { ...v, metadata: { ...metadata, namespace } };
}

/** Registers `apply` on the program. */
export function registerApply(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('apply')
    .description('validate Istio configuration and apply it to the running local mesh (weftctl up)')
    .requiredOption('-f, --filename <path>', 'a file, a directory (recursive) or - for stdin; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config-dir <dir>', 'write into this config directory instead of the running mesh\'s')
    .option('--state-dir <dir>', 'where the running mesh\'s state is (default: $WEFT_STATE_DIR, $XDG_STATE_HOME/weft or ~/.weft)')
    .option('--strict', 'report fields the CRD does not declare as errors, not warnings', false)
    .addHelpText(
      'after',
      `
Examples:
  weftctl apply -f virtual-service-reviews-v3.yaml
  cat vs.yaml | weftctl apply -f -

Each resource replaces the one of the same kind, namespace and name (kubectl apply); new ones are
written to <config-dir>/applied/. Nothing is written when any resource is invalid.
Exit status: 0 applied, 1 invalid input or no mesh, 2 usage errors.`,
    )
    .action(async (opts: { filename: string[]; configDir?: string; stateDir?: string; strict: boolean }) => {
      setExit(await runApply({ filename: opts.filename, configDir: opts.configDir, stateDir: opts.stateDir, strict: opts.strict }, io));
    });
}
