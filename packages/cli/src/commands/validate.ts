// `weftctl validate -f <file|dir|->`: checks Istio YAML as Istio's validation would (API server
// metadata rules, CRD schema + CEL, istiod's semantic rules) and says where each problem is.

import { Option, type Command } from 'commander';
import { findingOfInputProblem, loadSources, reportDocument, type Finding } from '@weft/shared/node';
import type { Io } from '../io.js';
import { createPalette, isTerminal } from '../output/palette.js';
import { formatValidateText, type ResourceEntry } from '../output/validate-text.js';

/** Options of {@link runValidate}, as parsed from the command line. */
export interface ValidateOptions {
  /** Files, directories (recursive) or `-` for stdin, in order. */
  readonly filename: readonly string[];
  readonly output: 'text' | 'json';
  /** Fields the CRD does not declare are errors (default: warnings, as Kubernetes prunes them). */
  readonly strict?: boolean;
}

/**
 * Validates every resource of every source and writes the report to `io.out`. Resolves to the
 * exit code: 0 when nothing is an error (warnings alone pass), 1 when anything is.
 */
export async function runValidate(options: ValidateOptions, io: Io): Promise<number> {
  const loaded = await loadSources(options.filename, { stdin: io.stdin });
  const inputFindings: Finding[] = loaded.problems.map(findingOfInputProblem);
  const entries: ResourceEntry[] = loaded.documents.map((doc) => reportDocument(doc, { strict: options.strict ?? false }));
  const findings = [...inputFindings, ...entries.flatMap((e) => e.findings)];
  const valid = !findings.some((f) => f.severity === 'error');
  if (options.output === 'json') {
    const resources = entries.map((e) => e.resource);
    io.out.write(`${JSON.stringify({ valid, resources, findings }, null, 2)}\n`);
  } else {
    io.out.write(formatValidateText({ inputFindings, entries, fileCount: loaded.files.length }, createPalette(isTerminal(io.out))));
  }
  return valid ? 0 : 1;
}

/** Registers `validate` on the program. */
export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('validate Istio configuration files (files, directories, or - for stdin)')
    .requiredOption('-f, --filename <path>', 'a file, a directory (recursive) or - for stdin; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--strict', 'report fields the CRD does not declare as errors, not warnings (like kubectl apply --validate=strict)', false)
    .addHelpText(
      'after',
      `
Examples:
  weftctl validate -f samples/bookinfo/networking/bookinfo-gateway.yaml
  weftctl validate -f my-config/ -f extra.yaml
  cat vs.yaml | weftctl validate -f -
  weftctl validate -f my-config/ -o json

Exit status: 0 when every resource is valid (warnings allowed), 1 when any is not, 2 on usage errors.`,
    )
    .action(async (opts: { filename: string[]; output: 'text' | 'json'; strict: boolean }) => {
      setExit(await runValidate({ filename: opts.filename, output: opts.output, strict: opts.strict }, io));
    });
}
