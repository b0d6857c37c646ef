// Which listener a connection lands on: the bound listener that accepts it, then, for listeners with
// use_original_dst (Istio's virtualOutbound), the hand-off to the listener of the original destination.
// Filter chain selection inside the listener is filter-chain-match.ts.

import { unwrap, type Address, type Listener } from './envoy-shapes.js';
import { isAnyAddress, parseIp, sameIp, type IpAddress } from './ip-cidr.js';
import type { NormalizedRequest } from './request.js';

/** The listener that handles the connection, and the capture listener that handed it off, if any. */
export interface ListenerSelection {
  readonly listener: Listener;
  readonly handedOffFrom?: Listener;
}

function socketOf(a: Address | undefined): { ip: IpAddress; port: number } | undefined {
  const sa = a?.socket_address;
  const ip = sa?.address !== undefined ? parseIp(sa.address) : undefined;
  return ip && sa?.port_value !== undefined ? { ip, port: sa.port_value } : undefined;
}

function addressesOf(l: Listener): { ip: IpAddress; port: number }[] {
  return [l.address, ...(l.additional_addresses ?? []).map((a) => a.address)].flatMap((a) => socketOf(a) ?? []);
}

function bindsToPort(l: Listener): boolean {
  return unwrap(l.bind_to_port) ?? true;
}

/** The listener whose address is `ip:port`, else the one bound to the wildcard address of that family on
 *  `port` (Envoy's ConnectionHandlerImpl lookup used for original-destination hand-off: "exact address
 *  match first, then the wildcard 0.0.0.0:[port]"). Listeners are considered whether they bind or not. */
export function findListenerByAddress(listeners: readonly Listener[], ip: IpAddress, port: number, accept: (l: Listener) => boolean = () => true): Listener | undefined {
  const candidates = listeners.filter(accept);
  const exact = candidates.find((l) => addressesOf(l).some((a) => a.port === port && sameIp(a.ip, ip)));
  if (exact) return exact;
  return candidates.find((l) => addressesOf(l).some((a) => a.port === port && a.ip.family === ip.family && isAnyAddress(a.ip)));
}

/** Selects the listener for a connection.
 *
 *  - `direct`: the kernel delivers the connection to a socket Envoy bound (`bind_to_port`, default true) on
 *    the destination address:port, or on the wildcard address of that port.
 *  - `outbound` / `inbound`: iptables redirected it to the capture port (15001 / 15006); the listener bound
 *    there receives it. If that listener sets `use_original_dst`, "the listener hands off redirected
 *    connections to the listener associated with the original destination address. If there is no
 *    listener associated with the original destination address, the connection is handled by the
 *    listener that receives it" (Listener.use_original_dst). Bound or not (`bind_to_port: false`, as
 *    Istio's per-port outbound listeners are), any listener can take the hand-off.
 *
 *  Returns a string explaining why none accepts the connection otherwise. */
export function selectListener(listeners: readonly Listener[], req: NormalizedRequest): ListenerSelection | string {
  const dest = parseIp(req.address);
  if (!dest) return `destination ${req.address} is not an IP address`;
  if (req.mode === 'direct') {
    const l = findListenerByAddress(listeners, dest, req.port, bindsToPort);
    return l ? { listener: l } : `no bound listener on ${req.address}:${req.port}`;
  }
  const capture = listeners.find((l) => bindsToPort(l) && addressesOf(l).some((a) => a.port === req.capturePort));
  if (!capture) return `no listener bound on capture port ${req.capturePort} (${req.mode} mode)`;
  if (unwrap(capture.use_original_dst) !== true) return { listener: capture };
  const target = findListenerByAddress(listeners, dest, req.port);
  return target && target !== capture ? { listener: target, handedOffFrom: capture } : { listener: capture };
}
