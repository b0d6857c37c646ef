// HTTP header names and values as Istio checks them: RFC 7230 token names, the headers a route may
// not add/set/remove (`:`-pseudo headers, `host`), JWT-claim routing keys, and Envoy's `%VAR%` values.

const TCHARS = "!#$%&'*+\\-.^_`|~A-Za-z0-9";
const VALID_HEADER_NAME = new RegExp(`^[${TCHARS}]+$`);
const VALID_STRICT_HEADER_NAME = /^[-A-Za-z0-9]+$/;
// No control characters other than horizontal tab (protoc-gen-validate's header value rule).
// eslint-disable-next-line no-control-regex
const VALID_HEADER_VALUE = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);
const JWT_CLAIM_PREFIX = '@request.auth.claims';

/** True for a header a proxy owns: a `:` pseudo header or `host` (Istio's isInternalHeader). */
export function isInternalHeader(name: string): boolean {
  return name.startsWith(':') || name.toLowerCase() === 'host';
}

/** True for `:authority` or `host`, in any case (Istio's isAuthorityHeader). */
export function isAuthorityHeader(name: string): boolean {
  const l = name.toLowerCase();
  return l === ':authority' || l === 'host';
}

/** True for a JWT-claim routing key (`@request.auth.claims.sub`, `@request.auth.claims[a][b]`). */
export function isJwtClaimRoute(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM_PREFIX)) return false;
  const rest = name.slice(JWT_CLAIM_PREFIX.length);
  if (rest.startsWith('.') && rest.length > 1) return true;
  return rest.startsWith('[') && rest.endsWith(']') && rest.length > 2;
}

/** Istio's ValidateHTTPHeaderName: only non-empty. */
export function validateHTTPHeaderName(name: string): string | undefined {
  return name === '' ? 'header name cannot be empty' : undefined;
}

/** Istio's ValidateStrictHTTPHeaderName: letters, digits and `-` only. */
export function validateStrictHTTPHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (!VALID_STRICT_HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** Istio's ValidateCORSHTTPHeaderName: a token, or `*`. */
export function validateCORSHTTPHeaderName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name === '*') return undefined;
  if (!VALID_HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** Istio's ValidateHTTPHeaderNameOrJwtClaimRoute: a token, a pseudo header, or a JWT-claim key. */
export function validateHTTPHeaderNameOrJwtClaimRoute(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimRoute(name) || PSEUDO_HEADERS.has(name)) return undefined;
  if (!VALID_HEADER_NAME.test(name)) return `header name ${name} is not a valid header name`;
  return undefined;
}

/** Istio's ValidateHTTPHeaderWithAuthorityOperationName: request add/set may target `:authority`/`host`
 *  (checked separately for double rewrites) but no other internal header. */
export function validateHeaderAddSetName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternalHeader(name) && !isAuthorityHeader(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** Istio's ValidateHTTPHeaderOperationName: request remove and every response operation may not touch
 *  `host` or a `:` pseudo header. */
export function validateHeaderOperationName(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return undefined;
}

/** Istio's ValidateHTTPHeaderValue: no control characters, and a well-formed Envoy `%VAR%` template. */
export function validateHTTPHeaderValue(value: string): string | undefined {
  if (!VALID_HEADER_VALUE.test(value)) return `header value configuration ${value} is invalid`;
  const err = validateHeaderValueTemplate(value);
  return err ? `header value configuration: ${err}` : undefined;
}

type ParserState = 'literal' | 'variable' | 'expectArray' | 'expectString' | 'string' | 'expectDelimOrEnd' | 'expectArgsEnd' | 'expectVarEnd';

/** Port of Envoy's header_parser (via Istio's validateHeaderValue): `%%` escapes, `%VAR%`, `%VAR(["a","b"])%`. */
export function validateHeaderValueTemplate(value: string): string | undefined {
  let state: ParserState = 'literal';
  for (let pos = 0; pos < value.length; pos++) {
    const ch = value[pos];
    const hasNext = pos + 1 < value.length;
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (!hasNext) return 'invalid header configuration. Un-escaped %';
        if (value[pos + 1] === '%') {
          pos++;
          break;
        }
        state = 'variable';
        break;
      case 'variable':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'expectArray';
        break;
      case 'expectArray':
        if (ch === '[') state = 'expectString';
        else if (ch !== ' ') state = 'string';
        break;
      case 'expectDelimOrEnd':
        if (ch === ',') state = 'expectString';
        else if (ch === ']') state = 'expectArgsEnd';
        else if (ch !== ' ') return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case 'expectString':
        if (ch === '"') state = 'string';
        else if (ch !== ' ') return "invalid header configuration. Expecting '\"'";
        break;
      case 'string':
        if (ch === '\\') {
          if (!hasNext) return 'invalid header configuration. Un-terminated backslash in JSON string';
          pos++;
        } else if (ch === ')') state = 'expectVarEnd';
        else if (ch === '"') state = 'expectDelimOrEnd';
        break;
      case 'expectArgsEnd':
        if (ch === ')') state = 'expectVarEnd';
        else if (ch !== ' ') return "invalid header configuration. Expecting ')' or whitespace after '{}', but found '{}'";
        break;
      case 'expectVarEnd':
        if (ch === '%') state = 'literal';
        else if (ch !== ' ') return "invalid header configuration. Expecting '%' or whitespace after";
        break;
    }
  }
  if (state !== 'literal') return `invalid header configuration. Un-terminated variable expression '${value}'`;
  return undefined;
}
