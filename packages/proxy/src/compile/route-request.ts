// The request as route matching sees it: method, authority, path split from its query, and headers
// (lower-case names, node:http's shape). Built once per request by the listener.

/** What route matchers read. `path` keeps the query; `pathOnly` and `query` are its two halves. */
export interface RouteRequest {
  readonly method: string;
  /** Host header (or the absolute-form URI's authority), lower-cased. */
  readonly authority: string;
  readonly path: string;
  readonly pathOnly: string;
  /** The raw query string without `?`, '' when absent. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** Splits `path` at the first `?` and builds a {@link RouteRequest}. */
export function createRouteRequest(method: string, authority: string, path: string, headers: RouteRequest['headers']): RouteRequest {
  const q = path.indexOf('?');
  return { method, authority: authority.toLowerCase(), path, pathOnly: q < 0 ? path : path.slice(0, q), query: q < 0 ? '' : path.slice(q + 1), headers };
}

/** A header's value as Envoy's matchers see it: pseudo-headers from the request line, repeated values
 *  joined with `,`, undefined when absent. */
export function headerValue(req: RouteRequest, name: string): string | undefined {
  switch (name) {
    case ':authority':
    case 'host':
      return req.authority;
    case ':path':
      return req.path;
    case ':method':
      return req.method;
    case ':scheme':
      return 'http';
    default: {
      const v = req.headers[name];
      return v === undefined ? undefined : typeof v === 'string' ? v : v.join(',');
    }
  }
}
