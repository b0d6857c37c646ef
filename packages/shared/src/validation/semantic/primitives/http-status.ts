// HTTP status codes in Istio's rules: fault aborts and direct responses (200..599, Istio's exact
// bounds), redirect codes (3xx), and the codes Go's net/http knows (used by retryOn).

/** Istio's validateHTTPStatus. Istio's check lets 600 through while its message says 200-599; kept as is. */
export function validateHTTPStatus(status: number): string | undefined {
  if (status < 200 || status > 600) return `HTTP status ${status} is not in range 200-599`;
  return undefined;
}

/** Istio's redirect code rule: 0 (unset) or 300..399. */
export function validateRedirectCode(code: number): string | undefined {
  if (code !== 0 && (code < 300 || code > 399)) return `${code} is not a valid redirect code, must be 3xx`;
  return undefined;
}

// Go's net/http StatusText table: the codes for which http.StatusText(code) != "".
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401,
  402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428,
  429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** True when Go's http.StatusText knows `code` (what Istio's retryOn check relies on). */
export function isKnownHTTPStatus(code: number): boolean {
  return KNOWN_STATUS.has(code);
}
