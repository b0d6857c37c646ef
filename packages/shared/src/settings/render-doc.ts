// Renders a binary's section of docs/config.md (a Markdown table of its settings) and splices it into
// the document, replacing the previous version of that section only.

import type { SettingDeclaration } from './declare.js';

/** What surrounds the settings table in a binary's docs/config.md section. */
export interface DocSection {
  /** The section title, the `## <title>` heading (the binary's name). */
  readonly title: string;
  /** Lines between the heading and the table (a "generated from" comment, how values are read). */
  readonly intro: readonly string[];
  /** A Markdown paragraph after the table. */
  readonly note?: string;
}

// A table cell must not contain an unescaped '|'; '<' and '>' would be read as HTML tags.
const cell = (s: string): string => s.replace(/\|/g, '\\|');
const text = (s: string): string => cell(s).replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The `## <title>` section: heading, intro, one table row per setting, then the note. */
export function renderDocSection<C>(settings: readonly SettingDeclaration<C>[], section: DocSection): string {
  const rows = settings.map(
    (s) => `| \`--${s.flag} ${cell(s.valueName)}\` | ${s.env.map((e) => `\`${e}\``).join(', ')} | ${s.default === '' ? '(none)' : `\`${s.default}\``} | ${text(s.description)} |`,
  );
  return [
    `## ${section.title}`,
    '',
    ...section.intro,
    '',
    '| flag | environment | default | description |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
    ...(section.note === undefined ? [] : [section.note, '']),
  ].join('\n');
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Replaces the `## <title>` section of a Markdown `document` (up to the next `## ` heading) with
 *  `section`, or appends `section` when the document has none. */
export function spliceDocSection(document: string, title: string, section: string): string {
  const start = document.search(new RegExp(`^## ${escapeRegExp(title)}$`, 'm'));
  if (start < 0) return `${document.trimEnd()}\n\n${section}`;
  const rest = document.slice(start + 1);
  const next = rest.search(/^## /m);
  const end = next < 0 ? document.length : start + 1 + next;
  return `${document.slice(0, start)}${section}${next < 0 ? '' : `\n${document.slice(end)}`}`;
}
