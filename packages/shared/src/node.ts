// `@weft/shared/node`: everything in `@weft/shared` plus what needs Node (node:fs): reading
// files, directories and stdin. Browser code imports `@weft/shared` instead.

export * from './index.js';
export { listSourceFiles, loadSources, readStream, type InputProblem, type LoadedSources, type LoadOptions } from './yaml/load-paths.js';
export { waitForStopSignal, type StopSignal } from './process/stop-signal.js';
export { freePort } from './process/free-port.js';
