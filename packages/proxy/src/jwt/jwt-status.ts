// The outcomes of JWT verification, with Envoy's words for them (jwt_verify_lib getStatusString): they
// are the body of a 401/403 and the `message` of failed_status_in_metadata. Nothing here verifies.

/** Envoy's verification statuses (the subset weft-proxy can produce), with their numeric codes as in
 *  jwt_verify_lib's Status enum (failed_status_in_metadata carries the code). */
export const JWT_STATUS = {
  Ok: [0, 'OK'],
  JwtMissed: [1, 'Jwt is missing'],
  JwtNotYetValid: [2, 'Jwt not yet valid'],
  JwtExpired: [3, 'Jwt is expired'],
  JwtBadFormat: [4, 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  JwtHeaderParseErrorBadBase64: [5, 'Jwt header is an invalid Base64url encoded'],
  JwtHeaderParseErrorBadJson: [6, 'Jwt header is an invalid JSON'],
  JwtHeaderBadAlg: [7, 'Jwt header [alg] field is required and must be a string'],
  JwtHeaderNotImplementedAlg: [8, 'Jwt header [alg] is not supported'],
  JwtHeaderBadKid: [9, 'Jwt header [kid] field is not a string'],
  JwtPayloadParseErrorBadBase64: [10, 'Jwt payload is an invalid Base64url encoded'],
  JwtEd25519SignatureWrongLength: [23, 'Jwt ED25519 signature is wrong length'],
  JwtPayloadParseErrorBadJson: [11, 'Jwt payload is an invalid JSON'],
  JwtPayloadParseErrorIssNotString: [12, 'Jwt payload [iss] field is not a string'],
  JwtPayloadParseErrorSubNotString: [13, 'Jwt payload [sub] field is not a string'],
  JwtPayloadParseErrorIatNotInteger: [14, 'Jwt payload [iat] field is not an integer'],
  JwtPayloadParseErrorIatOutOfRange: [15, 'Jwt payload [iat] field is not a positive 64 bit integer'],
  JwtPayloadParseErrorNbfNotInteger: [16, 'Jwt payload [nbf] field is not an integer'],
  JwtPayloadParseErrorNbfOutOfRange: [17, 'Jwt payload [nbf] field is not a positive 64 bit integer'],
  JwtPayloadParseErrorExpNotInteger: [18, 'Jwt payload [exp] field is not an integer'],
  JwtPayloadParseErrorExpOutOfRange: [19, 'Jwt payload [exp] field is not a positive 64 bit integer'],
  JwtPayloadParseErrorJtiNotString: [20, 'Jwt payload [jti] field is not a string'],
  JwtPayloadParseErrorAudNotString: [21, 'Jwt payload [aud] field is not a string or string list'],
  JwtSignatureParseErrorBadBase64: [22, 'Jwt signature is an invalid Base64url encoded'],
  JwtUnknownIssuer: [24, 'Jwt issuer is not configured'],
  JwtAudienceNotAllowed: [25, 'Audiences in Jwt are not allowed'],
  JwtVerificationFail: [26, 'Jwt verification fails'],
  JwksNoValidKeys: [31, "Jwks doesn't have any valid public key"],
  JwksKidAlgMismatch: [32, "Jwks doesn't have key to match kid or alg from Jwt"],
} as const satisfies Record<string, readonly [number, string]>;

/** One verification outcome. */
export type JwtStatus = keyof typeof JWT_STATUS;

/** Envoy's message for `status`. */
export const statusMessage = (status: JwtStatus): string => JWT_STATUS[status][1];

/** The failed_status_in_metadata code of `status`. */
export const statusCode = (status: JwtStatus): number => JWT_STATUS[status][0];

/** The HTTP status Envoy's jwt_authn filter answers a failure with: 403 for a disallowed audience,
 *  401 for everything else. */
export const httpStatusOf = (status: JwtStatus): number => (status === 'JwtAudienceNotAllowed' ? 403 : 401);
