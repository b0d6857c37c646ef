// Public surface of @weft/shared: Istio API types, validation, YAML loading, error codes.
// Nothing here starts servers or touches the network or the filesystem: it is browser-safe.
// Node-only parts are in `@weft/shared/node` (reading files, directories, stdin) and
// `@weft/shared/xds` (Envoy protos and the ADS wire).

export { ERROR_CODES, WeftError, type ErrorCode } from './errors/codes.js';
export { formatGvk, parseApiVersion, type GroupVersionKind } from './api/gvk.js';
export { ISTIO_ANNOTATIONS, ISTIO_LABELS, WEFT_INJECTION_LABEL } from './api/well-known.js';
export { Collector, joinPath, type Issue, type Validation } from './validation/result.js';
export { gvkOf, validateResource, type ValidateOptions } from './validation/validate.js';
export { isCheckedKind } from './validation/validate.js';
export type { LoadedDocument, SourcePosition } from './yaml/load.js';
export { parseDocuments, type SyntaxIssue } from './yaml/load.js';
export { parseFieldPath, type FieldPathSegment } from './yaml/field-path.js';
export {
  crdFieldCatalog,
  findingOfInputProblem,
  hintForIssue,
  reportDocument,
  reportDocuments,
  type FieldCatalog,
  type Finding,
  type InputProblemLike,
  type ReportOptions,
  type ResourceResult,
  type Severity,
  type ValidationReport,
} from './validation/report.js';
export type * from './api/types.gen.js';
export type { CrdDefinition, CrdVersion, JsonSchemaProps, ValidationRule } from './api/crd.js';
export { CRDS, CRD_SCHEMAS } from './api/schemas.gen.js';
export {
  compareKubeVersions,
  deprecationWarning,
  findCrd,
  findCrdVersion,
  isServed,
  ISTIO_CRDS,
  listKinds,
  schemaOf,
  servedVersions,
  storageVersion,
  versionDeprecationWarning,
  type CrdCatalog,
} from './api/kinds.js';
export { createStructuralValidator, hasSchema, validateStructural, type StructuralValidator } from './validation/structural/index.js';
export { GRPC_STATUS_CODES } from './validation/semantic/primitives/grpc-status.js';
export { WEFT_VERSION } from './version.js';
