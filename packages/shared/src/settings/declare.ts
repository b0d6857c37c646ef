// How a binary declares one setting (flag, environment variables, default, description, parser), and
// the result type every setting parser returns. The other settings modules read these declarations.

/** The outcome of parsing one raw value: the value, or why it was refused (failures are values). */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** A parsed value. */
export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
/** A refused value, with the reason shown to the user after where the value came from. */
export const fail = <T>(error: string): Parsed<T> => ({ ok: false, error });

/** The declaration of one setting of a config `C`. */
export interface SettingDeclaration<C, K extends keyof C = keyof C> {
  /** Field of the config it sets. */
  readonly key: K;
  /** Long flag without dashes (`xds-port`). */
  readonly flag: string;
  /** What the value looks like in help (`<port>`). */
  readonly valueName: string;
  /** Environment variables read, in order of precedence: Weft's `WEFT_<BINARY>_<NAME>` first, then
   *  Istio's name where users expect one. */
  readonly env: readonly string[];
  /** The default as a user would write it (parsed like any other value); '' means "not set". */
  readonly default: string;
  readonly description: string;
  /** Parses a raw value; failures are values. */
  parse(raw: string): Parsed<C[K]>;
}

/**
 * A `declare` function for config `C`: it only checks, at compile time, that each declaration's parser
 * yields the type of the field it sets (`declareSettingFor<WeftdConfig>()({ key: 'xdsPort', ... })`).
 */
export function declareSettingFor<C>(): <K extends keyof C>(d: SettingDeclaration<C, K>) => SettingDeclaration<C, K> {
  return (d) => d;
}
