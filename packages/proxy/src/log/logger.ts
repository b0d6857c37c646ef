// weft-proxy's logging: named loggers (Envoy's "components": main, config, admin, upstream, ...)
// whose levels change at run time through the admin API's /logging, and Envoy's line format.
// Where log lines go is the caller's choice; nothing here reads globals.

import { LOG_LEVELS, type LogLevel } from '../config.js';

/** A level at which a line is written (every {@link LogLevel} but `off`). */
export type LineLevel = Exclude<LogLevel, 'off'>;

/** The logger names weft-proxy uses, after Envoy's components so `/logging` reads the same. */
export const LOGGER_NAMES = ['admin', 'config', 'main', 'upstream'] as const;
/** One of {@link LOGGER_NAMES}. */
export type LoggerName = (typeof LOGGER_NAMES)[number];

const RANK: Readonly<Record<LogLevel, number>> = Object.fromEntries(LOG_LEVELS.map((l, i) => [l, i])) as Record<LogLevel, number>;

/** One named logger. Fields are appended as `key=value` (JSON-quoted strings when they need it). */
export interface Logger {
  readonly name: LoggerName;
  enabled(level: LineLevel): boolean;
  log(level: LineLevel, message: string, fields?: Readonly<Record<string, unknown>>): void;
  debug(message: string, fields?: Readonly<Record<string, unknown>>): void;
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

/** The set of loggers of one proxy, with their current levels. */
export interface LogRegistry {
  get(name: LoggerName): Logger;
  /** Current level of every logger, in {@link LOGGER_NAMES} order. */
  levels(): ReadonlyArray<readonly [LoggerName, LogLevel]>;
  /** Sets one logger's level, or every logger's when `name` is undefined. */
  setLevel(level: LogLevel, name?: LoggerName): void;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? 'undefined';
}

/** Whether `text` is one of Envoy's level names; `warn` is accepted as Envoy does. */
export function parseLogLevel(text: string): LogLevel | undefined {
  if (text === 'warn') return 'warning';
  return (LOG_LEVELS as readonly string[]).includes(text) ? (text as LogLevel) : undefined;
}

/**
 * Creates the loggers, all at `level`, writing one line per message to `out`:
 * `[2025-01-01T00:00:00.000Z][info][config] message key=value`, like Envoy's default format.
 * `now` is injectable for tests.
 */
export function createLogRegistry(level: LogLevel, out: NodeJS.WritableStream, now: () => Date = () => new Date()): LogRegistry {
  const levels = new Map<LoggerName, LogLevel>(LOGGER_NAMES.map((n) => [n, level]));
  const loggers = new Map<LoggerName, Logger>();
  for (const name of LOGGER_NAMES) {
    const enabled = (l: LineLevel): boolean => RANK[l] >= RANK[levels.get(name) ?? 'off'];
    const log = (l: LineLevel, message: string, fields: Readonly<Record<string, unknown>> = {}): void => {
      if (!enabled(l)) return;
      const extra = Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => ` ${k}=${formatValue(v)}`)
        .join('');
      out.write(`[${now().toISOString()}][${l}][${name}] ${message}${extra}\n`);
    };
    loggers.set(name, {
      name,
      enabled,
      log,
      debug: (m, f) => log('debug', m, f),
      info: (m, f) => log('info', m, f),
      warn: (m, f) => log('warning', m, f),
      error: (m, f) => log('error', m, f),
    });
  }
  return {
    get: (name) => loggers.get(name) as Logger,
    levels: () => LOGGER_NAMES.map((n) => [n, levels.get(n) ?? level] as const),
    setLevel(next, name) {
      for (const n of name === undefined ? LOGGER_NAMES : [name]) levels.set(n, next);
    },
  };
}
