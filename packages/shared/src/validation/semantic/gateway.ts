// Istio's semantic validation of Gateway (pkg/config/validation: ValidateGateway): the name, each
// server's hosts, port, bind and TLS settings, and unique port names across servers.

import type { KindValidator } from './context.js';
import { joinPath, type Collector } from '../result.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { UNIX_ADDRESS_PREFIX, validateUnixAddress } from './primitives/address.js';
import { reportFindings } from './primitives/finding.js';
import { isDNS1123Label, validateNamespaceSlashWildcardHostname } from './primitives/hosts.js';
import { validateIPAddress } from './primitives/ip.js';
import { isHTTPProtocol, isTLSProtocol, parseProtocol, validatePort } from './primitives/ports.js';
import { asArray, asBoolean, asEnum, asNumber, asRecord, asString, isSet, stringItems } from './primitives/read-helpers.js';
import { SERVER_TLS_MODES, validateServerTLS } from './primitives/tls.js';

/** Annotation Istio sets on Gateways converted from Gateway API resources (looser name rules). */
const GATEWAY_SEMANTICS_ANNOTATION = 'internal.istio.io/gateway-semantics';

function err(c: Collector, path: string, message: string): void {
  c.error('WEFT_ERR_SEMANTIC', path, message);
}

/** Formats a Port the way Go's `%v` prints the proto in Istio's "port name must be set" message. */
function formatPort(port: Record<string, unknown>): string {
  const parts: string[] = [];
  const n = asNumber(port.number);
  if (n) parts.push(`number:${n}`);
  const protocol = asString(port.protocol);
  if (protocol) parts.push(`protocol:${JSON.stringify(protocol)}`);
  const name = asString(port.name);
  if (name) parts.push(`name:${JSON.stringify(name)}`);
  return parts.join(' ');
}

/** Semantic rules for Gateway. */
export const validateGateway: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const annotations = asRecord(res.metadata.annotations);
  const gatewaySemantics = annotations?.[GATEWAY_SEMANTICS_ANNOTATION] === 'gateway';
  const name = asString(res.metadata.name);
  // Gateways are referenced as <namespace>/<name>, so the name may not contain dots.
  if (name !== undefined && !isDNS1123Label(name) && !gatewaySemantics) err(c, 'metadata.name', `invalid gateway name: ${JSON.stringify(name)}`);
  const spec = asRecord(res.spec);
  if (!spec) return;

  const servers = asArray(spec.servers) ?? [];
  if (servers.length === 0) err(c, 'spec.servers', 'gateway must have at least one server');
  servers.forEach((item, i) => validateServer(c, joinPath('spec.servers', i), item, gatewaySemantics));

  const portNames = new Set<string>();
  servers.forEach((item, i) => {
    const server = asRecord(item);
    if (!server) return;
    const port = asRecord(server.port);
    if (!port) return;
    const portName = asString(port.name) ?? '';
    if (portNames.has(portName)) err(c, joinPath(joinPath(joinPath('spec.servers', i), 'port'), 'name'), `port names in servers must be unique: duplicate name ${portName}`);
    portNames.add(portName);
    if (!isHTTPProtocol(parseProtocol(asString(port.protocol) ?? '')) && asBoolean(asRecord(server.tls)?.httpsRedirect) === true) {
      c.warn('WEFT_ERR_SEMANTIC', joinPath(joinPath(joinPath('spec.servers', i), 'tls'), 'httpsRedirect'), 'tls.httpsRedirect should only be used with http servers');
    }
  });
};

function validateServer(c: Collector, path: string, item: unknown, gatewaySemantics: boolean): void {
  const server = asRecord(item);
  if (!server) {
    err(c, path, 'cannot have nil server');
    return;
  }
  const hosts = stringItems(server.hosts);
  if (hosts.length === 0) err(c, joinPath(path, 'hosts'), 'server config must contain at least one host');
  for (const [i, host] of hosts) {
    for (const e of validateNamespaceSlashWildcardHostname(host, true, gatewaySemantics)) err(c, joinPath(joinPath(path, 'hosts'), i), e);
  }
  const bind = asString(server.bind) ?? '';
  const portOk = validateServerPort(c, joinPath(path, 'port'), server.port, bind);
  validateServerBind(c, path, asRecord(server.port), bind);
  reportFindings(c, joinPath(path, 'tls'), validateServerTLS(server.tls));

  if (!portOk) return;
  const protocol = parseProtocol(asString(asRecord(server.port)?.protocol) ?? '');
  const tls = asRecord(server.tls);
  if (isTLSProtocol(protocol) && !isSet(server.tls)) {
    err(c, path, 'server must have TLS settings for HTTPS/TLS protocols');
  } else if (!isTLSProtocol(protocol) && isSet(server.tls)) {
    if (isHTTPProtocol(protocol)) {
      // A plain HTTP server may carry TLS settings only to ask for an HTTPS redirect.
      const mode = asEnum(tls?.mode, SERVER_TLS_MODES);
      const passthrough = mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH';
      const hasCerts = ['caCertificates', 'privateKey', 'serverCertificate'].some((f) => (asString(tls?.[f]) ?? '') !== '');
      if (!passthrough || hasCerts) err(c, joinPath(path, 'tls'), 'server cannot have TLS settings for plain text HTTP ports');
    } else {
      err(c, joinPath(path, 'tls'), 'server cannot have TLS settings for non HTTPS/TLS ports');
    }
  }
}

/** Istio's validateServerPort; true when the port has no errors. */
function validateServerPort(c: Collector, path: string, value: unknown, bind: string): boolean {
  const port = asRecord(value);
  if (!port) {
    err(c, path, 'port is required');
    return false;
  }
  const before = c.errors.length;
  const protocol = asString(port.protocol) ?? '';
  if (parseProtocol(protocol) === undefined) {
    err(c, joinPath(path, 'protocol'), `invalid protocol ${JSON.stringify(protocol)}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
  }
  const number = asNumber(port.number) ?? 0;
  // A unix socket server listens on a path, not a port: number 0 is then the only valid value.
  if (number > 0 || !bind.startsWith(UNIX_ADDRESS_PREFIX)) {
    const e = validatePort(number);
    if (e) err(c, joinPath(path, 'number'), e);
  }
  if ((asNumber(port.targetPort) ?? 0) > 0) err(c, joinPath(path, 'targetPort'), 'targetPort has no impact on Gateways');
  if ((asString(port.name) ?? '') === '') err(c, joinPath(path, 'name'), `port name must be set: ${formatPort(port)}`);
  return c.errors.length === before;
}

function validateServerBind(c: Collector, path: string, port: Record<string, unknown> | undefined, bind: string): void {
  if (bind.startsWith(UNIX_ADDRESS_PREFIX)) {
    const e = validateUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length));
    if (e) err(c, joinPath(path, 'bind'), e);
    if (port && (asNumber(port.number) ?? 0) !== 0) err(c, joinPath(joinPath(path, 'port'), 'number'), `port number must be 0 for unix domain socket: ${formatPort(port)}`);
  } else if (bind !== '') {
    const e = validateIPAddress(bind);
    if (e) err(c, joinPath(path, 'bind'), e);
  }
}
