// The Gateways that apply to a router proxy and their servers merged per listener, as Istio's
// PushContext.mergeGateways / model.MergeGateways do: which servers share a port, the RDS route name of
// each, and which servers are dropped (conflicts, missing credentials, modes not generated yet), with why.

import { isIP } from 'node:net';
import type { GatewaySpec, Server, ServerTLSSettings } from '@weft/shared';
import { serverCredentialFor, type ServerCredential } from './lookup-gateway-credentials.js';
import type { ConfigItem, MeshSnapshot } from './mesh-snapshot.js';
import type { ProxyView } from './proxy-view.js';

/** The address gateway listeners bind when a server names none (Istio's IPv4 wildcard). */
export const GATEWAY_WILDCARD_ADDRESS = '0.0.0.0';

/** One server of one Gateway, as routing uses it. */
export interface GatewayServer {
  /** The owning Gateway, `namespace/name` (what VirtualService `gateways` resolve to). */
  readonly gateway: string;
  readonly server: Server;
  /** `server.hosts` with Istio's namespace sanitising: `./h` → `<gateway ns>/h`, `*\/h` → `h`, `*\/*` → `*` alone. */
  readonly hosts: readonly string[];
  readonly port: number;
  /** `http.<port>` (plaintext HTTP) or `https.<port>.<portName>.<gatewayName>.<namespace>` (TLS terminated). */
  readonly routeName: string;
}

/** An HTTPS server whose TLS is terminated by the gateway, with its credential files. */
export interface GatewayTlsServer extends GatewayServer {
  readonly tls: ServerTLSSettings;
  readonly credential: ServerCredential;
  /** SNI names the filter chain matches; empty when a host is `*` (every name). Sorted. */
  readonly sniHosts: readonly string[];
}

/** One listener: plaintext HTTP servers sharing `http.<port>`, or TLS servers told apart by SNI. */
export interface GatewayListenerPlan {
  readonly bind: string;
  readonly port: number;
  readonly http?: { readonly routeName: string; readonly servers: readonly GatewayServer[] };
  readonly https: readonly GatewayTlsServer[];
}

/** Everything a router gets from its Gateways. */
export interface GatewayPlan {
  /** The Gateways selecting the proxy, oldest first. */
  readonly gateways: readonly ConfigItem<GatewaySpec>[];
  /** Sorted by port, then bind address. */
  readonly listeners: readonly GatewayListenerPlan[];
  /** Servers by RDS route name (the servers of every listener, in merge order). */
  readonly routes: ReadonlyMap<string, readonly GatewayServer[]>;
  /** Servers that were dropped and why (`Gateway ns/name server 443/https: reason`). */
  readonly warnings: readonly string[];
}

const HTTP_PROTOCOLS: ReadonlySet<string> = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

function isHttpServer(server: Server): boolean {
  return HTTP_PROTOCOLS.has((server.port.protocol ?? '').toUpperCase());
}

/**
 * The Gateways whose `selector` matches the proxy's labels, from every namespace (Istio's default:
 * PILOT_SCOPE_GATEWAY_TO_NAMESPACE is off), oldest first. A Gateway without a selector applies to
 * every gateway proxy, as in Istio. Sidecars get none.
 */
export function gatewaysFor(snapshot: MeshSnapshot, proxy: ProxyView): ConfigItem<GatewaySpec>[] {
  if (proxy.type !== 'router') return [];
  return snapshot.gateways.filter((g) => Object.entries(g.spec.selector ?? {}).every(([k, v]) => proxy.labels[k] === v)).sort((a, b) => a.order - b.order);
}

/** Istio sanitizeServerHostNamespace. */
export function sanitizeServerHosts(hosts: readonly string[], gatewayNamespace: string): string[] {
  const out: string[] = [];
  for (const h of hosts) {
    const slash = h.indexOf('/');
    if (slash < 0) out.push(h);
    else {
      const ns = h.slice(0, slash);
      const name = h.slice(slash + 1);
      if (ns === '*' && name === '*') return ['*'];
      out.push(ns === '.' ? `${gatewayNamespace}/${name}` : ns === '*' ? name : h);
    }
  }
  return out;
}

/** The host part of a sanitised server host (`ns/h` → `h`). */
export function serverHostName(host: string): string {
  const slash = host.indexOf('/');
  return slash < 0 ? host : host.slice(slash + 1);
}

/** Istio getSNIHostsForServer, with `*` meaning "no SNI condition" (Envoy has no bare `*` server name). */
function sniHostsOf(hosts: readonly string[]): string[] {
  const names = [...new Set(hosts.map((h) => serverHostName(h).toLowerCase()))];
  return names.includes('*') ? [] : names.sort();
}

interface Entry {
  readonly bind: string;
  readonly port: number;
  readonly plaintext: boolean;
  readonly http: GatewayServer[];
  readonly https: GatewayTlsServer[];
  readonly sni: Set<string>;
}

const memo = new WeakMap<MeshSnapshot, WeakMap<ProxyView, GatewayPlan>>();

/**
 * The merged servers of the Gateways selecting `proxy` (Istio MergeGateways), memoised per snapshot and
 * proxy. Per (bind, port), the first accepted server decides what the listener is: plaintext HTTP
 * (later HTTP servers join its `http.<port>` route) or TLS (later HTTPS servers add an SNI filter
 * chain each). Dropped with a warning, never thrown: a server conflicting with that choice, an HTTPS
 * server repeating a host already on its port or its route name, an HTTPS server without a usable
 * credential (see serverCredentialFor), and what is not generated yet (TCP and TLS servers, PASSTHROUGH,
 * AUTO_PASSTHROUGH, ISTIO_MUTUAL, unix-socket binds). Server `port.number` is the listener port (Istio
 * binds the gateway Service's targetPort; a local proxy has no Service in front of it).
 */
export function gatewayPlanFor(snapshot: MeshSnapshot, proxy: ProxyView): GatewayPlan {
  let bySnapshot = memo.get(snapshot);
  if (!bySnapshot) memo.set(snapshot, (bySnapshot = new WeakMap()));
  const known = bySnapshot.get(proxy);
  if (known) return known;

  const gateways = gatewaysFor(snapshot, proxy);
  const warnings: string[] = [];
  const entries = new Map<string, Entry>();
  const routes = new Map<string, GatewayServer[]>();
  for (const gw of gateways) {
    const gateway = `${gw.namespace}/${gw.name}`;
    for (const server of gw.spec.servers ?? []) {
      const port = server.port.number;
      const where = `Gateway ${gateway} server ${port}/${server.port.name}`;
      const skip = (reason: string): void => {
        warnings.push(`${where}: ${reason}; server skipped`);
      };
      const protocol = (server.port.protocol ?? '').toUpperCase();
      const http = isHttpServer(server);
      // An unset mode is PASSTHROUGH, the enum's zero value.
      const mode = server.tls ? (server.tls.mode ?? 'PASSTHROUGH') : undefined;
      if (protocol === 'HTTPS' || protocol === 'TLS') {
        // Passthrough forwards the TLS bytes by SNI to a tcp_proxy (VirtualService `tls:` routes); not generated yet.
        if (mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') {
          skip(`TLS ${mode} is not generated yet`);
          continue;
        }
      }
      if (!http && protocol !== 'HTTPS') {
        skip(`${protocol || 'unknown'} servers are not generated yet (only HTTP and HTTPS)`);
        continue;
      }
      if (protocol === 'HTTPS' && !server.tls) {
        skip('HTTPS needs tls settings');
        continue;
      }
      if (mode === 'ISTIO_MUTUAL' && !http) {
        skip('ISTIO_MUTUAL (mesh certificates) belongs to the security milestone');
        continue;
      }
      const bindRaw = server.bind ?? '';
      if (bindRaw !== '' && isIP(bindRaw) === 0) {
        skip(`bind ${bindRaw} is not an IP address (unix sockets are not generated yet)`);
        continue;
      }
      const bind = bindRaw || GATEWAY_WILDCARD_ADDRESS;
      const hosts = sanitizeServerHosts(server.hosts ?? [], gw.namespace);
      const key = `${bind}_${port}`;
      const entry = entries.get(key);
      if (entry && entry.plaintext !== http) {
        skip(`port ${port} already serves ${entry.plaintext ? 'plaintext HTTP' : 'TLS'}`);
        continue;
      }
      if (http) {
        const routeName = `http.${port}`;
        const gs: GatewayServer = { gateway, server, hosts, port, routeName };
        const e = entry ?? { bind, port, plaintext: true, http: [], https: [], sni: new Set<string>() };
        e.http.push(gs);
        entries.set(key, e);
        routes.set(routeName, [...(routes.get(routeName) ?? []), gs]);
        continue;
      }
      const tls = server.tls as ServerTLSSettings;
      const routeName = `https.${port}.${server.port.name}.${gw.name}.${gw.namespace}`;
      if (routes.has(routeName)) {
        skip(`route ${routeName} already exists (port names must be unique)`);
        continue;
      }
      const sniHosts = sniHostsOf(hosts);
      const sniKeys = sniHosts.length === 0 ? ['*'] : sniHosts;
      const duplicates = sniKeys.filter((h) => entry?.sni.has(h));
      if (duplicates.length > 0) {
        skip(`host ${duplicates.join(', ')} is already served on port ${port}`);
        continue;
      }
      const credential = serverCredentialFor(snapshot, tls);
      if (!credential.ok) {
        skip(credential.reason);
        continue;
      }
      const gs: GatewayTlsServer = { gateway, server, hosts, port, routeName, tls, credential: credential.credential, sniHosts };
      const e = entry ?? { bind, port, plaintext: false, http: [], https: [], sni: new Set<string>() };
      for (const h of sniKeys) e.sni.add(h);
      e.https.push(gs);
      entries.set(key, e);
      routes.set(routeName, [gs]);
    }
  }
  const listeners: GatewayListenerPlan[] = [...entries.values()]
    .sort((a, b) => a.port - b.port || a.bind.localeCompare(b.bind))
    .map((e) => ({ bind: e.bind, port: e.port, ...(e.plaintext ? { http: { routeName: `http.${e.port}`, servers: e.http } } : {}), https: e.https }));
  const plan: GatewayPlan = Object.freeze({ gateways, listeners, routes, warnings });
  bySnapshot.set(proxy, plan);
  return plan;
}

/** The problems {@link gatewayPlanFor} found for `proxy` (dropped servers and why): values, not throws,
 *  for logs and debug pages. */
export function gatewayWarningsFor(snapshot: MeshSnapshot, proxy: ProxyView): readonly string[] {
  return gatewayPlanFor(snapshot, proxy).warnings;
}
