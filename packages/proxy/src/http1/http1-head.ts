// Parses one HTTP/1.1 request head or response head (RFC 9112 §2-§6) from its latin1 text, strictly:
// the shapes request smuggling relies on (Content-Length with Transfer-Encoding, differing or bad
// Content-Length, obs-fold, bare CR/LF, invalid token or value characters) are refused as llhttp and
// Envoy refuse them. Hop-by-hop headers become fields; everything else goes into a HeaderBag.

import type { HeaderBag } from '../compile/header-mutation.js';
import { FIELD_VALUE, knownName, nameHashStep, TARGET, TOKEN } from './http1-chars.js';

/** A head that cannot be accepted, with the status to answer (a request) or to report (a response). */
export class Http1HeadError {
  constructor(
    /** 400 malformed, 431 too many headers, 501 unsupported transfer coding. */
    readonly status: 400 | 431 | 501,
    /** Why, for logs (Envoy's codec error text where there is one). */
    readonly message: string,
  ) {}
}

/** Envoy's default `max_headers_count`. */
export const DEFAULT_MAX_HEADER_COUNT = 100;

/** What request and response heads share. */
export class Http1Head {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  versionMinor = 1;
  /** End-to-end headers, lower-case names; repeated headers become arrays in order. `content-length`
   *  is kept (validated, one value); Host and hop-by-hop headers are the fields below or dropped. */
  headers: HeaderBag = {};
  /** -1 when absent. */
  contentLength = -1;
  /** Transfer-Encoding: chunked. */
  chunked = false;
  /** Connection tokens. */
  connectionClose = false;
  connectionKeepAlive = false;
  connectionUpgrade = false;
  /** The Upgrade header's value as received, undefined when absent. */
  upgrade: string | undefined = undefined;
}

/** A parsed request head. */
export class Http1RequestHead extends Http1Head {
  method = '';
  /** The request target as received (origin form `/a?b`, absolute form `http://h/a`, or authority form). */
  target = '';
  host: string | undefined = undefined;
  /** `Expect: 100-continue` was sent. */
  expectContinue = false;
}

/** A parsed response head. */
export class Http1ResponseHead extends Http1Head {
  status = 0;
  reason = '';
  /** The body runs until the connection closes (no length, not chunked): the connection is not reusable. */
  untilClose = false;
  /** `Keep-Alive: timeout=N` in milliseconds, 0 when absent. */
  keepAliveTimeoutMs = 0;
}

const SP = 0x20;
const HTAB = 0x09;
const CR = 0x0d;
/** A character no header section may hold: not a field-value character (RFC 9110 §5.5: HTAB, SP,
 *  visible ASCII, obs-text), CR or LF; or a CR that is not followed by LF (a bare CR). */
const BAD_FIELD_CHAR = /[^\t\r\n\x20-\x7e\x80-\xff]|\r(?:[^\n]|$)/g;

function isAllTokens(s: string, from: number, to: number): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) if (TOKEN[s.charCodeAt(i)] !== 1) return false;
  return true;
}

function addHeader(bag: HeaderBag, name: string, value: string): void {
  // Inherited names (`constructor`, `__proto__`) read as non-string, non-array and are simply set.
  const old = bag[name];
  if (typeof old === 'string') bag[name] = [old, value];
  else if (Array.isArray(old)) old.push(value);
  else bag[name] = value;
}

/** Parses `Connection` tokens into `head`; names other than close/keep-alive/upgrade are returned
 *  (hop-by-hop headers the sender wants dropped). */
function connectionTokens(head: Http1Head, value: string, named: string[] | undefined): string[] | undefined {
  // The common single values first, without splitting.
  if (value.length === 10 && value.toLowerCase() === 'keep-alive') {
    head.connectionKeepAlive = true;
    return named;
  }
  if (value.length === 5 && value.toLowerCase() === 'close') {
    head.connectionClose = true;
    return named;
  }
  for (const raw of value.split(',')) {
    const t = raw.trim().toLowerCase();
    if (t === 'close') head.connectionClose = true;
    else if (t === 'keep-alive') head.connectionKeepAlive = true;
    else if (t === 'upgrade') head.connectionUpgrade = true;
    else if (t !== '') (named ??= []).push(t);
  }
  return named;
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Parses the header lines of `s` from `pos` (each ending in CRLF but the last) into `head`. Returns the
 * error or the Transfer-Encoding value ('' when absent). Request and response differ only in which
 * hop-by-hop headers they keep as fields.
 */
function parseFields(s: string, pos: number, head: Http1Head, request: Http1RequestHead | undefined, maxHeaders: number): Http1HeadError | string {
  const end = s.length;
  const bag = head.headers;
  let count = 0;
  let transferEncoding = '';
  let named: string[] | undefined;
  // Every character of the section at once (one native scan instead of a loop per value): field-value
  // characters, CR LF, nothing else; and no CR that does not start a CRLF. Bare LFs are caught below,
  // where lines are split at LF and must end in CR LF.
  BAD_FIELD_CHAR.lastIndex = pos;
  if (pos < end && BAD_FIELD_CHAR.test(s)) return new Http1HeadError(400, 'header value contains invalid chars');
  while (pos < end) {
    let eol = s.indexOf('\n', pos);
    if (eol < 0) eol = end;
    else if (--eol < pos || s.charCodeAt(eol) !== CR) return new Http1HeadError(400, 'invalid header line ending');
    const first = s.charCodeAt(pos);
    // obs-fold (RFC 9112 §5.2): a line starting with whitespace continues the previous one. Refused.
    if (first === SP || first === HTAB) return new Http1HeadError(400, 'header value contains invalid chars');
    let i = pos;
    let lower = true;
    let hash = 0;
    for (; i < eol; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3a) break;
      if (TOKEN[c] !== 1) return new Http1HeadError(400, 'header name contains invalid chars');
      if (c >= 0x41 && c <= 0x5a) lower = false;
      hash = nameHashStep(hash, c);
    }
    // No whitespace is allowed between the name and the colon (RFC 9112 §5.1), and the name is not empty.
    if (i === pos || i === eol) return new Http1HeadError(400, 'invalid header line');
    const name = knownName(s, pos, i, hash) ?? (lower ? s.slice(pos, i) : s.slice(pos, i).toLowerCase());
    let vs = i + 1;
    let ve = eol;
    while (vs < ve && (s.charCodeAt(vs) === SP || s.charCodeAt(vs) === HTAB)) vs++;
    while (ve > vs && (s.charCodeAt(ve - 1) === SP || s.charCodeAt(ve - 1) === HTAB)) ve--;
    const value = s.slice(vs, ve);
    if (++count > maxHeaders) return new Http1HeadError(431, 'headers count exceeds limit');
    pos = eol + 2;
    switch (name) {
      case 'content-length': {
        if (!isDigits(value)) return new Http1HeadError(400, 'invalid content length');
        const n = Number(value);
        // Repeated identical values are one value (RFC 9110 §8.6); differing ones are a smuggling shape.
        if (head.contentLength >= 0) {
          if (head.contentLength !== n) return new Http1HeadError(400, 'multiple content length');
          continue;
        }
        head.contentLength = n;
        bag['content-length'] = value;
        continue;
      }
      case 'transfer-encoding':
        transferEncoding = transferEncoding === '' ? value : `${transferEncoding}, ${value}`;
        continue;
      case 'connection':
        named = connectionTokens(head, value, named);
        continue;
      case 'upgrade':
        head.upgrade = value;
        continue;
      case 'keep-alive':
        if (!request) {
          const m = value.toLowerCase().indexOf('timeout=');
          if (m >= 0) (head as Http1ResponseHead).keepAliveTimeoutMs = (Number.parseInt(value.slice(m + 8), 10) || 0) * 1000;
        }
        continue;
      case 'proxy-connection':
      case 'te':
      case 'trailer':
        continue;
      case 'host':
        if (!request) break;
        // Two Host headers make the authority ambiguous (RFC 9112 §3.2: answer 400).
        if (request.host !== undefined) return new Http1HeadError(400, 'multiple host headers');
        request.host = value;
        continue;
      case 'expect':
        if (!request) break;
        if (value.toLowerCase() === '100-continue') request.expectContinue = true;
        continue;
      case 'proxy-authorization':
        // Meant for this proxy (the app's explicit proxy), never for the upstream.
        if (request) continue;
        break;
    }
    addHeader(bag, name, value);
  }
  if (named) for (const n of named) if (n !== 'content-length' && n !== 'host') delete bag[n];
  return transferEncoding;
}

/**
 * Parses a request head: `s` runs from the request line to the last header line, without the final
 * empty line (CRLF CRLF). Leading empty lines are skipped (RFC 9112 §2.2).
 */
export function parseRequestHead(s: string, maxHeaders = DEFAULT_MAX_HEADER_COUNT): Http1RequestHead | Http1HeadError {
  let pos = 0;
  while (s.startsWith('\r\n', pos)) pos += 2;
  let lineEnd = s.indexOf('\r\n', pos);
  if (lineEnd < 0) lineEnd = s.length;
  const sp1 = s.indexOf(' ', pos);
  if (sp1 < 0 || sp1 >= lineEnd || !isAllTokens(s, pos, sp1)) return new Http1HeadError(400, 'invalid method');
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || sp2 >= lineEnd || sp2 === sp1 + 1) return new Http1HeadError(400, 'invalid request line');
  for (let i = sp1 + 1; i < sp2; i++) if (TARGET[s.charCodeAt(i)] !== 1) return new Http1HeadError(400, 'invalid url');
  const head = new Http1RequestHead();
  if (lineEnd - sp2 !== 9 || !s.startsWith('HTTP/1.', sp2 + 1)) return new Http1HeadError(400, 'invalid http version');
  const minor = s.charCodeAt(sp2 + 8);
  if (minor !== 0x30 && minor !== 0x31) return new Http1HeadError(400, 'invalid http version');
  head.versionMinor = minor - 0x30;
  head.method = s.slice(pos, sp1);
  head.target = s.slice(sp1 + 1, sp2);
  const te = parseFields(s, lineEnd + 2, head, head, maxHeaders);
  if (te instanceof Http1HeadError) return te;
  if (te !== '') {
    // Envoy (and llhttp) refuse both framings at once: the classic CL.TE / TE.CL smuggling shape.
    if (head.contentLength >= 0) return new Http1HeadError(400, 'both transfer-encoding and content-length');
    if (te.toLowerCase() !== 'chunked') return new Http1HeadError(501, 'unsupported transfer encoding');
    head.chunked = true;
  }
  if (head.versionMinor === 1 && head.host === undefined && head.target.charCodeAt(0) === 0x2f) return new Http1HeadError(400, 'missing host header');
  return head;
}

/** Parses a response head (status line to last header line, without the final CRLF CRLF). */
export function parseResponseHead(s: string, maxHeaders = DEFAULT_MAX_HEADER_COUNT): Http1ResponseHead | Http1HeadError {
  let lineEnd = s.indexOf('\r\n');
  if (lineEnd < 0) lineEnd = s.length;
  const head = new Http1ResponseHead();
  if (lineEnd < 12 || !s.startsWith('HTTP/1.', 0) || s.charCodeAt(8) !== SP) return new Http1HeadError(400, 'invalid status line');
  const minor = s.charCodeAt(7);
  if (minor !== 0x30 && minor !== 0x31) return new Http1HeadError(400, 'invalid http version');
  head.versionMinor = minor - 0x30;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return new Http1HeadError(400, 'invalid status code');
    status = status * 10 + (c - 0x30);
  }
  if (status < 100) return new Http1HeadError(400, 'invalid status code');
  if (lineEnd > 12) {
    if (s.charCodeAt(12) !== SP) return new Http1HeadError(400, 'invalid status line');
    for (let i = 13; i < lineEnd; i++) if (FIELD_VALUE[s.charCodeAt(i)] !== 1) return new Http1HeadError(400, 'invalid status line');
    head.reason = s.slice(13, lineEnd);
  }
  head.status = status;
  const te = parseFields(s, lineEnd + 2, head, undefined, maxHeaders);
  if (te instanceof Http1HeadError) return te;
  if (te !== '') {
    // Transfer-Encoding overrides Content-Length in a response (RFC 9112 §6.3); a coding list not
    // ending in chunked runs until close.
    head.contentLength = -1;
    delete head.headers['content-length'];
    const last = te.slice(te.lastIndexOf(',') + 1).trim().toLowerCase();
    if (last === 'chunked') head.chunked = true;
    else head.untilClose = true;
  } else if (head.contentLength < 0) head.untilClose = true;
  if (head.versionMinor === 0 && !head.connectionKeepAlive) head.connectionClose = true;
  return head;
}

/** Parses a chunked body's trailer section (header lines without the final empty line). Framing and
 *  hop-by-hop fields are dropped (RFC 9110 §6.5.1 forbids them in trailers). */
export function parseTrailers(s: string, maxHeaders = DEFAULT_MAX_HEADER_COUNT): HeaderBag | Http1HeadError {
  const head = new Http1Head();
  const te = parseFields(s, 0, head, undefined, maxHeaders);
  if (te instanceof Http1HeadError) return te;
  delete head.headers['content-length'];
  return head.headers;
}
