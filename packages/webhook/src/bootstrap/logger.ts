// weft-injector's one logger: pino, one JSON object per line, as weftd's.

import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';

/** A JSON-lines logger writing to `destination` at `level` and above, with ISO timestamps. */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream): Logger {
  return pino({ level, base: { component: 'weft-injector' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}
