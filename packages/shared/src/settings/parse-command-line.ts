// Turns argv and the environment into a frozen config from a list of setting declarations, collecting
// every problem (unknown flag, missing value, bad value, inconsistent values) instead of stopping at one.

import { parseArgs } from 'node:util';
import type { SettingDeclaration } from './declare.js';

/** What the command line asked for: help, the version, or a run with a config; or every problem found. */
export type ParsedCommandLine<C> =
  | { readonly ok: true; readonly action: 'help' | 'version' }
  | { readonly ok: true; readonly action: 'run'; readonly config: C }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Environment variables, as `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** What a binary adds to the generic parse. */
export interface CommandLineExtras<C> {
  /** Fields not declared as settings, read from the environment after the settings (their problems
   *  follow the settings' problems). */
  fromEnvironment?(env: Environment): { readonly values: Partial<C>; readonly errors: readonly string[] };
  /** Cross-field checks, run only when every value parsed; returns the problems found. */
  check?(config: C): readonly string[];
}

/**
 * Parses `argv` (without the node and script paths) and `env` against `settings`. Each setting takes,
 * in order: its flag, its first set environment variable, its default. Every problem is collected;
 * `--help` (`-h`) and `--version` win over problems. Empty environment variables count as unset.
 */
export function parseCommandLine<C>(
  settings: readonly SettingDeclaration<C>[],
  argv: readonly string[],
  env: Environment,
  extras: CommandLineExtras<C> = {},
): ParsedCommandLine<C> {
  const options = Object.fromEntries(settings.map((s) => [s.flag, { type: 'string' as const }]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...options, help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const errors: string[] = [];
  const fromFlags = new Map<string, string>();
  let help = false;
  let version = false;
  for (const t of tokens) {
    if (t.kind === 'positional') errors.push(`Unexpected argument '${t.value}'`);
    if (t.kind !== 'option') continue;
    if (t.name === 'help') help = true;
    else if (t.name === 'version') version = true;
    else if (!(t.name in options)) errors.push(`Unknown option '${t.rawName}'`);
    else if (t.value === undefined) errors.push(`Option '${t.rawName} ${settings.find((s) => s.flag === t.name)?.valueName ?? ''}' argument missing`);
    else fromFlags.set(t.name, t.value);
  }
  if (help) return { ok: true, action: 'help' };
  if (version) return { ok: true, action: 'version' };

  const config: Record<PropertyKey, unknown> = {};
  for (const s of settings) {
    const flagValue = fromFlags.get(s.flag);
    const envName = s.env.find((n) => (env[n] ?? '') !== '');
    const [where, raw] = flagValue !== undefined ? [`--${s.flag}`, flagValue] : envName !== undefined ? [envName, env[envName] ?? ''] : [`default of --${s.flag}`, s.default];
    const parsed = s.parse(raw);
    if (parsed.ok) config[s.key] = parsed.value;
    else errors.push(`${where}: ${parsed.error}`);
  }
  if (extras.fromEnvironment) {
    const extra = extras.fromEnvironment(env);
    Object.assign(config, extra.values);
    errors.push(...extra.errors);
  }
  if (errors.length === 0 && extras.check) errors.push(...extras.check(config as C));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, action: 'run', config: Object.freeze(config as C) };
}
