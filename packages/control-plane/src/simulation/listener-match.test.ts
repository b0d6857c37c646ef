import { describe, expect, it } from 'vitest';
import type { Listener } from './envoy-shapes.js';
import { selectListener } from './listener-match.js';
import { normalizeRequest, type SimulationRequest } from './request.js';

const at = (address: string, port: number) => ({ socket_address: { address, port_value: port } });

const listeners: Listener[] = [
  { name: 'virtualOutbound', address: at('0.0.0.0', 15001), use_original_dst: true },
  { name: 'virtualInbound', address: at('0.0.0.0', 15006) },
  { name: '0.0.0.0_9080', address: at('0.0.0.0', 9080), bind_to_port: { value: false } },
  { name: '10.0.0.5_3306', address: at('10.0.0.5', 3306), bind_to_port: false },
  { name: '0.0.0.0_3306', address: at('0.0.0.0', 3306), bind_to_port: false },
  { name: 'v6', address: at('::', 8080), additional_addresses: [{ address: at('0.0.0.0', 8080) }], bind_to_port: false },
  { name: 'gateway_80', address: at('0.0.0.0', 80) },
  { name: 'admin', address: at('127.0.0.1', 15000) },
];

function select(req: SimulationRequest): string {
  const r = selectListener(listeners, normalizeRequest(req));
  return typeof r === 'string' ? `none: ${r}` : `${r.listener.name}${r.handedOffFrom ? ` via ${r.handedOffFrom.name}` : ''}`;
}

describe('selectListener', () => {
  it.each<[string, SimulationRequest, string]>([
    ['outbound to a wildcard port listener', { port: 9080, address: '10.9.9.9' }, '0.0.0.0_9080 via virtualOutbound'],
    ['the exact address beats 0.0.0.0', { port: 3306, address: '10.0.0.5' }, '10.0.0.5_3306 via virtualOutbound'],
    ['another address falls back to 0.0.0.0', { port: 3306, address: '10.0.0.6' }, '0.0.0.0_3306 via virtualOutbound'],
    ['additional_addresses are listener addresses too', { port: 8080, address: '10.0.0.6' }, 'v6 via virtualOutbound'],
    ['IPv6 destination, wildcard ::', { port: 8080, address: '2001:db8::1' }, 'v6 via virtualOutbound'],
    ['no listener for the original destination: virtualOutbound keeps it', { port: 7777, address: '10.0.0.6' }, 'virtualOutbound'],
    ['inbound capture has no hand-off', { port: 9080, mode: 'inbound' }, 'virtualInbound'],
    ['direct to a bound listener', { port: 80, mode: 'direct', address: '10.0.0.1' }, 'gateway_80'],
    ['direct to a bound listener on its exact address', { port: 15000, mode: 'direct', address: '127.0.0.1' }, 'admin'],
  ])('%s', (_, req, want) => {
    expect(select(req)).toBe(want);
  });

  it.each<[string, SimulationRequest]>([
    ['direct never reaches bind_to_port: false listeners', { port: 9080, mode: 'direct' }],
    ['direct to an address no listener binds', { port: 15000, mode: 'direct', address: '10.0.0.1' }],
    ['no capture listener on a custom port', { port: 9080, capturePort: 15099 }],
    ['a destination that is not an IP', { port: 9080, address: 'reviews' }],
  ])('%s', (_, req) => {
    expect(select(req)).toMatch(/^none: /);
  });
});
