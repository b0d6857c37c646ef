// Entry point of `weft-proxy`: parses flags and environment (config.ts), starts the proxy
// (bootstrap/start-proxy.ts) and stops it on SIGINT / SIGTERM or POST /quitquitquit.
// The binary in bin/ only calls main(); tests call it directly.

import { setFlagsFromString } from 'node:v8';
import { WEFT_VERSION } from '@weft/shared/version';
import { waitForStopSignal } from '@weft/shared/process';
import { startProxy, type ProxyHandle, type StartOptions } from './bootstrap/start-proxy.js';
import { parseProxyCommandLine, renderUsage } from './config.js';

/** Usage text printed by `weft-proxy --help`, generated from the settings in config.ts. */
export const USAGE = renderUsage();

/** What {@link main} needs besides argv and the output streams; defaults are the process's own. */
export interface MainOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Resolves when the proxy should stop. Default: the first SIGINT or SIGTERM. */
  readonly stop?: Promise<unknown>;
  /** Passed to startProxy (tests). `exit` is replaced: /quitquitquit ends main, which returns 0. */
  readonly start?: Omit<StartOptions, 'exit'>;
  /** Called once the proxy is up, with its handle (tests read the bound ports from it). */
  readonly onStarted?: (handle: ProxyHandle) => void;
}

/**
 * Runs `weft-proxy` and returns the process exit code: 0 after a clean stop (signal, /quitquitquit,
 * `--help`, `--version`), 2 for bad flags or environment (every problem is printed, then a usage
 * hint), 1 when it cannot start (a port in use). Log lines go to `err`, as Envoy's do. The proxy keeps
 * serving its admin API and its last good config while weftd is unreachable.
 */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, options: MainOptions = {}): Promise<number> {
  const parsed = parseProxyCommandLine(argv, options.env ?? process.env);
  if (!parsed.ok) {
    err.write(`${parsed.errors.map((e) => `weft-proxy: ${e}\n`).join('')}\nUsage: weft-proxy [options]; run weft-proxy --help for the list.\n`);
    return 2;
  }
  if (parsed.action !== 'run') {
    out.write(parsed.action === 'version' ? `weft-proxy ${WEFT_VERSION}\n` : USAGE);
    return 0;
  }
  // Flags V8 reads as it runs (not at heap setup): they take effect from here on.
  for (const flag of parsed.config.v8Flags.split(/\s+/)) if (flag !== '') setFlagsFromString(flag);
  const signals = options.stop ? undefined : waitForStopSignal();
  let quit = (): void => undefined;
  const quitted = new Promise<string>((resolve) => {
    quit = () => resolve('quitquitquit');
  });
  try {
    let handle: ProxyHandle;
    try {
      handle = await startProxy(parsed.config, { logStream: err, ...options.start, exit: () => quit() });
    } catch (e) {
      err.write(`weft-proxy: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
      return 1;
    }
    options.onStarted?.(handle);
    const reason = await Promise.race([quitted, options.stop ?? signals?.promise]);
    handle.logs.get('main').info('weft-proxy stopping', { reason: typeof reason === 'string' ? reason : 'stop' });
    await handle.close();
    return 0;
  } finally {
    signals?.dispose();
  }
}
