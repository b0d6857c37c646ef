import { describe, expect, it } from 'vitest';
import { declareSettingFor } from './declare.js';
import { anyText } from './parsers.js';
import { renderDocSection, spliceDocSection } from './render-doc.js';
import { renderHelp, wrap } from './render-help.js';

const declare = declareSettingFor<{ readonly name: string }>();
const SETTINGS = [declare({ key: 'name', flag: 'name', valueName: '<a|b>', env: ['DEMO_NAME'], default: '', description: 'Takes <a> or <b> | nothing.', parse: anyText })];

describe('renderDocSection', () => {
  it('renders a table with escaped cells, then the note', () => {
    expect(renderDocSection(SETTINGS, { title: 'demo', intro: ['Intro.'], note: 'Note.' })).toBe(
      [
        '## demo',
        '',
        'Intro.',
        '',
        '| flag | environment | default | description |',
        '| --- | --- | --- | --- |',
        '| `--name <a\\|b>` | `DEMO_NAME` | (none) | Takes &lt;a&gt; or &lt;b&gt; \\| nothing. |',
        '',
        'Note.',
        '',
      ].join('\n'),
    );
  });
});

describe('spliceDocSection', () => {
  it.each([
    ['# Doc\n', '# Doc\n\n## demo\nnew\n'],
    ['# Doc\n\n## demo\nold\nold\n', '# Doc\n\n## demo\nnew\n'],
    ['# Doc\n\n## demo\nold\n\n## other\nkept\n', '# Doc\n\n## demo\nnew\n\n## other\nkept\n'],
    ['# Doc\n\n## demo-two\nkept\n', '# Doc\n\n## demo-two\nkept\n\n## demo\nnew\n'],
  ])('replaces only the section with that exact title in %j', (document, expected) => {
    expect(spliceDocSection(document, 'demo', '## demo\nnew\n')).toBe(expected);
  });
});

describe('renderHelp', () => {
  it('lists each setting with its default and environment variables, then --version, --help and the note', () => {
    expect(renderHelp(SETTINGS, { intro: ['Usage: demo'], note: 'A note.' })).toBe(
      ['Usage: demo', '  --name <a|b>', '      Takes <a> or <b> | nothing.', '      default: (none); env: DEMO_NAME', '  --version', '      print the version and exit', '  -h, --help', '      print this help and exit', '', 'A note.', ''].join('\n'),
    );
  });

  it('wraps at word boundaries without breaking long words', () => {
    expect(wrap('aa bb cc dddddddd e', 5)).toEqual(['aa bb', 'cc', 'dddddddd', 'e']);
  });
});
