// Entry point of `weft-injector`: parses flags and environment (config.ts), starts the webhook and
// monitoring servers (bootstrap/) and stops them on SIGINT / SIGTERM. The binary in bin/ only calls
// main(); tests call it directly.

import { WEFT_VERSION } from '@weft/shared';
import { waitForStopSignal } from '@weft/shared/node';
import { startInjector, type StartOptions } from './bootstrap/start-injector.js';
import { parseInjectorCommandLine, renderUsage } from './config.js';

/** Usage text printed by `weft-injector --help`, generated from the settings in config.ts. */
export const USAGE = renderUsage();

/** What {@link main} needs besides argv and the output streams; defaults are the process's own. */
export interface MainOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the injector should stop. Default: the first SIGINT or SIGTERM. */
  readonly stop?: Promise<unknown>;
  /** Called once both servers listen (tests learn the ports bound for port 0). */
  readonly onStarted?: (ports: { port: number; monitoringPort: number }) => void;
  readonly start?: StartOptions;
}

/**
 * Runs `weft-injector` and returns the process exit code: 0 after a clean stop (or `--help` /
 * `--version`), 2 for bad or missing flags and environment (every problem printed, then a usage
 * hint), 1 when it cannot start (unreadable TLS file, port in use). Logs go to `out` as JSON lines.
 */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, options: MainOptions = {}): Promise<number> {
  const parsed = parseInjectorCommandLine(argv, options.env ?? process.env);
  if (!parsed.ok) {
    err.write(`${parsed.errors.map((e) => `weft-injector: ${e}\n`).join('')}\nUsage: weft-injector [options]; run weft-injector --help for the list.\n`);
    return 2;
  }
  if (parsed.action !== 'run') {
    out.write(parsed.action === 'version' ? `weft-injector ${WEFT_VERSION}\n` : USAGE);
    return 0;
  }
  const signals = options.stop ? undefined : waitForStopSignal();
  try {
    let handle;
    try {
      handle = await startInjector(parsed.config, { logStream: out, ...options.start });
    } catch (e) {
      err.write(`weft-injector: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    options.onStarted?.({ port: handle.port, monitoringPort: handle.monitoringPort });
    const reason = await (options.stop ?? signals?.promise);
    handle.logger.info({ reason: typeof reason === 'string' ? reason : 'stop' }, 'weft-injector stopping');
    await handle.close();
    return 0;
  } finally {
    signals?.dispose();
  }
}
