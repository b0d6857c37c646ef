// Public surface of @weft/cli: the program, for embedding and tests.
export { createProgram, run } from './program.js';
export type { Io } from './io.js';
