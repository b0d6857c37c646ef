// `weftctl up`: registers the command and turns SIGINT/SIGTERM into the run's abort signal; the
// orchestration is local/up-mesh.ts.

import type { Command } from 'commander';
import type { Io } from '../io.js';
import { runUp } from '../local/up-mesh.js';

/** Registers `up` on the program. */
export function registerUp(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('up')
    .description('start the local mesh: weftd, the bookinfo sample behind its sidecars and the ingress gateway (no Kubernetes, no Docker)')
    .option('--config-dir <dir>', 'Istio YAML for weftd; seeded with the sample when new or empty (default: <state-dir>/mesh)')
    .option('--state-dir <dir>', 'lock file and logs (default: $WEFT_STATE_DIR, $XDG_STATE_HOME/weft or ~/.weft)')
    .option('--verbose', 'also stream every process\'s log to the terminal, prefixed with its name', false)
    .addHelpText(
      'after',
      `
Runs until Ctrl-C (or SIGTERM), then stops every process it started.
Addresses: workload n at 127.0.10.n (its proxy), its app at 127.0.11.n:9080, its outbound listeners
at 127.0.12.n; the ingress gateway at 127.0.10.100:8080. weftd uses 15010/15014 when free.

Exit status: 0 stopped cleanly (or a mesh was already running: says where), 1 start-up failed or
weftd died, 130 interrupted during start-up.`,
    )
    .action(async (opts: { configDir?: string; stateDir?: string; verbose: boolean }) => {
      const controller = new AbortController();
      const onSignal = (): void => controller.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        setExit(await runUp({ configDir: opts.configDir, stateDir: opts.stateDir, verbose: opts.verbose, signal: controller.signal }, io));
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
