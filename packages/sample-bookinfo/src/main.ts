// Entry point of the four sample programs: `--help`, the environment, then serve until SIGINT/SIGTERM
// (or the caller's abort signal). The binaries in bin/ only call runSampleProgram(); tests call it directly.

import type { Writable } from 'node:stream';
import { parseSampleConfig, renderSampleHelp, type Environment, type ServiceName } from './config.js';
import { startSampleService } from './start-service.js';

/** Where a program reads its settings and writes its output. */
export interface ProgramIo {
  readonly env: Environment;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Stops the program like SIGTERM does. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `service` and resolves to its exit code: 0 after `--help` or a clean stop, 2 for a bad argument
 * or setting (every bad setting is reported), 1 when the port cannot be bound. Prints
 * `<service> <version> listening on http://<address>:<port>` once it serves.
 */
export async function runSampleProgram(service: ServiceName, argv: readonly string[], io: ProgramIo): Promise<number> {
  const help = renderSampleHelp(service);
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    io.stdout.write(help);
    return 0;
  }
  if (argv.length > 0) {
    io.stderr.write(`${service}: unexpected argument "${argv[0]}": settings come from the environment\n\n${help}`);
    return 2;
  }
  const parsed = parseSampleConfig(service, io.env);
  if (!parsed.ok) {
    for (const e of parsed.errors) io.stderr.write(`${service}: ${e}\n`);
    return 2;
  }
  const { config } = parsed;
  let handle;
  try {
    handle = await startSampleService(config);
  } catch (e) {
    io.stderr.write(`${service}: cannot listen on ${config.address}:${config.port}: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`${service} ${config.version} listening on ${handle.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener('abort', stop, { once: true });
  });
  await handle.close();
  return 0;
}
