// `weftctl validate -f <file|dir|->`: checks Istio YAML as Istio's validation would.

import type { Command } from 'commander';
import type { Io } from '../io.js';

/** Registers `validate` on the program. */
export function registerValidate(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('validate')
    .description('validate Istio configuration files (files, directories, or - for stdin)')
    .requiredOption('-f, --filename <path>', 'a file, a directory (recursive) or - for stdin; repeatable', (v: string, prev: string[] = []) => [...prev, v])
    .option('-o, --output <format>', 'output format: text or json', 'text')
    .action(() => {
      io.err.write('validate: not implemented yet\n');
      setExit(1);
    });
}
