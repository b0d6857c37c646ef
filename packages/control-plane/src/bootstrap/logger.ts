// weftd's one logger (pino, one JSON object per line) and its adapter to the xDS layer's logging seam.

import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config.js';
import type { XdsLogger } from '../xds/xds-logger.js';

/** A JSON-lines logger writing to `destination` at `level` and above, with ISO timestamps. */
export function createLogger(level: LogLevel, destination: NodeJS.WritableStream): Logger {
  return pino({ level, base: { component: 'weftd' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** The xDS layer's {@link XdsLogger} on top of `logger` (scope `xds`). */
export function xdsLoggerOf(logger: Logger): XdsLogger {
  const l = logger.child({ scope: 'xds' });
  return {
    debug: (message, fields) => l.debug(fields, message),
    info: (message, fields) => l.info(fields, message),
    warn: (message, fields) => l.warn(fields, message),
  };
}
