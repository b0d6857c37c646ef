// Entry point of `weftd`: parses flags and environment (config.ts), starts the control plane
// (bootstrap/) and stops it on SIGINT / SIGTERM. The binary in bin/ only calls main(); tests call it.

import { WEFT_VERSION } from '@weft/shared';
import { waitForStopSignal } from '@weft/shared/node';
import { startWeftd, type StartOptions } from './bootstrap/start-weftd.js';
import { parseWeftdCommandLine, renderUsage } from './config.js';

/** Usage text printed by `weftd --help`, generated from the settings in config.ts. */
export const USAGE = renderUsage();

/** What {@link main} needs besides argv and the output streams; defaults are the process's own. */
export interface MainOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when weftd should stop. Default: the first SIGINT or SIGTERM. */
  readonly stop?: Promise<unknown>;
  /** Passed to startWeftd (tests). */
  readonly start?: StartOptions;
}

/**
 * Runs `weftd` and returns the process exit code: 0 after a clean stop (or `--help` / `--version`),
 * 2 for bad flags or environment (every problem is printed, then the usage hint), 1 when it cannot
 * start (unreadable config directory, port in use). Logs go to `out` as JSON lines.
 */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, options: MainOptions = {}): Promise<number> {
  const parsed = parseWeftdCommandLine(argv, options.env ?? process.env);
  if (!parsed.ok) {
    err.write(`${parsed.errors.map((e) => `weftd: ${e}\n`).join('')}\nUsage: weftd [options]; run weftd --help for the list.\n`);
    return 2;
  }
  if (parsed.action !== 'run') {
    out.write(parsed.action === 'version' ? `weftd ${WEFT_VERSION}\n` : USAGE);
    return 0;
  }
  const signals = options.stop ? undefined : waitForStopSignal();
  try {
    let handle;
    try {
      handle = await startWeftd(parsed.config, { logStream: out, ...options.start });
    } catch (e) {
      err.write(`weftd: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    const reason = await (options.stop ?? signals?.promise);
    handle.logger.info({ reason: typeof reason === 'string' ? reason : 'stop' }, 'weftd stopping');
    await handle.close();
    return 0;
  } finally {
    signals?.dispose();
  }
}
