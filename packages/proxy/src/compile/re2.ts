// RE2 (re2js), loaded the first time a regex is compiled: most configs have none, and the engine
// with its Unicode tables is ~0.9 MB of heap in every proxy that loads it.

import { createRequire } from 'node:module';
import type { RE2JS as RE2JSClass } from 're2js';

let engine: typeof RE2JSClass | undefined;

/** The RE2JS class (re2js's CommonJS build, the only one this package loads). */
export function re2(): typeof RE2JSClass {
  return (engine ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JSClass }).RE2JS);
}
