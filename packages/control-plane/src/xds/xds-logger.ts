// The small logging seam of the xDS layer: the server logs through it, weftd's bootstrap decides where
// lines go, tests collect them. No logging library is pulled in for this.

/** Structured log sink: a message plus flat fields (node id, type, nonce...). */
export interface XdsLogger {
  debug(message: string, fields: Readonly<Record<string, unknown>>): void;
  info(message: string, fields: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields: Readonly<Record<string, unknown>>): void;
}

/** Writes `warn` lines to stderr as one JSON object each; drops `info` and `debug`. */
export const stderrWarnLogger: XdsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => {
    process.stderr.write(`${JSON.stringify({ level: 'warn', scope: 'xds', message, ...fields })}\n`);
  },
};
