// Public surface of @weft/shared: Istio API types, validation, YAML loading, error codes.
// Nothing here starts servers or touches the network.

export { ERROR_CODES, WeftError, type ErrorCode } from './errors/codes.js';
export { formatGvk, parseApiVersion, type GroupVersionKind } from './api/gvk.js';
export { Collector, joinPath, type Issue, type Validation } from './validation/result.js';
export { gvkOf, validateResource } from './validation/validate.js';
export type { LoadedDocument, SourcePosition } from './yaml/load.js';
export { WEFT_VERSION } from './version.js';
