import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../test/snapshot-of.js';
import type { ListenerShape } from '../xds-client/envoy-shapes.js';
import { planListenerBindings, type PlanSettings } from './listener-plan.js';
import { boundTcp, outboundHttp, outboundTcp, virtualInbound, virtualOutbound } from './sidecar-listeners.test-fixtures.js';

/** The listeners as the xDS client decodes them (wrappers as { value }, enums by name). */
function decoded(listeners: Record<string, unknown>[]): ListenerShape[] {
  return [...snapshotOf({ listener: listeners }).listener.resources.values()].map((r) => r.message as ListenerShape);
}

const sidecar: PlanSettings = { mode: 'sidecar', workloadAddresses: ['127.0.0.10'], outboundAddress: '127.0.0.1' };

const summary = (settings: PlanSettings, listeners: Record<string, unknown>[]) => {
  const plan = planListenerBindings(decoded(listeners), settings);
  return {
    bindings: plan.bindings.map((b) => `${b.role} ${b.listenerName} ${b.key} → ${b.destination.ip ?? '(local)'}:${b.destination.port}`),
    warnings: plan.notes.filter((n) => n.level === 'warning').map((n) => `${n.listenerName}: ${n.message}`),
    info: plan.notes.filter((n) => n.level === 'info').map((n) => `${n.listenerName}: ${n.message}`),
  };
};

describe('planListenerBindings', () => {
  const mesh = [
    virtualOutbound(),
    virtualInbound([
      { port: 9080, http: true },
      { port: 3306, http: false },
    ]),
    outboundHttp(9080),
    outboundHttp(8080),
    outboundTcp('10.0.0.5', 3306, 'outbound|3306||mysql.default.svc.cluster.local'),
    outboundTcp('240.240.0.7', 3306, 'outbound|3306||mariadb.default.svc.cluster.local'),
  ];

  it("binds weftd's capture-style sidecar listeners locally: inbound ports on the workload address, outbound on the outbound address", () => {
    expect(summary(sidecar, mesh)).toEqual({
      bindings: [
        'inbound virtualInbound 127.0.0.10:3306 → 127.0.0.10:3306',
        'inbound virtualInbound 127.0.0.10:9080 → 127.0.0.10:9080',
        'outbound 0.0.0.0_8080 127.0.0.1:8080 → (local):8080',
        'outbound 0.0.0.0_9080 127.0.0.1:9080 → (local):9080',
        'outbound 10.0.0.5_3306 127.0.0.1:3306 → 10.0.0.5:3306',
      ],
      warnings: ["240.240.0.7_3306: not bound on 127.0.0.1:3306: listener '10.0.0.5_3306' has it (first wins)"],
      info: ['virtualOutbound: not bound: 0.0.0.0:15001 receives only captured traffic (no iptables capture in local mode)'],
    });
  });

  it('gives the port to the wildcard listener before VIP listeners, whatever the LDS order', () => {
    const reversed = [outboundTcp('10.0.0.5', 9080, 'tcp-one'), outboundHttp(9080)];
    expect(summary(sidecar, reversed).bindings).toEqual(['outbound 0.0.0.0_9080 127.0.0.1:9080 → (local):9080']);
    expect(summary(sidecar, [...reversed].reverse()).warnings).toEqual(["10.0.0.5_9080: not bound on 127.0.0.1:9080: listener '0.0.0.0_9080' has it (first wins)"]);
  });

  it('binds inbound ports on every workload address', () => {
    const plan = summary({ ...sidecar, workloadAddresses: ['127.0.0.10', '::1'] }, [virtualInbound([{ port: 9080, http: true }])]);
    expect(plan.bindings).toEqual(['inbound virtualInbound 127.0.0.10:9080 → 127.0.0.10:9080', 'inbound virtualInbound [::1]:9080 → ::1:9080']);
  });

  it('never takes a reserved socket (where the app listens) and says why', () => {
    const reserved = new Map([
      ['127.0.0.1:9080', "the app listens there (endpoint of cluster 'inbound|9080||')"],
      ['127.0.0.10:3306', 'the app listens there'],
    ]);
    const plan = summary({ ...sidecar, reserved }, mesh);
    expect(plan.bindings).toEqual([
      'inbound virtualInbound 127.0.0.10:9080 → 127.0.0.10:9080',
      'outbound 0.0.0.0_8080 127.0.0.1:8080 → (local):8080',
      'outbound 10.0.0.5_3306 127.0.0.1:3306 → 10.0.0.5:3306',
    ]);
    expect(plan.warnings).toEqual([
      'virtualInbound: not bound on 127.0.0.10:3306: the app listens there',
      "0.0.0.0_9080: not bound on 127.0.0.1:9080: the app listens there (endpoint of cluster 'inbound|9080||')",
      "240.240.0.7_3306: not bound on 127.0.0.1:3306: listener '10.0.0.5_3306' has it (first wins)",
    ]);
  });

  it("binds interception-mode NONE listeners (bind_to_port unset) at their own address", () => {
    expect(summary(sidecar, [boundTcp('127.0.0.1', 3306, 'db'), boundTcp('127.0.0.10', 9080, 'inbound|9080||', 'INBOUND')]).bindings).toEqual([
      'listener 127.0.0.10_9080 127.0.0.10:9080 → 127.0.0.10:9080',
      'listener 127.0.0.1_3306 127.0.0.1:3306 → 127.0.0.1:3306',
    ]);
  });

  it('router mode binds wildcard listeners on the workload address, never all interfaces, and skips bind_to_port: false', () => {
    const gateway = { ...boundTcp('0.0.0.0', 8443, 'outbound|443||api'), name: '0.0.0.0_8443' };
    expect(summary({ ...sidecar, mode: 'router' }, [gateway, outboundHttp(9080), virtualOutbound()]).bindings).toEqual(['listener 0.0.0.0_8443 127.0.0.10:8443 → (local):8443', 'listener virtualOutbound 127.0.0.10:15001 → (local):15001']);
  });

  it.each([
    ['each workload address', ['127.0.0.20', '127.0.0.21'], '::', ['listener gw 127.0.0.20:8080 → (local):8080', 'listener gw 127.0.0.21:8080 → (local):8080']],
    ['127.0.0.1 without a workload address', [], '0.0.0.0', ['listener gw 127.0.0.1:8080 → (local):8080']],
    ['a specific address as given', ['127.0.0.20'], '127.0.0.55', ['listener gw 127.0.0.55:8080 → 127.0.0.55:8080']],
  ])('router mode binds %s', (_what, workloadAddresses, address, bindings) => {
    const gateway = { ...boundTcp(address, 8080, 'outbound|80||web'), name: 'gw' };
    expect(summary({ ...sidecar, mode: 'router', workloadAddresses }, [gateway]).bindings).toEqual(bindings);
  });

  it('keeps fingerprints equal for equal listeners and changes them with any change', () => {
    const a = planListenerBindings(decoded(mesh), sidecar).bindings;
    const b = planListenerBindings(decoded(mesh), sidecar).bindings;
    expect(b.map((x) => x.fingerprint)).toEqual(a.map((x) => x.fingerprint));
    const changed = planListenerBindings(decoded([...mesh.slice(0, 5), outboundTcp('240.240.0.7', 3306, 'other')]), sidecar).bindings;
    expect(changed.map((x) => x.fingerprint)).toEqual(a.map((x) => x.fingerprint));
    const moved = planListenerBindings(decoded([virtualOutbound(), virtualInbound([{ port: 9080, http: true }]), ...mesh.slice(2)]), sidecar).bindings;
    expect(moved.find((x) => x.key === '127.0.0.10:9080')?.fingerprint).not.toBe(a.find((x) => x.key === '127.0.0.10:9080')?.fingerprint);
    expect(moved.find((x) => x.key === '127.0.0.1:8080')?.fingerprint).toBe(a.find((x) => x.key === '127.0.0.1:8080')?.fingerprint);
  });
});
