// The registry of @weft/shared error codes. A code is never reused or renamed once released:
// tools and users match on it (like fastify's FST_ERR_* and undici's UND_ERR_*).

/** Every error code @weft/shared can report, with a one-line meaning. */
export const ERROR_CODES = {
  WEFT_ERR_YAML_SYNTAX: 'The document is not valid YAML.',
  WEFT_ERR_YAML_NOT_OBJECT: 'The document is not a mapping (a Kubernetes-style object).',
  WEFT_ERR_RESOURCE_HEADER: 'apiVersion, kind or metadata is missing or malformed.',
  WEFT_ERR_RESOURCE_UNKNOWN_KIND: 'The group/version/kind is not one Weft knows.',
  WEFT_ERR_SCHEMA: 'The resource does not match the CRD schema (type, enum, required, unknown field).',
  WEFT_ERR_SCHEMA_RULE: 'A CRD x-kubernetes-validations (CEL) rule is not satisfied.',
  WEFT_ERR_SEMANTIC: "Istio's semantic validation rejects the value.",
  WEFT_ERR_SEMANTIC_UNSUPPORTED: 'Valid for Istio, but Weft does not implement it yet.',
  WEFT_ERR_INPUT_READ: 'A file, directory or stdin could not be read.',
  WEFT_ERR_INTERNAL: 'A bug in Weft: the validator itself failed.',
  WEFT_ERR_RESOURCE_DEPRECATED_VERSION: 'The apiVersion is served but deprecated by its CRD (reported as a warning, like kubectl).',
  WEFT_ERR_SCHEMA_UNKNOWN_FIELD:
    'A field the CRD schema does not declare. Kubernetes prunes it, so it is a warning unless strict validation asks for an error.',
  WEFT_ERR_XDS_DECODE: 'An xDS response could not be decoded (malformed bytes, unknown or mismatched type URL); the whole response is NACKed.',
  WEFT_ERR_XDS_INVALID_RESOURCE: 'An xDS resource decoded but is unusable (no filter chains, bad regex, ...); it is NACKed and its last good version stays in force.',
  WEFT_ERR_XDS_STREAM: 'The ADS stream to the control plane ended or could not be opened; the proxy keeps its config and reconnects with backoff.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error base of @weft/shared: a code, a message and an optional cause. Thrown only for bugs
 *  and I/O; expected validation failures are values (see {@link Validation}). */
export class WeftError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WeftError';
    this.code = code;
  }
}
