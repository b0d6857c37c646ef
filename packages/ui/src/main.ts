// Entry point of `weft-ui`: parses the command line and runs the Weft dashboard.
// The binary in bin/ only calls main(); tests call it directly.

import { parseArgs } from 'node:util';
import { WEFT_VERSION } from '@weft/shared';

/** Usage text printed by `weft-ui --help`. */
export const USAGE = `Usage: weft-ui [options]

weft-ui is the Weft dashboard.

Options:
  --version   print the version and exit
  -h, --help  print this help and exit
`;

/** Runs `weft-ui` with the given arguments and returns the process exit code. Never throws for bad
 *  arguments: it prints the reason and returns 2. */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let values: { version?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    err.write(`weft-ui: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.version) {
    out.write(`weft-ui ${WEFT_VERSION}\n`);
    return 0;
  }
  out.write(USAGE);
  return 0;
}
