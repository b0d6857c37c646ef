// GET /listeners: Envoy's text form (`name::address` per line) and `?format=json`
// (envoy.admin.v3.Listeners: name, local_address and additional_local_addresses of each listener).
// Where a listener has sockets bound (listeners/listener-manager.ts), those are its addresses, as Envoy
// shows the real bound address; otherwise the address from LDS.

import type { ListenerBinding } from '../listeners/listener-manager.js';
import type { AddressShape, ListenerShape } from '../xds-client/envoy-shapes.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';

function addressText(address: AddressShape | undefined): string {
  const socket = address?.socket_address;
  if (socket) return socket.address?.includes(':') ? `[${socket.address}]:${socket.port_value ?? 0}` : `${socket.address ?? ''}:${socket.port_value ?? 0}`;
  if (address?.pipe) return address.pipe.path ?? '';
  return '';
}

/** `host:port` / `[v6]:port` as an Envoy Address. */
function addressOfKey(key: string): AddressShape {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(key);
  return { socket_address: { address: m?.[1] ?? key, port_value: Number(m?.[2] ?? 0) } };
}

const sorted = (snapshot: XdsSnapshot) => [...snapshot.listener.resources.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** Sockets accepting connections, by listener name (draining and failed ones are not the listener's address). */
function liveAddresses(bindings: readonly ListenerBinding[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const b of bindings) {
    if (b.state !== 'bound') continue;
    const list = out.get(b.listenerName) ?? [];
    list.push(b.address);
    out.set(b.listenerName, list);
  }
  return out;
}

/** The text of GET /listeners: one line per listener, its bound addresses comma-separated. */
export function renderListenersText(snapshot: XdsSnapshot, bindings: readonly ListenerBinding[] = []): string {
  const live = liveAddresses(bindings);
  return sorted(snapshot)
    .map((l) => `${l.name}::${live.get(l.name)?.join(',') ?? addressText((l.message as ListenerShape).address)}\n`)
    .join('');
}

/** The JSON of GET /listeners?format=json. */
export function renderListenersJson(snapshot: XdsSnapshot, bindings: readonly ListenerBinding[] = []): Record<string, unknown> {
  const live = liveAddresses(bindings);
  return {
    listener_statuses: sorted(snapshot).map((l) => {
      const bound = live.get(l.name);
      if (bound?.length) {
        const [first, ...rest] = bound.map(addressOfKey);
        return { name: l.name, local_address: first, ...(rest.length ? { additional_local_addresses: rest } : {}) };
      }
      const address = (l.message as ListenerShape).address;
      return { name: l.name, ...(address ? { local_address: address } : {}) };
    }),
  };
}
