// The HTTP connection manager's request preprocessing that changes what routing sees: path
// normalisation (normalize_path, merge_slashes) and Host rewriting (strip_*_host_port,
// strip_trailing_host_dot). Everything else the HCM does to headers is irrelevant to route selection.

import { unwrap, type HttpConnectionManager } from './envoy-shapes.js';
import { hostPort, hostWithoutPort } from './request.js';
import { pathOnly } from './route-match.js';

/** RFC 3986 section 5.2.4 remove_dot_segments on an absolute path. */
function removeDotSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split('/').slice(1);
  for (const [i, seg] of segments.entries()) {
    const last = i === segments.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      // A trailing dot segment leaves a directory path: `/a/b/..` → `/a/`.
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

/** The :path routing sees. `normalize_path` (HttpConnectionManager.normalize_path: "normalized
 *  according to RFC 3986") is modelled as backslash-to-slash plus dot-segment removal on the path part
 *  (Envoy's canonicaliser also re-encodes some characters; that never changes a route choice in
 *  configs Istio generates). `merge_slashes` collapses runs of `/`. The query string is left alone. */
export function preprocessPath(hcm: HttpConnectionManager, path: string): string {
  const only = pathOnly(path);
  let p = only;
  if (unwrap(hcm.normalize_path) === true) p = removeDotSegments(p.replace(/\\/g, '/'));
  if (hcm.merge_slashes === true) p = p.replace(/\/{2,}/g, '/');
  return p + path.slice(only.length);
}

/** The Host / :authority routing sees: `strip_trailing_host_dot` drops a trailing `.` of the host name;
 *  `strip_any_host_port` drops any port; `strip_matching_host_port` drops it only when it equals the
 *  port the connection was accepted on (its local, i.e. original destination, port). */
export function preprocessHost(hcm: HttpConnectionManager, host: string, localPort: number): string {
  let bare = hostWithoutPort(host);
  const port = host.slice(bare.length);
  if (hcm.strip_trailing_host_dot === true && bare.endsWith('.')) bare = bare.slice(0, -1);
  if (port === '') return bare;
  if (hcm.strip_any_host_port === true) return bare;
  if (hcm.strip_matching_host_port === true && hostPort(host) === localPort) return bare;
  return bare + port;
}
