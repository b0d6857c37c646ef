// LDS for sidecars (Istio buildSidecarListeners): outbound listeners per service port, then
// virtualOutbound (15001), then virtualInbound (15006) and any inbound listeners bound to their own
// port. Routers are handed to lds-gateway.ts.

import { isOwnEndpoint } from '../snapshot/lookup-own-endpoints.js';
import type { Endpoint, MeshService } from '../registry/model.js';
import { resolveProtocol } from '../registry/protocol.js';
import { destinationRuleFor, subsetOf } from '../snapshot/lookup-destination-rule.js';
import { sidecarScopeFor, type SidecarScope } from '../snapshot/lookup-sidecar-scope.js';
import { MESH_GATEWAY } from '../snapshot/lookup-virtual-services.js';
import { serviceKey, type MeshSnapshot } from '../snapshot/mesh-snapshot.js';
import type { ProxyView } from '../snapshot/proxy-view.js';
import { boundInboundListener, virtualInboundListener, type InboundPort } from './lds-inbound.js';
import type { InboundMtls } from './lds-inbound-mtls.js';
import { peerAuthenticationFor } from '../snapshot/lookup-peer-authentication.js';
import { buildOutboundListeners } from './lds-outbound.js';
import { outboundPorts } from './lds-outbound-ports.js';
import { virtualOutboundListener } from './lds-virtual-outbound.js';
import { BLACKHOLE_CLUSTER } from './cluster-names.js';
import { allowAnyCluster } from './rds-catch-all.js';
import { rdsVirtualServices } from './rds-inputs.js';
import { generateGatewayListeners } from './lds-gateway.js';
import { workloadRbacFilters } from './filter-rbac.js';
import { withJwtFilters, workloadJwtFilters } from './filter-jwt-authn.js';
import { listenerAccessLogsFor, withAccessLogs } from './filter-access-log.js';
import { withTelemetryFilters } from './lds-telemetry.js';
import type { EnvoyResource } from './types.js';

const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:]*)$/;

/** Istio's interception mode from node metadata: NONE means the proxy has no iptables capture. */
export function isInterceptionNone(proxy: ProxyView): boolean {
  return proxy.metadata.INTERCEPTION_MODE === 'NONE';
}

/**
 * The ports the proxy's workload serves (Istio's ServiceTargets / Sidecar ingress): with Sidecar
 * `ingress`, its ports (bound to their own port under `captureMode: NONE`); otherwise every port of
 * every service with an endpoint of the proxy's workload, by endpoint (target) port, the first
 * service (by hostname) winning a port two services share. Without iptables and without Sidecar
 * ingress there are none: the proxy would fight the app for its ports (Istio does the same).
 */
export function inboundPorts(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope): InboundPort[] {
  const none = isInterceptionNone(proxy);
  const ingress = scope.sidecar?.spec.ingress ?? [];
  const byPort = new Map<number, InboundPort>();
  if (ingress.length > 0) {
    for (const i of ingress) {
      const n = i.port?.number;
      if (!n || byPort.has(n)) continue;
      const protocol = resolveProtocol({ ...(i.port?.protocol ? { protocol: i.port.protocol } : {}), ...(i.port?.name ? { name: i.port.name } : {}) });
      const bindToPort = i.captureMode === 'NONE' || (none && i.captureMode !== 'IPTABLES');
      const bind = i.bind || (bindToPort ? proxy.ipAddresses[0] : undefined);
      byPort.set(n, { port: n, protocol, hostname: `${scope.sidecar?.name}.${scope.sidecar?.namespace}`, ...(bindToPort ? { bindToPort } : {}), ...(bind ? { bind } : {}) });
    }
  } else if (!none) {
    // The same "own endpoint" rule as CDS's inbound clusters, so every inbound chain has its
    // `inbound|<port>||` cluster.
    const own = (ep: Endpoint): boolean => isOwnEndpoint(ep, proxy);
    for (const service of snapshot.services) {
      for (const ep of snapshot.endpointsByService.get(serviceKey(service.hostname, service.namespace)) ?? []) {
        if (!own(ep) || byPort.has(ep.port)) continue;
        const sp = service.ports.find((p) => p.name === ep.servicePortName);
        if (sp) byPort.set(ep.port, { port: ep.port, protocol: sp.protocol, hostname: service.hostname });
      }
    }
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

/** Whether the DestinationRule for `host` hashes TCP connections on the source IP (Istio
 *  maybeSetHashPolicy: the subset's consistentHash overrides the top-level one). */
function sourceIpHasher(snapshot: MeshSnapshot, proxy: ProxyView, serviceOf: (h: string) => MeshService | undefined) {
  return (host: string, subset: string | undefined): boolean => {
    const rule = destinationRuleFor(snapshot, proxy, host, serviceOf(host)?.namespace);
    if (!rule) return false;
    let useSourceIp = rule.spec.trafficPolicy?.loadBalancer?.consistentHash?.useSourceIp ?? false;
    const s = subset ? subsetOf(rule, subset) : undefined;
    if (s?.trafficPolicy?.loadBalancer) useSourceIp = s.trafficPolicy.loadBalancer.consistentHash?.useSourceIp ?? false;
    return useSourceIp;
  };
}

/**
 * The listeners of a sidecar: outbound listeners (buildOutboundListeners), virtualOutbound,
 * virtualInbound, then inbound listeners bound to their own port; inbound chains carry the RBAC filters
 * of the AuthorizationPolicies selecting the proxy (workloadRbacFilters) and follow its PeerAuthentication
 * (mTLS, plaintext or both per port: lds-inbound-mtls.ts). Routers get their Gateways' listeners
 * (generateGatewayListeners).
 *
 * How a proxy uses them. Capture mode (Istio's default, iptables): only virtualOutbound (15001) and
 * virtualInbound (15006) open sockets; every other listener has `bind_to_port: false` and is only a
 * dispatch table, picked by the connection's original destination (address:port, then 0.0.0.0:port).
 * A local proxy without iptables can keep these shapes by supplying the "original destination"
 * itself (e.g. from the explicit-proxy request or a per-service local port) and dispatching the
 * same way. Interception mode NONE (node metadata `INTERCEPTION_MODE: NONE`) is Istio's
 * no-iptables shape instead: no virtual listeners, outbound listeners bind 127.0.0.1:<port> for the
 * app to dial, inbound listeners only from Sidecar `ingress`, bound on the workload address.
 */
export function generateListeners(snapshot: MeshSnapshot, proxy: ProxyView, scope: SidecarScope = sidecarScopeFor(snapshot, proxy)): EnvoyResource[] {
  // Access logs (MeshConfig accessLogFile, Telemetry accessLogging) go on every HCM and tcp_proxy.
  const accessLogs = listenerAccessLogsFor(snapshot, proxy);
  if (proxy.type === 'router') return withAccessLogs(withTelemetryFilters(generateGatewayListeners(snapshot, proxy), snapshot, proxy), accessLogs);
  const none = isInterceptionNone(proxy);
  const byHost = new Map(scope.services.map((s) => [s.hostname, s]));
  const serviceOf = (h: string): MeshService | undefined => byHost.get(h);
  const catchAllCluster =
    scope.outboundTrafficPolicy === 'ALLOW_ANY' ? allowAnyCluster(scope.sidecar?.spec.outboundTrafficPolicy?.egressProxy, scope.sidecar?.namespace ?? proxy.namespace, snapshot.mesh.domainSuffix) : BLACKHOLE_CLUSTER;
  const outbound = buildOutboundListeners({
    ports: outboundPorts(scope),
    virtualServices: rdsVirtualServices(snapshot, proxy),
    source: { gateways: new Set([MESH_GATEWAY]), labels: proxy.labels, namespace: proxy.namespace },
    serviceOf,
    endpointIps: (service, port) => {
      const names = new Set(service.ports.filter((p) => p.port === port).map((p) => p.name));
      const eps = snapshot.endpointsByService.get(serviceKey(service.hostname, service.namespace)) ?? [];
      return [...new Set(eps.filter((e) => names.has(e.servicePortName) && IP.test(e.address)).map((e) => e.address))];
    },
    hashOnSourceIp: sourceIpHasher(snapshot, proxy, serviceOf),
    catchAllCluster,
    interceptionNone: none,
  });
  const inbound = inboundPorts(snapshot, proxy, scope);
  // Authentication (RequestAuthentication's jwt_authn) and authorization guard the workload: inbound
  // chains only, never outbound ones (Istio); the JWT filter runs first so RBAC sees its payload.
  const authz = withJwtFilters(workloadRbacFilters(snapshot, proxy), workloadJwtFilters(snapshot, proxy));
  // So does peer authentication: the workload's PeerAuthentication picks its inbound chains.
  const { trustDomain, trustDomainAliases = [] } = snapshot.mesh;
  const mtls: InboundMtls = { peerAuthentication: peerAuthenticationFor(snapshot, proxy.namespace, proxy.labels), trustDomains: [trustDomain, ...trustDomainAliases] };
  // Tracing and metric overrides (MeshConfig, Telemetry) go on every HCM too.
  return withAccessLogs(
    withTelemetryFilters(
      [
        ...outbound,
        ...(none ? [] : [virtualOutboundListener(catchAllCluster), virtualInboundListener(inbound, authz, mtls)]),
        ...inbound.filter((p) => p.bindToPort).map((p) => boundInboundListener(p, authz, mtls)),
      ],
      snapshot,
      proxy,
    ),
    accessLogs,
  );
}
