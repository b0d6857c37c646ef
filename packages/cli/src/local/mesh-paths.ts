// Where a local mesh keeps its state: the state directory (lock file, logs, weftd's CA, workload
// tokens) and the default config directory inside it. Resolution only; nothing here touches the filesystem.

import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Environment variable that overrides the state directory (tests, several users on one machine). */
export const STATE_DIR_VARIABLE = 'WEFT_STATE_DIR';

/** The files of one local mesh. */
export interface MeshPaths {
  /** Holds the lock file and the logs: `$WEFT_STATE_DIR`, else `$XDG_STATE_HOME/weft`, else `~/.weft`. */
  readonly stateDir: string;
  /** The lock/state file of a running `weftctl up`. */
  readonly stateFile: string;
  /** One log file per process, plus `mesh.log` with every line prefixed by its process. */
  readonly logsDir: string;
  /** The Istio YAML weftd watches: `--config-dir`, else `<stateDir>/mesh`. */
  readonly configDir: string;
  /** weftd's CA state (`--ca-dir`): its root key and certificate, `root-cert.pem`, token hashes. */
  readonly caDir: string;
  /** One bootstrap token file per workload (0600), what each proxy's `--token-file` names. */
  readonly tokensDir: string;
}

/** The state directory for `env` (defaults to the process environment). */
export function resolveStateDir(env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  if (explicit) return resolve(explicit);
  const own = env[STATE_DIR_VARIABLE];
  if (own) return resolve(own);
  const xdg = env.XDG_STATE_HOME;
  if (xdg) return join(resolve(xdg), 'weft');
  return join(env.HOME ?? homedir(), '.weft');
}

/** Every path of a mesh; `configDir` is kept as given (made absolute) when set. */
export function resolveMeshPaths(options: { stateDir?: string; configDir?: string }, env: NodeJS.ProcessEnv = process.env): MeshPaths {
  const stateDir = resolveStateDir(env, options.stateDir);
  return {
    stateDir,
    stateFile: join(stateDir, 'up.json'),
    logsDir: join(stateDir, 'logs'),
    configDir: options.configDir ? resolve(options.configDir) : join(stateDir, 'mesh'),
    caDir: join(stateDir, 'ca'),
    tokensDir: join(stateDir, 'workload-tokens'),
  };
}
