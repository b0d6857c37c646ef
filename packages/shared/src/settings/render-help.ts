// Renders a binary's `--help` text from its setting declarations, so help never drifts from what is parsed.

import type { SettingDeclaration } from './declare.js';

/** Splits `text` into lines of at most `width` characters (longer words stay whole). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** How a default is shown to users: '' means "not set". */
export const describeDefault = (s: { readonly default: string }): string => (s.default === '' ? '(none)' : s.default);

/** What surrounds the option list in `--help`. */
export interface HelpText {
  /** Lines before the options: usage, what the binary is, and the options' heading. */
  readonly intro: readonly string[];
  /** A paragraph after the options, wrapped to 94 columns. */
  readonly note?: string;
}

/** `--help`: the intro, each setting (flag, wrapped description, default and environment variables),
 *  `--version` and `--help`, then the note. */
export function renderHelp<C>(settings: readonly SettingDeclaration<C>[], text: HelpText): string {
  const indent = ' '.repeat(6);
  const parts = [...text.intro];
  for (const s of settings) {
    parts.push(`  --${s.flag} ${s.valueName}`);
    for (const l of wrap(s.description, 88)) parts.push(`${indent}${l}`);
    parts.push(`${indent}default: ${describeDefault(s)}; env: ${s.env.join(', ')}`);
  }
  parts.push('  --version', `${indent}print the version and exit`, '  -h, --help', `${indent}print this help and exit`, '');
  if (text.note !== undefined) parts.push(...wrap(text.note, 94), '');
  return parts.join('\n');
}
