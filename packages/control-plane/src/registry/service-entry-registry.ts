// Builds the registry view from ServiceEntry and WorkloadEntry resources, following Istio's
// conversion (pilot/pkg/serviceregistry/serviceentry/conversion.go): one service per SE host;
// endpoints from inline `endpoints`, from WorkloadEntries selected by `workloadSelector` in the
// same namespace, or, for DNS resolution without endpoints, the host itself.

import type { ConfigEntry } from '../config/config-store.js';
import type { Endpoint, MeshService, RegistryView, Resolution, ServicePort, Workload } from './model.js';
import { resolveProtocol } from './protocol.js';

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asArr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStr = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d);
const asStrMap = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(asObj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
const asNumMap = (v: unknown): Record<string, number> =>
  Object.fromEntries(Object.entries(asObj(v)).filter((e): e is [string, number] => typeof e[1] === 'number'));

const RESOLUTIONS: readonly Resolution[] = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN'];

/** The workload described by a WorkloadEntry (or an inline ServiceEntry endpoint). */
function workloadOf(name: string, namespace: string, spec: Obj): Workload {
  return {
    name,
    namespace,
    address: asStr(spec.address),
    labels: asStrMap(spec.labels),
    serviceAccount: asStr(spec.serviceAccount, 'default'),
    locality: asStr(spec.locality),
    network: asStr(spec.network),
    ports: asNumMap(spec.ports),
  };
}

/** WorkloadEntry `weight`: unset or 0 means 1 (Envoy needs a positive weight). */
function weightOf(spec: Obj): number {
  return typeof spec.weight === 'number' && spec.weight > 0 ? spec.weight : 1;
}

function matches(selector: Record<string, string>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Registry view of the given ServiceEntry and WorkloadEntry entries (other kinds are ignored). */
export function buildServiceEntryRegistry(entries: readonly ConfigEntry[]): RegistryView {
  const workloadEntries = entries.filter((e) => e.ref.kind === 'WorkloadEntry');
  // Istio: a WorkloadEntry without serviceAccount runs as the namespace's `default` account.
  const workloads: Workload[] = workloadEntries.map((e) => workloadOf(e.ref.name, e.ref.namespace, asObj(e.resource.spec)));
  const services: MeshService[] = [];
  const endpoints: Endpoint[] = [];

  for (const se of entries.filter((e) => e.ref.kind === 'ServiceEntry')) {
    const spec = asObj(se.resource.spec);
    const namespace = se.ref.namespace;
    const resolutionRaw = asStr(spec.resolution, 'NONE');
    const resolution: Resolution = (RESOLUTIONS as readonly string[]).includes(resolutionRaw) ? (resolutionRaw as Resolution) : 'NONE';
    const ports: ServicePort[] = asArr(spec.ports).map((p) => {
      const po = asObj(p);
      const number = typeof po.number === 'number' ? po.number : 0;
      const name = asStr(po.name, `port-${number}`);
      const base = { name, port: number, protocol: resolveProtocol({ protocol: asStr(po.protocol), name }) };
      return typeof po.targetPort === 'number' ? { ...base, targetPort: po.targetPort } : base;
    });
    const exportTo = asArr(spec.exportTo).filter((x): x is string => typeof x === 'string');
    const location = asStr(spec.location) === 'MESH_EXTERNAL' ? 'MESH_EXTERNAL' : 'MESH_INTERNAL';
    const addresses = asArr(spec.addresses).filter((x): x is string => typeof x === 'string');
    const origin = `ServiceEntry/${namespace}/${se.ref.name}`;
    const subjectAltNames = asArr(spec.subjectAltNames).filter((x): x is string => typeof x === 'string' && x !== '');

    // Which workloads back this ServiceEntry, with the name endpoints report as their workload.
    const backing: { workload: Workload; weight: number; ref: string }[] = [];
    const selector = spec.workloadSelector === undefined ? undefined : asStrMap(asObj(spec.workloadSelector).labels);
    if (selector) {
      workloadEntries.forEach((we, i) => {
        const w = workloads[i];
        if (w && w.namespace === namespace && matches(selector, w.labels)) backing.push({ workload: w, weight: weightOf(asObj(we.resource.spec)), ref: `WorkloadEntry/${namespace}/${w.name}` });
      });
    } else {
      asArr(spec.endpoints).forEach((ep, i) => {
        const e = asObj(ep);
        backing.push({ workload: workloadOf(`${se.ref.name}-${i}`, namespace, e), weight: weightOf(e), ref: origin });
      });
    }

    for (const hostname of asArr(spec.hosts).filter((h): h is string => typeof h === 'string')) {
      services.push({ hostname, namespace, ports, addresses, resolution, location, exportTo: exportTo.length > 0 ? exportTo : ['*'], origin, ...(subjectAltNames.length > 0 ? { subjectAltNames } : {}) });
      if (resolution === 'NONE') continue;
      for (const port of ports) {
        const base = port.targetPort ?? port.port;
        if (backing.length === 0 && resolution !== 'STATIC') {
          // DNS without endpoints: the proxy resolves the host itself.
          endpoints.push({ hostname, namespace, servicePortName: port.name, address: hostname, port: base, labels: {}, locality: '', weight: 1, serviceAccount: '', network: '', healthy: true, workload: origin });
          continue;
        }
        for (const { workload, weight, ref } of backing) {
          if (!workload.address) continue;
          endpoints.push({
            hostname,
            namespace,
            servicePortName: port.name,
            address: workload.address,
            port: workload.ports[port.name] ?? base,
            labels: workload.labels,
            locality: workload.locality,
            weight,
            serviceAccount: workload.serviceAccount,
            network: workload.network,
            healthy: true,
            workload: ref,
          });
        }
      }
    }
  }
  return { services, endpoints, workloads };
}
