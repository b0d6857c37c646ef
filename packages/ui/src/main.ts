// Entry point of `weft-ui`: parses the command line and serves the dashboard.
// The binary in bin/ only calls main(); tests call it directly.

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WEFT_VERSION } from '@weft/shared';
import { createServer } from './server/create-server.js';

/** Usage text printed by `weft-ui --help`. */
export const USAGE = `Usage: weft-ui [options]

weft-ui is the Weft dashboard (Kiali counterpart).

Options:
  --port <n>     port to listen on (default 20001, env WEFT_UI_PORT)
  --host <addr>  address to listen on (default 127.0.0.1, env WEFT_UI_HOST)
  --version      print the version and exit
  -h, --help     print this help and exit
`;

const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), 'web');

/** Runs `weft-ui` and returns the exit code (the server keeps running until the process ends). */
export async function main(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let values: { version?: boolean; help?: boolean; port?: string; host?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { version: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, port: { type: 'string' }, host: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    err.write(`weft-ui: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.version) {
    out.write(`weft-ui ${WEFT_VERSION}\n`);
    return 0;
  }
  if (values.help) {
    out.write(USAGE);
    return 0;
  }
  const port = Number(values.port ?? process.env.WEFT_UI_PORT ?? 20001);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    err.write(`weft-ui: --port must be an integer from 0 to 65535, got ${values.port ?? process.env.WEFT_UI_PORT}\n`);
    return 2;
  }
  const server = await createServer({ webRoot: WEB_ROOT });
  const address = await server.listen({ port, host: values.host ?? process.env.WEFT_UI_HOST ?? '127.0.0.1' });
  out.write(`weft-ui ${WEFT_VERSION} serving the dashboard on ${address}\n`);
  return 0;
}
