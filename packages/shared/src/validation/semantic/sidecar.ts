// Istio's semantic validation of Sidecar (pkg/config/validation: ValidateSidecar): workload selector,
// ingress listeners (port, bind, defaultEndpoint, TLS), egress listeners (`ns/host` hosts), outbound policy.

import type { KindValidator } from './context.js';
import { joinPath, type Collector } from '../result.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { splitHostPort, UNIX_ADDRESS_PREFIX, validateUnixAddress } from './primitives/address.js';
import { validateConnectionPool } from './primitives/connection-pool.js';
import { validateDestination } from './primitives/destination.js';
import { reportFindings } from './primitives/finding.js';
import { validateFQDN, validateNamespaceSlashWildcardHostname } from './primitives/hosts.js';
import { validateIPAddress } from './primitives/ip.js';
import { validateSelectorLabels } from './primitives/labels.js';
import { isHTTPProtocol, isTLSProtocol, parseProtocol, validatePort, validatePortName, validateProtocol } from './primitives/ports.js';
import { asArray, asBoolean, asEnum, asNumber, asRecord, asString, isNonEmpty, isSet, stringItems } from './primitives/read-helpers.js';
import { SERVER_TLS_MODES, validateServerTLS } from './primitives/tls.js';

const CAPTURE_MODES = ['DEFAULT', 'IPTABLES', 'NONE'] as const;
const OUTBOUND_MODES = ['REGISTRY_ONLY', 'ALLOW_ANY'] as const;
const DEFAULT_ENDPOINT_HOSTS = new Set(['127.0.0.1', '0.0.0.0', '::1', '::']);

function err(c: Collector, path: string, message: string): void {
  c.error('WEFT_ERR_SEMANTIC', path, message);
}

function warn(c: Collector, path: string, message: string): void {
  c.warn('WEFT_ERR_SEMANTIC', path, message);
}

/** Semantic rules for Sidecar. */
export const validateSidecar: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = asRecord(res.spec);
  if (!spec) return;
  const namespace = asString(res.metadata.namespace) ?? '';

  if (isSet(spec.workloadSelector)) {
    const findings = validateSelectorLabels(asRecord(spec.workloadSelector)?.labels);
    const errors = findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      // Istio rejects a bad selector before looking at anything else.
      reportFindings(c, 'spec.workloadSelector.labels', errors);
      return;
    }
    if (findings.length > 0) {
      warn(c, 'spec.workloadSelector', 'sidecar: workload selector specified without labels, will be applied to all services in namespace');
    }
  }

  const ingress = asArray(spec.ingress) ?? [];
  const egress = asArray(spec.egress) ?? [];
  if (ingress.length === 0 && egress.length === 0 && !isSet(spec.outboundTrafficPolicy) && !isSet(spec.inboundConnectionPool)) {
    err(c, 'spec', 'sidecar: empty configuration provided');
    return;
  }

  const ingressPorts = new Set<number>();
  ingress.forEach((item, i) => {
    const path = joinPath('spec.ingress', i);
    const listener = asRecord(item);
    if (!listener) {
      err(c, path, 'sidecar: ingress may not be null');
      return;
    }
    const port = asRecord(listener.port);
    if (!port) {
      err(c, joinPath(path, 'port'), 'sidecar: port is required for ingress listeners');
      return;
    }
    if ((asNumber(port.targetPort) ?? 0) > 0) err(c, joinPath(joinPath(path, 'port'), 'targetPort'), 'targetPort has no impact on Sidecars');
    validateIngressPortAndBind(c, path, port, asString(listener.bind) ?? '');
    const number = asNumber(port.number) ?? 0;
    if (ingressPorts.has(number)) err(c, joinPath(joinPath(path, 'port'), 'number'), 'sidecar: ports on IP bound listeners must be unique');
    ingressPorts.add(number);
    validateDefaultEndpoint(c, joinPath(path, 'defaultEndpoint'), asString(listener.defaultEndpoint) ?? '');

    const tls = asRecord(listener.tls);
    if (tls) {
      const tp = joinPath(path, 'tls');
      if (isNonEmpty(tls.subjectAltNames)) err(c, joinPath(tp, 'subjectAltNames'), 'sidecar: subjectAltNames is not supported in ingress tls');
      if (asBoolean(tls.httpsRedirect) === true) err(c, joinPath(tp, 'httpsRedirect'), 'sidecar: httpsRedirect is not supported');
      if ((asString(tls.credentialName) ?? '') !== '') err(c, joinPath(tp, 'credentialName'), 'sidecar: credentialName is not currently supported');
      if (isNonEmpty(tls.credentialNames)) err(c, joinPath(tp, 'credentialNames'), 'sidecar: credentialNames is not currently supported');
      if (isNonEmpty(tls.tlsCertificates)) err(c, joinPath(tp, 'tlsCertificates'), 'sidecar: tls_certificates is not currently supported');
      const mode = asEnum(tls.mode, SERVER_TLS_MODES);
      if (mode === 'ISTIO_MUTUAL' || mode === 'AUTO_PASSTHROUGH') {
        err(c, joinPath(tp, 'mode'), `configuration is invalid: cannot set mode to ${mode} in sidecar ingress tls`);
      }
      if (!isTLSProtocol(parseProtocol(asString(port.protocol) ?? ''))) err(c, tp, 'server cannot have TLS settings for non HTTPS/TLS ports');
      reportFindings(c, tp, validateServerTLS(tls));
    }

    reportFindings(c, joinPath(path, 'connectionPool'), validateConnectionPool(listener.connectionPool));
    if (isSet(asRecord(listener.connectionPool)?.http) && !isHTTPProtocol(parseProtocol(asString(port.protocol) ?? ''))) {
      warn(
        c,
        joinPath(joinPath(path, 'connectionPool'), 'http'),
        `sidecar: HTTP connection pool settings are configured for port ${number} (${JSON.stringify(asString(port.name) ?? '')}) but its protocol is not HTTP (${asString(port.protocol) ?? ''}); only TCP settings will apply`,
      );
    }
  });

  reportFindings(c, 'spec.inboundConnectionPool', validateConnectionPool(spec.inboundConnectionPool));

  const egressPorts = new Set<number>();
  const udsBinds = new Set<string>();
  let catchAllFound = false;
  egress.forEach((item, index) => {
    const path = joinPath('spec.egress', index);
    const listener = asRecord(item);
    if (!listener) {
      err(c, path, 'egress listener may not be null');
      return;
    }
    const port = asRecord(listener.port);
    if (!port) {
      // The one catch-all listener (no port) must come last.
      if (!catchAllFound) {
        if (index === egress.length - 1) catchAllFound = true;
        else err(c, path, 'sidecar: the egress listener with empty port should be the last listener in the list');
      } else {
        err(c, path, 'sidecar: egress can have only one listener with empty port');
        return;
      }
    } else {
      if ((asNumber(port.targetPort) ?? 0) > 0) err(c, joinPath(joinPath(path, 'port'), 'targetPort'), 'targetPort has no impact on Sidecars');
      const bind = asString(listener.bind) ?? '';
      validateEgressPortBindAndCaptureMode(c, path, port, bind, asEnum(listener.captureMode, CAPTURE_MODES));
      const number = asNumber(port.number) ?? 0;
      if (number === 0) {
        if (udsBinds.has(bind)) err(c, joinPath(path, 'bind'), 'sidecar: unix domain socket values for listeners must be unique');
        udsBinds.add(bind);
      } else {
        if (egressPorts.has(number)) err(c, joinPath(joinPath(path, 'port'), 'number'), 'sidecar: ports on IP bound listeners must be unique');
        egressPorts.add(number);
      }
    }
    validateEgressHosts(c, joinPath(path, 'hosts'), listener.hosts, namespace);
  });

  validateOutboundTrafficPolicy(c, 'spec.outboundTrafficPolicy', spec.outboundTrafficPolicy);
};

/** Egress hosts: `namespace/dnsName` each, with duplicate and `*\/*` overlap warnings. */
function validateEgressHosts(c: Collector, path: string, value: unknown, namespace: string): void {
  const hosts = stringItems(value);
  if (hosts.length === 0) {
    err(c, path, 'sidecar: egress listener must contain at least one host');
    return;
  }
  const byNamespace = new Map<string, Set<string>>();
  for (const [i, hostname] of hosts) {
    const hp = joinPath(path, i);
    const slash = hostname.indexOf('/');
    if (slash >= 0) {
      let ns = hostname.slice(0, slash);
      const svc = hostname.slice(slash + 1);
      if (ns === '.') ns = namespace;
      const svcs = byNamespace.get(ns) ?? new Set<string>();
      byNamespace.set(ns, svcs);
      // Istio only warns here, for backwards compatibility.
      if (svc !== '*' ? svcs.has(svc) || svcs.has('*') : svcs.size !== 0) warn(c, hp, `duplicated egress host: ${hostname}`);
      svcs.add(svc);
    }
    for (const e of validateNamespaceSlashWildcardHostname(hostname, false, false)) err(c, hp, e);
  }
  if (byNamespace.get('*')?.has('*') && byNamespace.size !== 1) warn(c, path, '`*/*` host select all resources, no other hosts can be added');
}

function validateIngressPortAndBind(c: Collector, path: string, port: Record<string, unknown>, bind: string): void {
  const pp = joinPath(path, 'port');
  const name = asString(port.name) ?? '';
  if (name !== '') {
    const e = validatePortName(name);
    if (e) err(c, joinPath(pp, 'name'), e);
  }
  const pe = validateProtocol(asString(port.protocol) ?? '');
  if (pe) err(c, joinPath(pp, 'protocol'), pe);
  const ne = validatePort(asNumber(port.number) ?? 0);
  if (ne) err(c, joinPath(pp, 'number'), ne);
  if (bind !== '') {
    const be = validateIPAddress(bind);
    if (be) err(c, joinPath(path, 'bind'), be);
  }
}

function validateEgressPortBindAndCaptureMode(c: Collector, path: string, port: Record<string, unknown>, bind: string, captureMode: string | undefined): void {
  const pp = joinPath(path, 'port');
  const name = asString(port.name) ?? '';
  if (name !== '') {
    const e = validatePortName(name);
    if (e) err(c, joinPath(pp, 'name'), e);
  }
  const pe = validateProtocol(asString(port.protocol) ?? '');
  if (pe) err(c, joinPath(pp, 'protocol'), pe);
  const number = asNumber(port.number) ?? 0;
  if (number === 0) {
    // Port 0 means a unix domain socket listener: the bind must name the socket.
    if (!bind.startsWith(UNIX_ADDRESS_PREFIX)) err(c, joinPath(path, 'bind'), 'sidecar: ports with 0 value must have a unix domain socket bind address');
    else {
      const e = validateUnixAddress(bind.slice(UNIX_ADDRESS_PREFIX.length));
      if (e) err(c, joinPath(path, 'bind'), e);
    }
    if (captureMode !== 'DEFAULT' && captureMode !== 'NONE') err(c, joinPath(path, 'captureMode'), 'sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners');
  } else {
    const ne = validatePort(number);
    if (ne) err(c, joinPath(pp, 'number'), ne);
    if (bind !== '') {
      const be = validateIPAddress(bind);
      if (be) err(c, joinPath(path, 'bind'), be);
    }
  }
}

/** `defaultEndpoint`: `127.0.0.1:<port>`, `0.0.0.0:<port>`, `[::1]:<port>`, `[::]:<port>`, `:<port>` or `unix://path`. */
function validateDefaultEndpoint(c: Collector, path: string, endpoint: string): void {
  if (endpoint === '') return;
  if (endpoint.startsWith(UNIX_ADDRESS_PREFIX)) {
    const e = validateUnixAddress(endpoint.slice(UNIX_ADDRESS_PREFIX.length));
    if (e) err(c, path, e);
    return;
  }
  const split = splitHostPort(endpoint);
  const host = 'host' in split ? split.host : '';
  const port = 'port' in split ? split.port : '';
  if ('error' in split) err(c, path, split.error);
  if (host !== '' && !DEFAULT_ENDPOINT_HOSTS.has(host)) {
    err(c, path, 'sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset');
  }
  if (!/^[+-]?[0-9]+$/.test(port)) {
    err(c, path, `sidecar: defaultEndpoint port (${port}) is not a number: strconv.Atoi: parsing ${JSON.stringify(port)}: invalid syntax`);
  } else {
    const e = validatePort(Number(port));
    if (e) err(c, path, e);
  }
}

function validateOutboundTrafficPolicy(c: Collector, path: string, value: unknown): void {
  const tp = asRecord(value);
  if (!tp || !isSet(tp.egressProxy)) return;
  const ep = joinPath(path, 'egressProxy');
  if (asEnum(tp.mode, OUTBOUND_MODES) !== 'ALLOW_ANY') {
    err(c, ep, 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode');
    return;
  }
  const proxy = asRecord(tp.egressProxy) ?? {};
  const fe = validateFQDN(asString(proxy.host) ?? '');
  if (fe) err(c, joinPath(ep, 'host'), fe);
  if (!isSet(proxy.port)) {
    err(c, joinPath(ep, 'port'), 'sidecar: egress_proxy port must be non-nil');
    return;
  }
  reportFindings(c, ep, validateDestination(proxy));
}
