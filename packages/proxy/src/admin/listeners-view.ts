// GET /listeners: Envoy's text form (`name::address` per line) and `?format=json`
// (envoy.admin.v3.Listeners: name and local_address of each listener).

import type { ListenerShape } from '../xds-client/envoy-shapes.js';
import type { XdsSnapshot } from '../xds-client/resource-store.js';

function addressText(listener: ListenerShape): string {
  const socket = listener.address?.socket_address;
  if (socket) return socket.address?.includes(':') ? `[${socket.address}]:${socket.port_value ?? 0}` : `${socket.address ?? ''}:${socket.port_value ?? 0}`;
  if (listener.address?.pipe) return listener.address.pipe.path ?? '';
  return '';
}

const sorted = (snapshot: XdsSnapshot) => [...snapshot.listener.resources.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

/** The text of GET /listeners. */
export function renderListenersText(snapshot: XdsSnapshot): string {
  return sorted(snapshot)
    .map((l) => `${l.name}::${addressText(l.message as ListenerShape)}\n`)
    .join('');
}

/** The JSON of GET /listeners?format=json. */
export function renderListenersJson(snapshot: XdsSnapshot): Record<string, unknown> {
  return {
    listener_statuses: sorted(snapshot).map((l) => {
      const address = (l.message as ListenerShape).address;
      return { name: l.name, ...(address ? { local_address: address } : {}) };
    }),
  };
}
