// A finished span, and the two wire encodings weft-proxy exports: Zipkin's v2 JSON (what Envoy's
// Zipkin tracer sends with collector_endpoint_version HTTP_JSON) and OTLP/HTTP's JSON encoding of an
// ExportTraceServiceRequest (OpenTelemetry protocol spec, "JSON Protobuf Encoding": ids in hex,
// 64-bit integers as strings, enums as numbers).

/** One span, ready to export. */
export interface FinishedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly name: string;
  readonly kind: 'CLIENT' | 'SERVER';
  /** Start, in microseconds since the epoch. */
  readonly startUs: number;
  readonly durationUs: number;
  /** Envoy's tags (string values). */
  readonly tags: Readonly<Record<string, string>>;
}

/** Who reports the spans: Zipkin's localEndpoint (the node's cluster and address). */
export interface LocalEndpoint {
  readonly serviceName: string;
  readonly address: string | undefined;
}

/** Zipkin v2: a JSON array of spans (POST /api/v2/spans). */
export function encodeZipkinSpans(spans: readonly FinishedSpan[], local: LocalEndpoint): string {
  const endpoint: Record<string, string> = { serviceName: local.serviceName };
  if (local.address !== undefined) endpoint[local.address.includes(':') ? 'ipv6' : 'ipv4'] = local.address;
  return JSON.stringify(
    spans.map((s) => ({
      traceId: s.traceId,
      ...(s.parentId !== undefined ? { parentId: s.parentId } : {}),
      id: s.spanId,
      kind: s.kind,
      name: s.name,
      timestamp: s.startUs,
      duration: Math.max(1, s.durationUs),
      localEndpoint: endpoint,
      tags: s.tags,
    })),
  );
}

/** OTLP span kinds (opentelemetry.proto.trace.v1.Span.SpanKind). */
const OTLP_KIND = { SERVER: 2, CLIENT: 3 } as const;

/** Nanoseconds as the decimal string OTLP/JSON wants (beyond 2^53, so built from microseconds). */
const nanos = (us: number): string => `${Math.round(us)}000`;

/** OTLP/HTTP JSON: one ExportTraceServiceRequest (POST /v1/traces), `service.name` as the resource. */
export function encodeOtlpSpans(spans: readonly FinishedSpan[], serviceName: string): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: serviceName } }] },
        scopeSpans: [
          {
            scope: { name: 'weft-proxy' },
            spans: spans.map((s) => ({
              traceId: s.traceId.length === 32 ? s.traceId : `0000000000000000${s.traceId}`,
              spanId: s.spanId,
              ...(s.parentId !== undefined ? { parentSpanId: s.parentId } : {}),
              name: s.name,
              kind: OTLP_KIND[s.kind],
              startTimeUnixNano: nanos(s.startUs),
              endTimeUnixNano: nanos(s.startUs + Math.max(1, s.durationUs)),
              attributes: Object.entries(s.tags).map(([key, value]) => ({ key, value: { stringValue: value } })),
              // STATUS_CODE_ERROR for the spans Envoy tags error=true.
              ...(s.tags.error === 'true' ? { status: { code: 2 } } : {}),
            })),
          },
        ],
      },
    ],
  });
}
