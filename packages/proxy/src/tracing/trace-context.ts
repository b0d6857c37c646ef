// Trace context on the wire: reading W3C Trace Context (`traceparent`, `tracestate`) and Zipkin's B3
// (`x-b3-traceid`, `x-b3-spanid`, `x-b3-parentspanid`, `x-b3-sampled`, `x-b3-flags`, the single `b3`
// header) from a request, writing a span's context into the request sent on, and making new ids.
// Formats only: what a span is and when one is sampled are span.ts's and tracer.ts's.

import { randomFillSync } from 'node:crypto';
import type { HeaderBag } from '../compile/header-mutation.js';

/** A trace position read from headers: the caller's span. */
export interface SpanContext {
  /** 32 lower-case hex digits (128-bit), or 16 (a 64-bit B3 trace id, kept as received). */
  readonly traceId: string;
  /** The caller's span id (16 hex digits). */
  readonly spanId: string;
  /** undefined: the caller made no sampling decision. */
  readonly sampled: boolean | undefined;
}

/** What a request's headers say about its trace. */
export interface ExtractedContext {
  /** The caller's span, when the headers name one. */
  readonly context: SpanContext | undefined;
  /** The caller's sampling decision, also without a span (`b3: 0`, a lone `x-b3-sampled`). */
  readonly sampled: boolean | undefined;
}

const NO_CONTEXT: ExtractedContext = Object.freeze({ context: undefined, sampled: undefined });

const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Whether `s` is `len` lower- or upper-case hex digits, not all zero (invalid in both formats). */
function isId(s: string, len: number): boolean {
  if (s.length !== len) return false;
  let nonZero = false;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (c >= 0x30 && c <= 0x39) {
      if (c !== 0x30) nonZero = true;
    } else if (c >= 0x61 && c <= 0x66) nonZero = true;
    else return false;
  }
  return nonZero;
}

const isTraceId = (s: string): boolean => isId(s, 32) || isId(s, 16);

/** B3's sampling state: `1`/`true` sampled, `0`/`false` not, `d` (debug) sampled. */
function b3Sampled(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === '1' || v === 'd' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  return undefined;
}

/** W3C `traceparent` (version 00 layout; later versions are read the same way, as the spec asks). */
export function parseTraceparent(value: string | undefined): SpanContext | undefined {
  if (value === undefined || value.length < 55) return undefined;
  const v = value.trim();
  if (v[2] !== '-' || v[35] !== '-' || v[52] !== '-') return undefined;
  const version = v.slice(0, 2).toLowerCase();
  if (version === 'ff' || !/^[0-9a-f]{2}$/.test(version) || (version === '00' && v.length !== 55)) return undefined;
  const traceId = v.slice(3, 35);
  const spanId = v.slice(36, 52);
  const flags = Number.parseInt(v.slice(53, 55), 16);
  if (!isId(traceId, 32) || !isId(spanId, 16) || Number.isNaN(flags)) return undefined;
  return { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), sampled: (flags & 1) === 1 };
}

/** The single `b3` header: `{traceId}-{spanId}[-{sampling}[-{parentSpanId}]]`, or a sampling state alone. */
export function parseB3Single(value: string | undefined): ExtractedContext | undefined {
  if (value === undefined || value === '') return undefined;
  const parts = value.trim().split('-');
  if (parts.length === 1) {
    const sampled = b3Sampled(parts[0]);
    return sampled === undefined ? undefined : { context: undefined, sampled };
  }
  const [traceId = '', spanId = '', sampling] = parts;
  if (!isTraceId(traceId) || !isId(spanId, 16)) return undefined;
  const sampled = b3Sampled(sampling);
  return { context: { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), sampled }, sampled };
}

/** The multi-header B3 form (`x-b3-flags: 1`, debug, means sampled). */
export function parseB3Multi(headers: HeaderBag): ExtractedContext | undefined {
  const traceId = first(headers['x-b3-traceid']);
  const spanId = first(headers['x-b3-spanid']);
  const sampled = first(headers['x-b3-flags']) === '1' ? true : b3Sampled(first(headers['x-b3-sampled']));
  if (traceId === undefined || spanId === undefined) return sampled === undefined ? undefined : { context: undefined, sampled };
  if (!isTraceId(traceId) || !isId(spanId, 16)) return sampled === undefined ? undefined : { context: undefined, sampled };
  return { context: { traceId: traceId.toLowerCase(), spanId: spanId.toLowerCase(), sampled }, sampled };
}

/**
 * The trace a request belongs to. B3 first (multi headers, then `b3`), then W3C, as Envoy's Zipkin
 * tracer reads them; `w3cFirst` (the OpenTelemetry tracer) reads `traceparent` first. A malformed
 * header counts as absent.
 */
export function extractContext(headers: HeaderBag, w3cFirst: boolean): ExtractedContext {
  const w3c = (): ExtractedContext | undefined => {
    const c = parseTraceparent(first(headers.traceparent));
    return c ? { context: c, sampled: c.sampled } : undefined;
  };
  const b3 = (): ExtractedContext | undefined => parseB3Multi(headers) ?? parseB3Single(first(headers.b3));
  if (w3cFirst) return w3c() ?? b3() ?? NO_CONTEXT;
  const fromB3 = b3();
  if (fromB3?.context !== undefined) return fromB3;
  return w3c() ?? fromB3 ?? NO_CONTEXT;
}

/** The context of a span a request is sent on with. */
export interface OutgoingContext {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly sampled: boolean;
}

/**
 * Writes `ctx` into the request sent on: the B3 headers (Envoy's Zipkin tracer), `traceparent` (W3C;
 * a 64-bit trace id is zero-padded to 128 bits), and the single `b3` header when the request carried
 * one (so no stale context travels on). `tracestate` is the caller's, left as it came.
 */
export function injectContext(headers: HeaderBag, ctx: OutgoingContext): void {
  const flag = ctx.sampled ? '1' : '0';
  headers['x-b3-traceid'] = ctx.traceId;
  headers['x-b3-spanid'] = ctx.spanId;
  if (ctx.parentId !== undefined) headers['x-b3-parentspanid'] = ctx.parentId;
  else if (headers['x-b3-parentspanid'] !== undefined) delete headers['x-b3-parentspanid'];
  headers['x-b3-sampled'] = flag;
  if (headers.b3 !== undefined) headers.b3 = ctx.parentId !== undefined ? `${ctx.traceId}-${ctx.spanId}-${flag}-${ctx.parentId}` : `${ctx.traceId}-${ctx.spanId}-${flag}`;
  headers.traceparent = `00-${ctx.traceId.length === 32 ? ctx.traceId : `0000000000000000${ctx.traceId}`}-${ctx.spanId}-0${flag}`;
}

// ---- ids ----------------------------------------------------------------------------------------

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `bytes` random bytes as lower-case hex, from a pool refilled by the CSPRNG (never all zeros). */
function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  let out = '';
  let zero = true;
  for (let i = 0; i < bytes; i++) {
    const b = pool[poolOffset++] as number;
    if (b !== 0) zero = false;
    out += HEX[b];
  }
  return zero ? randomHex(bytes) : out;
}

/** A new 64-bit span id. */
export const newSpanId = (): string => randomHex(8);

/** A new trace id: 128-bit (Istio's default), or 64-bit. */
export const newTraceId = (bits128: boolean): string => randomHex(bits128 ? 16 : 8);
