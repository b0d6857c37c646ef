// Trace context formats: W3C traceparent and B3 (multi and single header) read as the specs and
// Envoy's Zipkin tracer read them, malformed values ignored, the order between them, and what a span
// writes into the request it sends on.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HeaderBag } from '../compile/header-mutation.js';
import { extractContext, injectContext, newSpanId, newTraceId, parseB3Single, parseTraceparent } from './trace-context.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';
const PARENT = 'b7ad6b7169203331';

describe('W3C traceparent', () => {
  it.each([
    [`00-${TRACE}-${SPAN}-01`, { traceId: TRACE, spanId: SPAN, sampled: true }],
    [`00-${TRACE}-${SPAN}-00`, { traceId: TRACE, spanId: SPAN, sampled: false }],
    [`00-${TRACE.toUpperCase()}-${SPAN}-03`, { traceId: TRACE, spanId: SPAN, sampled: true }],
    // A later version may append fields; the 00 layout is read.
    [`01-${TRACE}-${SPAN}-01-extra`, { traceId: TRACE, spanId: SPAN, sampled: true }],
  ])('reads %s', (value, expected) => {
    expect(parseTraceparent(value)).toEqual(expected);
  });

  it.each([
    `ff-${TRACE}-${SPAN}-01`,
    `00-${'0'.repeat(32)}-${SPAN}-01`,
    `00-${TRACE}-${'0'.repeat(16)}-01`,
    `00-${TRACE}-${SPAN}-01-extra`,
    `00-${TRACE.slice(1)}x-${SPAN}-01`,
    `00-${TRACE}-${SPAN}`,
    '',
  ])('ignores %s', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});

describe('B3', () => {
  it('multi headers: ids, sampled, debug flag', () => {
    expect(extractContext({ 'x-b3-traceid': TRACE, 'x-b3-spanid': SPAN, 'x-b3-parentspanid': PARENT, 'x-b3-sampled': '1' }, false)).toEqual({ context: { traceId: TRACE, spanId: SPAN, sampled: true }, sampled: true });
    expect(extractContext({ 'x-b3-traceid': SPAN, 'x-b3-spanid': SPAN, 'x-b3-flags': '1' }, false).context).toEqual({ traceId: SPAN, spanId: SPAN, sampled: true });
    expect(extractContext({ 'x-b3-sampled': '0' }, false)).toEqual({ context: undefined, sampled: false });
    expect(extractContext({ 'x-b3-traceid': 'nothex', 'x-b3-spanid': SPAN }, false)).toEqual({ context: undefined, sampled: undefined });
  });

  it.each([
    [`${TRACE}-${SPAN}-1-${PARENT}`, { context: { traceId: TRACE, spanId: SPAN, sampled: true }, sampled: true }],
    [`${TRACE}-${SPAN}-d`, { context: { traceId: TRACE, spanId: SPAN, sampled: true }, sampled: true }],
    [`${SPAN}-${SPAN}`, { context: { traceId: SPAN, spanId: SPAN, sampled: undefined }, sampled: undefined }],
    ['0', { context: undefined, sampled: false }],
    ['1', { context: undefined, sampled: true }],
  ])('single header %s', (value, expected) => {
    expect(parseB3Single(value)).toEqual(expected);
  });

  it('ignores malformed single headers', () => {
    for (const v of ['x', `${TRACE}-short`, `${TRACE}-${SPAN}-7`.slice(0, 10)]) expect(parseB3Single(v)?.context).toBeUndefined();
  });
});

describe('extractContext order', () => {
  const both: HeaderBag = { traceparent: `00-${TRACE}-${SPAN}-01`, 'x-b3-traceid': PARENT + PARENT, 'x-b3-spanid': PARENT, 'x-b3-sampled': '0' };

  it('Zipkin reads B3 before W3C; OpenTelemetry reads W3C first', () => {
    expect(extractContext(both, false).context?.spanId).toBe(PARENT);
    expect(extractContext(both, true).context?.spanId).toBe(SPAN);
  });

  it('a B3 sampling decision without ids does not hide a W3C context', () => {
    expect(extractContext({ b3: '0', traceparent: `00-${TRACE}-${SPAN}-01` }, false).context?.traceId).toBe(TRACE);
    expect(extractContext({}, false)).toEqual({ context: undefined, sampled: undefined });
  });
});

describe('injectContext', () => {
  it('writes B3, traceparent, rewrites a b3 header, keeps tracestate, drops a stale parent', () => {
    const headers: HeaderBag = { b3: 'stale', tracestate: 'vendor=x', 'x-b3-parentspanid': 'ffffffffffffffff' };
    injectContext(headers, { traceId: TRACE, spanId: SPAN, parentId: undefined, sampled: true });
    expect(headers).toEqual({
      b3: `${TRACE}-${SPAN}-1`,
      tracestate: 'vendor=x',
      'x-b3-traceid': TRACE,
      'x-b3-spanid': SPAN,
      'x-b3-sampled': '1',
      traceparent: `00-${TRACE}-${SPAN}-01`,
    });
  });

  it('a 64-bit trace id is zero-padded in traceparent; an unsampled span says 0 / 00', () => {
    const headers: HeaderBag = {};
    injectContext(headers, { traceId: SPAN, spanId: PARENT, parentId: SPAN, sampled: false });
    expect(headers).toEqual({ 'x-b3-traceid': SPAN, 'x-b3-spanid': PARENT, 'x-b3-parentspanid': SPAN, 'x-b3-sampled': '0', traceparent: `00-0000000000000000${SPAN}-${PARENT}-00` });
  });

  it('round-trips through both formats for any ids', () => {
    const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`)).filter((s) => /[1-9a-f]/.test(s));
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const headers: HeaderBag = {};
        injectContext(headers, { traceId, spanId, parentId: undefined, sampled });
        expect(extractContext(headers, false).context).toEqual({ traceId, spanId, sampled });
        expect(extractContext(headers, true).context).toEqual({ traceId, spanId, sampled });
      }),
    );
  });
});

describe('ids', () => {
  it('are lower-case hex of the right length and differ', () => {
    const ids = new Set(Array.from({ length: 2000 }, () => newSpanId()));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(newTraceId(true)).toMatch(/^[0-9a-f]{32}$/);
    expect(newTraceId(false)).toMatch(/^[0-9a-f]{16}$/);
  });
});
