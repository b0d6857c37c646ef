// `weftctl get <kind>`: what weftd has in force in the running local mesh, read from its
// /debug/configz (found through `weftctl up`'s state file, or --debug-url), as a table or a List.

import { Option, type Command } from 'commander';
import { stringify } from 'yaml';
import type { Io } from '../io.js';
import { fetchConfigz } from '../local/configz.js';
import { resolveMeshPaths } from '../local/mesh-paths.js';
import { ISTIO_KINDS, resolveKinds } from '../local/resource-kinds.js';
import { findRunningMesh } from '../local/up-lock.js';
import { asList, formatGetTable } from '../output/get-table.js';

/** Options of {@link runGet}. */
export interface GetOptions {
  readonly kind: string;
  readonly names: readonly string[];
  readonly output: 'table' | 'yaml' | 'json';
  /** Only this namespace (default: all). */
  readonly namespace?: string;
  /** weftd's debug API, e.g. http://127.0.0.1:15014 (default: the running mesh's). */
  readonly debugUrl?: string;
  readonly stateDir?: string;
}

/** Prints the resources; exit 0, or 1 when weftd cannot be reached or a named resource is missing. */
export async function runGet(options: GetOptions, io: Io): Promise<number> {
  const { kinds, unknown } = resolveKinds(options.kind);
  if (unknown.length > 0 || kinds.length === 0) {
    io.err.write(`weftctl get: unknown resource type "${unknown.join(',') || options.kind}"; one of: ${ISTIO_KINDS.map((k) => k.plural + (k.shortNames.length ? ` (${k.shortNames.join(', ')})` : '')).join(', ')}, all\n`);
    return 2;
  }
  let debugUrl = options.debugUrl;
  let configDir: string | undefined;
  if (!debugUrl) {
    const running = await findRunningMesh(resolveMeshPaths({ stateDir: options.stateDir }).stateFile);
    debugUrl = running?.debugUrl;
    configDir = running?.configDir;
    if (!debugUrl) {
      io.err.write('weftctl get: no mesh is running (start one with weftctl up), and no --debug-url was given\n');
      return 1;
    }
  }
  let entries;
  try {
    entries = await fetchConfigz(debugUrl);
  } catch (e) {
    io.err.write(`weftctl get: ${(e as Error).message}\n`);
    return 1;
  }
  const selected = entries.filter(
    (e) => kinds.some((k) => k.kind === e.kind) && (options.namespace === undefined || e.namespace === options.namespace) && (options.names.length === 0 || options.names.includes(e.name)),
  );
  const missing = options.names.filter((n) => !selected.some((e) => e.name === n));
  for (const n of missing) io.err.write(`weftctl get: ${kinds.map((k) => k.plural).join(',')} "${n}" not found\n`);
  if (options.output === 'json') io.out.write(`${JSON.stringify(asList(selected), null, 2)}\n`);
  else if (options.output === 'yaml') io.out.write(stringify(asList(selected)));
  else {
    const tables = kinds
      .map((k) => ({ k, text: formatGetTable(k.kind, selected.filter((e) => e.kind === k.kind), configDir) }))
      .filter((t) => t.text !== '')
      .map((t) => (kinds.length > 1 ? `${t.k.plural}:\n${t.text}` : t.text));
    if (tables.length === 0 && missing.length === 0) io.err.write(`No resources found${options.namespace ? ` in namespace ${options.namespace}` : ''}.\n`);
    io.out.write(tables.join('\n'));
  }
  return missing.length > 0 ? 1 : 0;
}

/** Registers `get` on the program. */
export function registerGet(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('get')
    .description('list the Istio resources in force in the running local mesh (from weftd /debug/configz)')
    .argument('<kind>', 'virtualservices (vs), destinationrules (dr), gateways (gw), serviceentries (se), workloadentries (we), sidecars, ..., all; comma-separated for several')
    .argument('[names...]', 'only these names')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'yaml', 'json']).default('table'))
    .option('-n, --namespace <namespace>', 'only this namespace (default: all)')
    .option('--debug-url <url>', "weftd's debug API (default: the running mesh's, from weftctl up)")
    .option('--state-dir <dir>', 'where the running mesh\'s state is (default: $WEFT_STATE_DIR, $XDG_STATE_HOME/weft or ~/.weft)')
    .addHelpText(
      'after',
      `
Examples:
  weftctl get vs
  weftctl get destinationrules reviews -o yaml
  weftctl get gw,vs -n default

Exit status: 0 listed, 1 weftd unreachable or a named resource not found, 2 usage errors.`,
    )
    .action(async (kind: string, names: string[], opts: { output: 'table' | 'yaml' | 'json'; namespace?: string; debugUrl?: string; stateDir?: string }) => {
      setExit(await runGet({ kind, names, output: opts.output, namespace: opts.namespace, debugUrl: opts.debugUrl, stateDir: opts.stateDir }, io));
    });
}
