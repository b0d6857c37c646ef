// The weftctl command tree (commander). Each command lives in commands/<name>.ts and only
// registers itself here; this file wires, it does not implement.

import { Command } from 'commander';
import { WEFT_VERSION } from '@weft/shared';
import { registerApply } from './commands/apply.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerGet } from './commands/get.js';
import { registerKubeInject } from './commands/kube-inject.js';
import { registerUp } from './commands/up.js';
import { registerValidate } from './commands/validate.js';
import type { Io } from './io.js';


/** Builds the weftctl program. Commands set `process.exitCode`-style results through `setExit`. */
export function createProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('weftctl')
    .description('weftctl controls a Weft service mesh (the istioctl of Weft).')
    .version(`weftctl ${WEFT_VERSION}`, '--version', 'print the version and exit')
    .configureOutput({
      writeOut: (s) => io.out.write(s),
      writeErr: (s) => io.err.write(s),
    })
    .exitOverride()
    .showHelpAfterError('(run weftctl --help for usage)');
  program
    .command('version')
    .description('print the weftctl version')
    .action(() => {
      io.out.write(`weftctl ${WEFT_VERSION}\n`);
      setExit(0);
    });
  registerValidate(program, io, setExit);
  registerKubeInject(program, io, setExit);
  registerUp(program, io, setExit);
  registerApply(program, io, setExit);
  registerGet(program, io, setExit);
  registerDashboard(program, io, setExit);
  return program;
}

/** Runs weftctl with `argv` (without node and script) and resolves to the exit code. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  let code = 0;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    const ce = e as { code?: string; exitCode?: number };
    if (ce.code === 'commander.helpDisplayed' || ce.code === 'commander.version' || ce.code === 'commander.help') return 0;
    if (typeof ce.exitCode === 'number') return ce.exitCode === 1 ? 2 : ce.exitCode;
    throw e;
  }
  return code;
}
