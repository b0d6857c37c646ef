// The request headers every sample service copies from its incoming request to each call it makes,
// as bookinfo does: the mesh's proxies start and join traces, but only the app can tie an inbound
// request to the outbound calls it causes.

import type { IncomingHttpHeaders } from 'node:http';

/**
 * The propagated headers, lower-case: Istio's tracing headers (x-request-id, B3 single and multi,
 * W3C trace context, Lightstep, Datadog, Cloud Trace, gRPC binary context, SkyWalking) and the
 * application headers bookinfo forwards (`end-user` for user-based routing, `user-agent`).
 */
export const PROPAGATED_HEADERS: readonly string[] = Object.freeze([
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'x-ot-span-context',
  'x-datadog-trace-id',
  'x-datadog-parent-id',
  'x-datadog-sampling-priority',
  'x-cloud-trace-context',
  'grpc-trace-bin',
  'sw8',
  'end-user',
  'user-agent',
]);

/** The {@link PROPAGATED_HEADERS} present on `incoming`, repeated values joined with `, `. */
export function propagatedHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PROPAGATED_HEADERS) {
    const v = incoming[name];
    if (v === undefined) continue;
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
