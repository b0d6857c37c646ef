// /logging: lists the loggers and their levels; with `?level=<l>` sets every logger, with
// `?<logger>=<l>` one logger, as Envoy's admin does. Bad names and levels get Envoy's usage text.

import { LOGGER_NAMES, parseLogLevel, type LoggerName, type LogRegistry } from '../log/logger.js';
import type { PlainResponse } from './http-listen.js';

function listing(logs: LogRegistry): string {
  return `active loggers:\n${logs
    .levels()
    .map(([name, level]) => `  ${name}: ${level}\n`)
    .join('')}`;
}

const USAGE = 'usage: /logging?<name>=<level> (change single level)\nusage: /logging?level=<level> (change all levels)\nlevels: trace debug info warning error critical off\n';

/** Handles /logging with its query; `mutate` is false for GET, which may only list. */
export function handleLogging(query: URLSearchParams, logs: LogRegistry, mutate: boolean): PlainResponse {
  const params = [...query.entries()];
  if (params.length === 0) return { status: 200, body: listing(logs) };
  if (!mutate) return { status: 405, body: 'Method GET not allowed, POST required.\n' };
  if (params.length !== 1) return { status: 404, body: `${USAGE}${listing(logs)}` };
  const [[name, value] = ['', '']] = params;
  const level = parseLogLevel(value);
  if (level === undefined) return { status: 404, body: `${USAGE}${listing(logs)}` };
  if (name === 'level') logs.setLevel(level);
  else if ((LOGGER_NAMES as readonly string[]).includes(name)) logs.setLevel(level, name as LoggerName);
  else return { status: 404, body: `${USAGE}${listing(logs)}` };
  return { status: 200, body: listing(logs) };
}
