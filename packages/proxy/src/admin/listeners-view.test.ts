import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../test/snapshot-of.js';
import type { ListenerBinding } from '../listeners/listener-manager.js';
import { outboundTcp, virtualInbound } from '../listeners/sidecar-listeners.test-fixtures.js';
import { renderListenersJson, renderListenersText } from './listeners-view.js';

const snapshot = snapshotOf({ listener: [virtualInbound([{ port: 9080, http: true }, { port: 9090, http: false }]), outboundTcp('10.0.0.5', 3306, 'db')] });
const binding = (listenerName: string, address: string, state: ListenerBinding['state']): ListenerBinding => ({ listenerName, address, role: 'inbound', state, connections: 0 });

describe('listeners view with bound sockets', () => {
  const bindings = [
    binding('virtualInbound', '127.0.0.10:9080', 'bound'),
    binding('virtualInbound', '[::1]:9090', 'bound'),
    binding('virtualInbound', '127.0.0.10:7000', 'draining'),
    binding('10.0.0.5_3306', '127.0.0.1:3306', 'failed'),
  ];

  it('prints bound addresses, else the LDS address', () => {
    expect(renderListenersText(snapshot, bindings)).toBe('10.0.0.5_3306::10.0.0.5:3306\nvirtualInbound::127.0.0.10:9080,[::1]:9090\n');
    expect(renderListenersText(snapshot)).toBe('10.0.0.5_3306::10.0.0.5:3306\nvirtualInbound::0.0.0.0:15006\n');
  });

  it('gives the first bound address as local_address and the others as additional_local_addresses', () => {
    expect(renderListenersJson(snapshot, bindings)).toEqual({
      listener_statuses: [
        { name: '10.0.0.5_3306', local_address: { socket_address: { address: '10.0.0.5', port_value: 3306 } } },
        {
          name: 'virtualInbound',
          local_address: { socket_address: { address: '127.0.0.10', port_value: 9080 } },
          additional_local_addresses: [{ socket_address: { address: '::1', port_value: 9090 } }],
        },
      ],
    });
  });
});
