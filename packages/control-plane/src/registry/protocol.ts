// Which protocol a port speaks, by Istio's rules: explicit `protocol`, else the port name's
// prefix (`http-web`, `grpc`, `tcp-db`), else appProtocol; unknown means sniffing in Istio
// (UNSUPPORTED here, treated as TCP by the generators).

import type { Protocol } from './model.js';

const KNOWN: readonly Protocol[] = ['HTTP', 'HTTPS', 'HTTP2', 'GRPC', 'GRPC-WEB', 'TCP', 'TLS', 'MONGO', 'REDIS', 'MYSQL', 'UDP'];

function parseProtocol(value: string | undefined): Protocol | undefined {
  if (!value) return undefined;
  const upper = value.toUpperCase();
  if (upper === 'H2C') return 'HTTP2';
  return (KNOWN as readonly string[]).includes(upper) ? (upper as Protocol) : undefined;
}

/**
 * Resolves a port's protocol as Istio does (pkg/config/protocol + kube conversion): the explicit
 * protocol wins, then appProtocol, then the name prefix before the first `-` (or the whole name).
 */
export function resolveProtocol(port: { protocol?: string; name?: string; appProtocol?: string }): Protocol {
  const explicit = parseProtocol(port.protocol);
  if (explicit) return explicit;
  const app = parseProtocol(port.appProtocol);
  if (app) return app;
  const name = port.name ?? '';
  const prefix = name.includes('-') ? name.slice(0, name.indexOf('-')) : name;
  return parseProtocol(prefix) ?? 'UNSUPPORTED';
}

/** True for protocols the proxy handles at L7 with an HTTP connection manager. */
export function isHttpProtocol(p: Protocol): boolean {
  return p === 'HTTP' || p === 'HTTP2' || p === 'GRPC' || p === 'GRPC-WEB';
}
