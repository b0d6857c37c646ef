// Go's net/url parsing (url.Parse and url.ParseRequestURI), which the Kubernetes CEL URL library
// (`url()`, `isURL()`) is defined by. Ported for the cases CRD rules exercise: scheme, authority,
// host and port syntax, control characters and percent-escapes, with Go's error texts.

import { goQuote } from './go-format.js';

/** A parsed URL, Go's url.URL fields that the CEL library exposes. */
export interface GoUrl {
  readonly scheme: string;
  readonly opaque: string;
  readonly userinfo: string | undefined;
  readonly host: string;
  readonly path: string;
  readonly rawQuery: string;
  readonly fragment: string;
}

/** The result of parsing: a URL, or Go's error text (`parse "x": invalid URI for request`). */
export type GoUrlResult = { readonly ok: true; readonly url: GoUrl } | { readonly ok: false; readonly error: string };

const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c);

class UrlError extends Error {}

function hasCtlByte(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (isAlpha(c)) continue;
    if (isDigit(c) || c === '+' || c === '-' || c === '.') {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

const HOST_ALLOWED = new Set(['!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '=', ':', '[', ']', '<', '>', '"', '-', '_', '.', '~']);

/** Go's unescape: checks %-escapes (and, for hosts, the allowed characters); returns the decoded text. */
function unescape(s: string, mode: 'host' | 'path' | 'fragment' | 'user'): string {
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      // In a host, %-encoding is only for non-ASCII bytes (and %25 in IPv6 zones).
      if (mode === 'host' && parseInt(s[i + 1] as string, 16) < 8 && s.slice(i, i + 3) !== '%25') {
        throw new UrlError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`);
      }
      i += 3;
      continue;
    }
    if (mode === 'host' && c.charCodeAt(0) < 0x80 && !isAlpha(c) && !isDigit(c) && !HOST_ALLOWED.has(c)) {
      throw new UrlError(`invalid character ${goQuote(c)} in host name`);
    }
    i++;
  }
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  return /^\d*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, 'host');
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

function parseAuthority(authority: string): { userinfo: string | undefined; host: string } {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { userinfo: undefined, host };
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new UrlError('net/url: invalid userinfo');
  return { userinfo: unescape(userinfo, 'user'), host };
}

function parse(raw: string, viaRequest: boolean): GoUrl {
  if (hasCtlByte(raw)) throw new UrlError('net/url: invalid control character in URL');
  if (raw === '' && viaRequest) throw new UrlError('empty url');
  if (raw === '*') return { scheme: '', opaque: '', userinfo: undefined, host: '', path: '*', rawQuery: '', fragment: '' };
  const [schemeRaw, afterScheme] = getScheme(raw);
  const scheme = schemeRaw.toLowerCase();
  let rest = afterScheme;
  let rawQuery = '';
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (scheme !== '') return { scheme, opaque: rest, userinfo: undefined, host: '', path: '', rawQuery, fragment: '' };
    if (viaRequest) throw new UrlError('invalid URI for request');
    const segment = rest.split('/')[0] ?? '';
    if (segment.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  let userinfo: string | undefined;
  let host = '';
  if ((scheme !== '' || (!viaRequest && !rest.startsWith('///'))) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    ({ userinfo, host } = parseAuthority(authority));
  }
  const path = unescape(rest, 'path');
  return { scheme, opaque: '', userinfo, host, path, rawQuery, fragment: '' };
}

/** Go's url.ParseRequestURI: an absolute URI or absolute path; the fragment is not split off. */
export function parseRequestUri(raw: string): GoUrlResult {
  try {
    return { ok: true, url: parse(raw, true) };
  } catch (e) {
    if (e instanceof UrlError) return { ok: false, error: `parse ${goQuote(raw)}: ${e.message}` };
    throw e;
  }
}

/** Go's url.Parse: any URL reference; `#fragment` is split off first. */
export function parseUrl(raw: string): GoUrlResult {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  try {
    const url = parse(u, false);
    return { ok: true, url: { ...url, fragment: frag === '' ? '' : unescape(frag, 'fragment') } };
  } catch (e) {
    if (e instanceof UrlError) return { ok: false, error: `parse ${goQuote(u)}: ${e.message}` };
    throw e;
  }
}

/** Go's URL.Hostname(): the host without port and IPv6 brackets. */
export function urlHostname(u: GoUrl): string {
  const host = u.host;
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host.slice(1) : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

/** Go's URL.Port(): the port digits after the host, or "". */
export function urlPort(u: GoUrl): string {
  const host = u.host;
  const colon = host.lastIndexOf(':');
  if (colon < 0 || host.slice(colon).includes(']')) return '';
  const port = host.slice(colon + 1);
  return /^\d+$/.test(port) ? port : '';
}
