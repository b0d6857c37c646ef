// Human output of `weftctl validate`: one line per finding (`file:line:col: Kind ns/name: path:
// message`), an indented hint where one helps, istioctl-style "is valid" lines, a closing summary.

import type { Finding, ResourceResult } from '@weft/shared';
import type { Palette } from './palette.js';

/** One checked document and its findings, in the order to print them. */
export interface ResourceEntry {
  readonly resource: ResourceResult;
  readonly findings: readonly Finding[];
}

/** What the text formatter prints. */
export interface ValidateTextInput {
  /** Findings not tied to a document (unreadable sources), printed first. */
  readonly inputFindings: readonly Finding[];
  readonly entries: readonly ResourceEntry[];
  /** How many sources were read (files, and stdin). */
  readonly fileCount: number;
}

/** `Kind ns/name`, `Kind name`, or '' for a document without a usable header. */
export function resourceLabel(r: { kind: string; namespace: string; name: string }): string {
  if (!r.kind && !r.name) return '';
  const id = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  return [r.kind, id].filter((s) => s !== '').join(' ');
}

/** What {@link formatFinding} prints: a finding, whatever registry its code is from (or none). */
export type Located = Omit<Finding, 'code'>;

/** Formats one finding, plus its hint line, with a trailing newline. */
export function formatFinding(f: Located, p: Palette): string {
  const where = f.line > 0 ? `${f.file}:${f.line}:${f.column}:` : `${f.file}:`;
  const severity = f.severity === 'warning' ? `${p.yellow('warning:')} ` : '';
  const label = resourceLabel(f);
  const subject = [label, f.path].filter((s) => s !== '').map((s) => `${s}: `).join('');
  const line = `${f.severity === 'error' ? p.red(where) : p.yellow(where)} ${severity}${subject}${f.message}\n`;
  return f.hint ? `${line}  ${p.dim(`hint: ${f.hint}`)}\n` : line;
}

/** The closing line: `3 resources valid, 1 invalid (2 errors, 1 warning) in 2 files` (`, N skipped`
 *  before `in` when some resources were not Istio kinds). */
export function formatSummary(input: ValidateTextInput): string {
  const skipped = input.entries.filter((e) => !e.resource.checked).length;
  const valid = input.entries.filter((e) => e.resource.valid && e.resource.checked).length;
  const invalid = input.entries.filter((e) => !e.resource.valid).length;
  const all = [...input.inputFindings, ...input.entries.flatMap((e) => e.findings)];
  const errors = all.filter((f) => f.severity === 'error').length;
  const warnings = all.length - errors;
  let s = `${count(valid, 'resource')} valid`;
  if (invalid > 0 || errors > 0) s += `, ${invalid} invalid`;
  const tally = [errors > 0 ? count(errors, 'error') : '', warnings > 0 ? count(warnings, 'warning') : ''].filter((t) => t !== '');
  if (tally.length > 0) s += ` (${tally.join(', ')})`;
  if (skipped > 0) s += `, ${skipped} skipped`;
  return `${s} in ${count(input.fileCount, 'file')}`;
}

/** The whole text report. Valid resources get istioctl's `"Kind/ns/name" is valid` line; kinds
 *  outside Istio a `skipped` line (istioctl skips them silently; saying so avoids surprise). */
export function formatValidateText(input: ValidateTextInput, p: Palette): string {
  let out = '';
  for (const f of input.inputFindings) out += formatFinding(f, p);
  for (const { resource, findings } of input.entries) {
    const id = [resource.kind, resource.namespace, resource.name].filter((s) => s !== '').join('/');
    if (!resource.checked) out += `${p.dim(`"${id}" skipped: not an Istio kind`)}\n`;
    else if (resource.valid) out += `${p.green(`"${id}" is valid`)}\n`;
    for (const f of findings) out += formatFinding(f, p);
  }
  const summary = formatSummary(input);
  const failed = [...input.inputFindings, ...input.entries.flatMap((e) => e.findings)].some((f) => f.severity === 'error');
  return `${out}${failed ? p.red(summary) : p.green(summary)}\n`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
