// What a simulated request looks like (Istio's simulation.Call, in Envoy terms) and how its
// defaults are filled in. Owns the request model only: matching lives in the *-match.ts files.

import { parseIp } from './ip-cidr.js';

/** How the connection reaches the proxy:
 *  - `outbound`: the app's connection captured by iptables to 15001 (virtualOutbound, original destination kept);
 *  - `inbound`: a connection to the workload captured to 15006 (virtualInbound, original destination kept);
 *  - `direct`: no capture, the client connects to a listener's own address (gateways, explicit proxies). */
export type CallMode = 'outbound' | 'inbound' | 'direct';

/** Application protocol spoken on the connection; `tcp` is opaque bytes. */
export type CallProtocol = 'http' | 'http2' | 'tcp';

/** Transport: plaintext, TLS, or TLS with a client certificate. */
export type TlsMode = 'plaintext' | 'tls' | 'mtls';

/** A request (or TCP connection) to simulate. Only `port` is required. */
export interface SimulationRequest {
  /** Destination port: the original destination for captured modes. */
  readonly port: number;
  /** Destination IP (default `192.0.2.1`, an RFC 5737 documentation address no config names). */
  readonly address?: string;
  readonly mode?: CallMode;
  readonly protocol?: CallProtocol;
  readonly tls?: TlsMode;
  /** SNI; defaults to the host (without port, none for an IP) when `tls` is not plaintext. */
  readonly sni?: string;
  /** ALPN offered in the ClientHello; defaults per protocol when TLS (`istio-http/1.1`... for mtls, like Istio's simulation). */
  readonly alpn?: readonly string[];
  /** Host / :authority. Defaults to `address:port` (bare address on 80 for http, 443 for TLS, as curl sends it). */
  readonly host?: string;
  /** :path including any query string (default `/`). */
  readonly path?: string;
  readonly method?: string;
  /** :scheme (default `https` over TLS, else `http`). */
  readonly scheme?: string;
  /** Request headers; names are case-insensitive, several values of one name are joined with `,` as Envoy does. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly sourceAddress?: string;
  readonly sourcePort?: number;
  /** With `tls: 'mtls'`: the URI SAN of the client certificate (`spiffe://cluster.local/ns/a/sa/b`),
   *  for RBAC `authenticated` principals. */
  readonly peerPrincipal?: string;
  /** The port the capture listener is bound to (default 15001 outbound, 15006 inbound). */
  readonly capturePort?: number;
}

/** A request with every default filled in and headers keyed by lower-case name (pseudo-headers included). */
export interface NormalizedRequest {
  readonly mode: CallMode;
  readonly protocol: CallProtocol;
  readonly tls: TlsMode;
  readonly address: string;
  readonly port: number;
  readonly sni: string;
  readonly alpn: readonly string[];
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly scheme: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly peerPrincipal?: string;
  readonly capturePort: number;
}

/** Default destination address: TEST-NET-1, so it matches only wildcard listeners and chains. */
export const DEFAULT_ADDRESS = '192.0.2.1';
/** Default source address: another TEST-NET-1 address, neither loopback nor the destination. */
export const DEFAULT_SOURCE_ADDRESS = '192.0.2.2';

function defaultAlpn(protocol: CallProtocol, tls: TlsMode): readonly string[] {
  if (tls === 'mtls') return [protocol === 'http' ? 'istio-http/1.1' : protocol === 'http2' ? 'istio-h2' : 'istio'];
  if (tls === 'tls') return protocol === 'http' ? ['http/1.1'] : protocol === 'http2' ? ['h2'] : [];
  return [];
}

/** SNI a TLS client sends for `host`: the name without port; none for IP literals (RFC 6066 section 3:
 *  "Literal IPv4 and IPv6 addresses are not permitted in HostName"). */
function defaultSni(tls: TlsMode, host: string): string {
  const name = hostWithoutPort(host);
  if (tls === 'plaintext' || name.startsWith('[') || parseIp(name)) return '';
  return name;
}

/** Strips the port from a Host value (`foo:80` → `foo`, `[::1]:80` → `[::1]`); a bare IPv6 literal is kept. */
export function hostWithoutPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.lastIndexOf(':');
  if (colon === -1 || host.indexOf(':') !== colon) return host;
  return /^\d*$/.test(host.slice(colon + 1)) ? host.slice(0, colon) : host;
}

/** The port part of a Host value, if any. */
export function hostPort(host: string): number | undefined {
  const bare = hostWithoutPort(host);
  if (bare.length === host.length) return undefined;
  const n = Number(host.slice(bare.length + 1));
  return Number.isInteger(n) ? n : undefined;
}

/** Fills in defaults and builds the header map Envoy's matchers see: lower-case names, HTTP/1 `host`
 *  folded into `:authority`, pseudo-headers `:authority`, `:path`, `:method`, `:scheme` set. */
export function normalizeRequest(req: SimulationRequest): NormalizedRequest {
  const mode = req.mode ?? 'outbound';
  const protocol = req.protocol ?? 'http';
  const tls = req.tls ?? 'plaintext';
  const address = req.address ?? DEFAULT_ADDRESS;
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(req.headers ?? {})) {
    const key = name.toLowerCase();
    const joined = typeof value === 'string' ? value : value.join(',');
    const prev = headers.get(key);
    headers.set(key, prev === undefined ? joined : `${prev},${joined}`);
  }
  const defaultPort = tls === 'plaintext' ? 80 : 443;
  const bracketed = address.includes(':') ? `[${address}]` : address;
  const host = req.host ?? headers.get(':authority') ?? headers.get('host') ?? (req.port === defaultPort ? bracketed : `${bracketed}:${req.port}`);
  const path = req.path ?? headers.get(':path') ?? '/';
  const method = req.method ?? headers.get(':method') ?? 'GET';
  const scheme = req.scheme ?? headers.get(':scheme') ?? (tls === 'plaintext' ? 'http' : 'https');
  headers.delete('host');
  headers.set(':authority', host);
  headers.set(':path', path);
  headers.set(':method', method);
  headers.set(':scheme', scheme);
  return {
    mode,
    protocol,
    tls,
    address,
    port: req.port,
    sni: req.sni ?? defaultSni(tls, host),
    alpn: req.alpn ?? defaultAlpn(protocol, tls),
    host,
    path,
    method,
    scheme,
    headers,
    sourceAddress: req.sourceAddress ?? DEFAULT_SOURCE_ADDRESS,
    sourcePort: req.sourcePort ?? 40000,
    ...(req.peerPrincipal !== undefined ? { peerPrincipal: req.peerPrincipal } : {}),
    capturePort: req.capturePort ?? (mode === 'inbound' ? 15006 : 15001),
  };
}
