import { describe, expect, it } from 'vitest';
import { declareSettingFor } from './declare.js';
import { parseCommandLine } from './parse-command-line.js';
import { oneOf, port } from './parsers.js';

interface Demo {
  readonly port: number;
  readonly color: 'red' | 'blue';
  readonly extra: string;
}

const declare = declareSettingFor<Demo>();
const SETTINGS = [
  declare({ key: 'port', flag: 'port', valueName: '<port>', env: ['DEMO_PORT', 'LEGACY_PORT'], default: '80', description: 'A port.', parse: port }),
  declare({ key: 'color', flag: 'color', valueName: '<color>', env: ['DEMO_COLOR'], default: 'red', description: 'A color.', parse: oneOf(['red', 'blue'] as const) }),
];
const extras = {
  fromEnvironment: (env: Readonly<Record<string, string | undefined>>) => (env.DEMO_EXTRA === 'bad' ? { values: {}, errors: ['DEMO_EXTRA: bad'] } : { values: { extra: env.DEMO_EXTRA ?? '' }, errors: [] }),
  check: (c: Demo) => (c.port === 1 && c.color === 'blue' ? ['port 1 is never blue'] : []),
};

describe('parseCommandLine', () => {
  it.each([
    [[], {}, { port: 80, color: 'red', extra: '' }],
    [[], { LEGACY_PORT: '81' }, { port: 81, color: 'red', extra: '' }],
    [[], { DEMO_PORT: '', LEGACY_PORT: '81' }, { port: 81, color: 'red', extra: '' }],
    [[], { DEMO_PORT: '82', LEGACY_PORT: '81' }, { port: 82, color: 'red', extra: '' }],
    [['--port=83', '--color', 'blue'], { DEMO_PORT: '82', DEMO_EXTRA: 'x' }, { port: 83, color: 'blue', extra: 'x' }],
  ])('%j with %j gives %j (flag, then env in order, then default)', (argv, env, config) => {
    const parsed = parseCommandLine<Demo>(SETTINGS, argv, env, extras);
    expect(parsed).toEqual({ ok: true, action: 'run', config });
    expect(parsed.ok && parsed.action === 'run' && Object.isFrozen(parsed.config)).toBe(true);
  });

  it('collects every problem, settings first, then extras; cross-field checks only when all parsed', () => {
    expect(parseCommandLine<Demo>(SETTINGS, ['stray', '--nope', '--color'], { DEMO_PORT: 'x', DEMO_EXTRA: 'bad' }, extras)).toEqual({
      ok: false,
      errors: ["Unexpected argument 'stray'", "Unknown option '--nope'", "Option '--color <color>' argument missing", 'DEMO_PORT: "x" is not a port number (0-65535)', 'DEMO_EXTRA: bad'],
    });
    expect(parseCommandLine<Demo>(SETTINGS, ['--port', '1', '--color', 'blue'], {}, extras)).toEqual({ ok: false, errors: ['port 1 is never blue'] });
  });

  it.each([
    [['--port', 'x', '-h'], 'help'],
    [['--version', '--nope'], 'version'],
  ] as const)('%j asks for %s, whatever else is wrong', (argv, action) => {
    expect(parseCommandLine<Demo>(SETTINGS, argv, {})).toEqual({ ok: true, action });
  });
});
