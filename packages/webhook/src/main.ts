// Entry point of `weft-injector`: parses the command line and runs the Weft sidecar injection webhook.
// The binary in bin/ only calls main(); tests call it directly.

import { parseArgs } from 'node:util';
import { WEFT_VERSION } from '@weft/shared';

/** Usage text printed by `weft-injector --help`. */
export const USAGE = `Usage: weft-injector [options]

weft-injector is the Weft sidecar injection webhook.

Options:
  --version   print the version and exit
  -h, --help  print this help and exit
`;

/** Runs `weft-injector` with the given arguments and returns the process exit code. Never throws for bad
 *  arguments: it prints the reason and returns 2. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let values: { version?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    err.write(`weft-injector: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.version) {
    out.write(`weft-injector ${WEFT_VERSION}\n`);
    return 0;
  }
  out.write(USAGE);
  return 0;
}
