// Which sockets the proxy binds for the LDS listeners it holds, and what each socket stands for: the
// local-mode (no iptables) reading of weftd's capture-style listeners. Pure: the listener manager
// binds what this plans. The capture listeners themselves (virtualOutbound, virtualInbound) would be
// the only bound sockets under iptables; see docs/architecture/proxy.md, "Listeners".

import type { FilterChainShape, ListenerShape } from '../xds-client/envoy-shapes.js';
import { parseIp } from './cidr-range.js';

/** Why a socket exists. */
export type BindingRole =
  /** A listener that binds its own address (bind_to_port unset or true): gateways, Istio's
   *  interception-mode NONE listeners (`127.0.0.1_9080`, `<workload ip>_9080`). */
  | 'listener'
  /** A workload port named by virtualInbound's filter chains, on the workload's address. */
  | 'inbound'
  /** A capture-style outbound listener (`0.0.0.0_9080`, `<vip>_3306`, bind_to_port false) on the
   *  proxy's outbound address, for the app to dial directly. */
  | 'outbound';

/** One socket to bind and the listener that serves its connections. */
export interface BindingPlan {
  /** `host:port` (`[v6]:port`): the socket's identity across updates. */
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly role: BindingRole;
  readonly listenerName: string;
  readonly listener: ListenerShape;
  /** The destination a connection on this socket stands for when its filter chain is chosen and,
   *  when `ip` is known, for ORIGINAL_DST clusters. `ip` undefined: the socket's own local address
   *  for chain matching, and no original destination (a wildcard listener bound locally cannot know
   *  which address the app meant). */
  readonly destination: { readonly ip: string | undefined; readonly port: number; readonly known: boolean };
  /** The listener's JSON: sockets of one listener share its compiled chains. */
  readonly listenerFingerprint: string;
  /** Changes whenever anything that shapes this socket's connections changes. */
  readonly fingerprint: string;
}

/** Something the plan could not do, or chose not to; logged, and shown by the admin API. */
export interface PlanNote {
  readonly level: 'info' | 'warning';
  readonly listenerName: string;
  /** The socket concerned, when there is one. */
  readonly address?: string;
  readonly message: string;
}

/** What the plan depends on besides the listeners. */
export interface PlanSettings {
  readonly mode: 'sidecar' | 'router';
  /** The workload's addresses (INSTANCE_IPS): inbound sockets bind each, and so do a router's
   *  wildcard listeners. */
  readonly workloadAddresses: readonly string[];
  /** Where outbound per-service listeners bind (WEFT_PROXY_OUTBOUND_ADDRESS). */
  readonly outboundAddress: string;
  /** Sockets the proxy must not take, with why (the app's own address:port from the inbound
   *  clusters, the proxy's fixed ports). A listener planned there is skipped with a warning. */
  readonly reserved?: ReadonlyMap<string, string>;
}

/** The plan: sockets in a stable order, and notes. */
export interface ListenerPlan {
  readonly bindings: readonly BindingPlan[];
  readonly notes: readonly PlanNote[];
}

const WILDCARD = new Set(['0.0.0.0', '::']);
const ORIGINAL_DST_FILTER = 'envoy.filters.listener.original_dst';

/** `host:port`, with IPv6 hosts in brackets. */
export function socketKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const fingerprints = new WeakMap<object, string>();

/** The JSON of a decoded message, memoized per object (the xDS client keeps unchanged resources). */
function fingerprintOf(message: object): string {
  let f = fingerprints.get(message);
  if (f === undefined) {
    f = JSON.stringify(message);
    fingerprints.set(message, f);
  }
  return f;
}

const boolValue = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : typeof v === 'object' && v !== null && typeof (v as { value?: unknown }).value === 'boolean' ? (v as { value: boolean }).value : undefined);

interface ListenerFields extends ListenerShape {
  readonly bind_to_port?: unknown;
  readonly use_original_dst?: unknown;
}

/** virtualOutbound: hands captured connections to other listeners by original destination. */
const isHandOff = (l: ListenerFields): boolean => boolValue(l.use_original_dst) === true;
/** virtualInbound: chains by original destination port, restored by the original_dst listener filter. */
const restoresOriginalDst = (l: ListenerFields): boolean => (l.listener_filters ?? []).some((f) => f.name === ORIGINAL_DST_FILTER || f.typed_config?.['@type']?.endsWith('.OriginalDst'));

/** A listener bound at its own address stands for that address; a wildcard one for whatever local
 *  address the client used (and no original destination). */
function ownDestination(address: string, port: number): BindingPlan['destination'] {
  return WILDCARD.has(address) ? { ip: undefined, port, known: false } : { ip: address, port, known: true };
}

function destinationPort(chain: FilterChainShape): number | undefined {
  const p = chain.filter_chain_match?.destination_port;
  const n = typeof p === 'object' && p !== null ? Number((p as { value?: unknown }).value) : typeof p === 'number' ? p : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Sort order of outbound listeners competing for one local port: the wildcard listener (which holds
 *  the HTTP chain and the passthrough default) first, then VIP listeners by address, then name. */
function outboundOrder(a: { listener: ListenerShape; name: string }, b: { listener: ListenerShape; name: string }): number {
  const rank = (l: ListenerShape): [number, bigint] => {
    const address = l.address?.socket_address?.address ?? '';
    if (WILDCARD.has(address)) return [0, 0n];
    const ip = parseIp(address);
    return ip ? [ip.family, ip.value] : [9, 0n];
  };
  const [fa, va] = rank(a.listener);
  const [fb, vb] = rank(b.listener);
  return fa - fb || (va < vb ? -1 : va > vb ? 1 : 0) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/**
 * Plans the sockets for `listeners` (the accepted LDS set).
 *
 * Sidecar mode, without iptables:
 * - `virtualOutbound` (use_original_dst) and `virtualInbound`'s own port 15006 are not bound: only
 *   capture sends traffic there.
 * - Each `destination_port` of virtualInbound's filter chains is bound on every workload address, and
 *   connections there choose among virtualInbound's chains with that port as destination.
 * - Capture-style outbound listeners (bind_to_port false) are bound on the outbound address and their
 *   own port; a connection stands for the listener's address (a VIP listener `10.0.0.5_3306` is "a
 *   connection to 10.0.0.5:3306"). When several want one port, the first in {@link outboundOrder}
 *   wins and the others are reported.
 * - Any other listener binds its own address and port.
 *
 * Router mode binds every listener whose bind_to_port is not false at its own address, except that a
 * wildcard address (`0.0.0.0`, `::`) binds each workload address (127.0.0.1 when none is given): a
 * local gateway is never opened on all interfaces. Sockets in
 * `settings.reserved` are never planned (a warning names the reason). When two plans want one socket,
 * the earlier role wins (listener, inbound, outbound) and a warning names both.
 */
export function planListenerBindings(listeners: readonly ListenerShape[], settings: PlanSettings): ListenerPlan {
  const notes: PlanNote[] = [];
  const candidates: BindingPlan[] = [];
  const named = listeners.map((l) => ({ listener: l as ListenerFields, name: l.name ?? '' })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const outbound: { listener: ListenerFields; name: string }[] = [];
  for (const { listener, name } of named) {
    const socket = listener.address?.socket_address;
    if (!socket?.address || socket.port_value === undefined) {
      if (!listener.api_listener) notes.push({ level: 'info', listenerName: name, message: 'not bound: only socket addresses are supported' });
      continue;
    }
    const port = socket.port_value;
    const bindToPort = boolValue(listener.bind_to_port) !== false;
    if (settings.mode === 'router') {
      if (!bindToPort) continue;
      // Local mode never opens a gateway on every interface: a wildcard listener (`0.0.0.0_8080`)
      // binds the workload address(es) instead, 127.0.0.1 by default.
      const hosts = WILDCARD.has(socket.address) ? (settings.workloadAddresses.length > 0 ? settings.workloadAddresses : ['127.0.0.1']) : [socket.address];
      for (const host of hosts) candidates.push(plan('listener', host, port, name, listener, ownDestination(socket.address, port)));
      continue;
    }
    if (isHandOff(listener)) {
      notes.push({ level: 'info', listenerName: name, message: `not bound: ${socketKey(socket.address, port)} receives only captured traffic (no iptables capture in local mode)` });
      continue;
    }
    if (restoresOriginalDst(listener)) {
      const ports = [...new Set((listener.filter_chains ?? []).map(destinationPort).filter((p): p is number => p !== undefined && p !== port))].sort((a, b) => a - b);
      for (const p of ports) for (const ip of settings.workloadAddresses) candidates.push(plan('inbound', ip, p, name, listener, { ip, port: p, known: true }));
      continue;
    }
    if (!bindToPort) {
      outbound.push({ listener, name });
      continue;
    }
    candidates.push(plan('listener', socket.address, port, name, listener, ownDestination(socket.address, port)));
  }
  for (const { listener, name } of outbound.sort(outboundOrder)) {
    const socket = listener.address?.socket_address;
    const address = socket?.address ?? '';
    const port = socket?.port_value ?? 0;
    const known = !WILDCARD.has(address);
    candidates.push(plan('outbound', settings.outboundAddress, port, name, listener, { ip: known ? address : undefined, port, known }));
  }

  const taken = new Map<string, BindingPlan>();
  const bindings: BindingPlan[] = [];
  for (const c of candidates) {
    const reason = settings.reserved?.get(c.key);
    if (reason !== undefined) {
      notes.push({ level: 'warning', listenerName: c.listenerName, address: c.key, message: `not bound on ${c.key}: ${reason}` });
      continue;
    }
    const first = taken.get(c.key);
    if (first) {
      notes.push({ level: 'warning', listenerName: c.listenerName, address: c.key, message: `not bound on ${c.key}: listener '${first.listenerName}' has it (first wins)` });
      continue;
    }
    taken.set(c.key, c);
    bindings.push(c);
  }
  return { bindings, notes };

  function plan(role: BindingRole, host: string, port: number, name: string, listener: ListenerShape, destination: BindingPlan['destination']): BindingPlan {
    const listenerFingerprint = fingerprintOf(listener);
    return { key: socketKey(host, port), host, port, role, listenerName: name, listener, destination, listenerFingerprint, fingerprint: `${role}|${JSON.stringify(destination)}|${listenerFingerprint}` };
  }
}
