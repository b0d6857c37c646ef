// Istio HTTPRedirect → Envoy RedirectAction (Istio ApplyRedirect, sidecar semantics).

import type { HTTPRedirect } from '@weft/shared';

const RESPONSE_CODES: Readonly<Record<number, string>> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/**
 * The redirect action, or undefined for a `redirectCode` Envoy cannot send (Istio then leaves the
 * route without an action; we leave such a route out). `uri` replaces the whole path
 * (`path_redirect`); `derivePort: FROM_REQUEST_PORT` becomes the listener port (routes are built per
 * port); an explicit `port` is kept; `:80` with http and `:443` with https are dropped, as in Istio.
 */
export function translateRedirect(redirect: HTTPRedirect, listenPort: number): Record<string, unknown> | undefined {
  const code = RESPONSE_CODES[redirect.redirectCode ?? 301];
  if (code === undefined) return undefined;
  const out: Record<string, unknown> = { response_code: code };
  if (redirect.authority) out.host_redirect = redirect.authority;
  // path_redirect and prefix_rewrite are one Envoy oneof: the whole-path `uri` wins.
  if (redirect.uri) out.path_redirect = redirect.uri;
  else if (redirect.prefixRewrite) out.prefix_rewrite = redirect.prefixRewrite;
  if (redirect.scheme) out.scheme_redirect = redirect.scheme;
  let port: number | undefined;
  if (redirect.port !== undefined) port = redirect.port;
  else if (redirect.derivePort === 'FROM_REQUEST_PORT') port = listenPort;
  if (port !== undefined) {
    // Sidecar routes are never TLS-terminating, so an unset scheme means http (Istio: isTLS false).
    const scheme = redirect.scheme || 'http';
    const isDefault = (port === 80 && scheme === 'http') || (port === 443 && scheme === 'https');
    if (!isDefault && port !== 0) out.port_redirect = port;
  }
  return out;
}
