// Port numbers (1..65535), port names, and Istio's protocol names (pkg/config/protocol), including
// the `<protocol>[-<suffix>]` port-name convention used to pick a protocol.

import { isDNS1123Label } from './hosts.js';

/** Istio's ValidatePort wording when `port` is outside 1..65535. */
export function validatePort(port: number): string | undefined {
  if (Number.isInteger(port) && port >= 1 && port <= 65535) return undefined;
  return `port number ${port} must be in the range 1..65535`;
}

/** True for an integer port number in 1..65535. */
export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Istio's ValidatePortName: a port name is an RFC 1123 DNS label. */
export function validatePortName(name: string): string | undefined {
  if (!isDNS1123Label(name)) return `invalid port name: ${name}`;
  return undefined;
}

/** Istio's protocol names (pkg/config/protocol), canonical spelling. */
export const PROTOCOLS = ['TCP', 'UDP', 'GRPC', 'GRPC-Web', 'HTTP', 'HTTP_PROXY', 'HTTP2', 'HTTPS', 'TLS', 'Mongo', 'Redis', 'MySQL'] as const;

/** One of Istio's protocols. */
export type Protocol = (typeof PROTOCOLS)[number];

const BY_LOWER = new Map<string, Protocol>(PROTOCOLS.map((p) => [p.toLowerCase(), p]));

/** Istio's protocol.Parse: case-insensitive; undefined for an unsupported protocol. */
export function parseProtocol(s: string): Protocol | undefined {
  return BY_LOWER.get(s.toLowerCase());
}

/** Istio's ValidateProtocol: empty (protocol sniffing) or a known protocol name. */
export function validateProtocol(protocol: string): string | undefined {
  if (protocol !== '' && parseProtocol(protocol) === undefined) return `unsupported protocol: ${protocol}`;
  return undefined;
}

/** The protocol named by a port name's prefix (`http-web` → HTTP, `grpc` → GRPC), or undefined. */
export function protocolFromPortName(name: string): Protocol | undefined {
  const dash = name.indexOf('-');
  return parseProtocol(dash < 0 ? name : name.slice(0, dash));
}

/** HTTP family: HTTP, HTTP2, GRPC, GRPC-Web, HTTP_PROXY (Istio's Instance.IsHTTP). */
export function isHTTPProtocol(p: Protocol | undefined): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-Web' || p === 'HTTP_PROXY';
}

/** TLS family: HTTPS, TLS (Istio's Instance.IsTLS). */
export function isTLSProtocol(p: Protocol | undefined): boolean {
  return p === 'HTTPS' || p === 'TLS';
}

/** TCP-like: everything that is neither HTTP nor UDP (Istio's Instance.IsTCP). */
export function isTCPProtocol(p: Protocol | undefined): boolean {
  return p === 'TCP' || p === 'HTTPS' || p === 'TLS' || p === 'Mongo' || p === 'Redis' || p === 'MySQL';
}
