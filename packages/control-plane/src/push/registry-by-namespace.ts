// Rebuilds the ServiceEntry registry one namespace at a time: a ServiceEntry only selects
// WorkloadEntries of its own namespace, so a change in one namespace leaves every other namespace's
// services, endpoints and workloads as they were. Saves rebuilding a 1,000-service registry for
// every endpoint change.

import type { ConfigEntry } from '../config/config-store.js';
import type { RegistryView } from '../registry/model.js';
import { buildServiceEntryRegistry } from '../registry/service-entry-registry.js';

const REGISTRY_KINDS: ReadonlySet<string> = new Set(['ServiceEntry', 'WorkloadEntry']);

/**
 * A registry kept per namespace. {@link update} rebuilds the namespaces named (all of them on the
 * first call) from the store's entries and returns the whole registry, equal to one
 * buildServiceEntryRegistry over all entries: services and endpoints follow the order of the
 * namespaces' ServiceEntries in `entries`, workloads that of their WorkloadEntries.
 */
export class NamespacedRegistry {
  private readonly byNamespace = new Map<string, RegistryView>();
  private built = false;

  /** `entries`: every entry in force (store order); `changed`: namespaces with registry changes. */
  update(entries: readonly ConfigEntry[], changed: ReadonlySet<string>): RegistryView {
    const grouped = new Map<string, ConfigEntry[]>();
    const serviceOrder = new Set<string>();
    const workloadOrder = new Set<string>();
    for (const e of entries) {
      if (!REGISTRY_KINDS.has(e.ref.kind)) continue;
      (e.ref.kind === 'ServiceEntry' ? serviceOrder : workloadOrder).add(e.ref.namespace);
      if (this.built && !changed.has(e.ref.namespace)) continue;
      let list = grouped.get(e.ref.namespace);
      if (!list) grouped.set(e.ref.namespace, (list = []));
      list.push(e);
    }
    if (!this.built) this.byNamespace.clear();
    for (const ns of this.built ? changed : grouped.keys()) {
      const list = grouped.get(ns);
      if (list) this.byNamespace.set(ns, buildServiceEntryRegistry(list));
      else this.byNamespace.delete(ns);
    }
    this.built = true;
    const of = (order: Set<string>): RegistryView[] => [...order].map((ns) => this.byNamespace.get(ns)).filter((v): v is RegistryView => v !== undefined);
    const withServices = of(serviceOrder);
    return { services: withServices.flatMap((v) => v.services), endpoints: withServices.flatMap((v) => v.endpoints), workloads: of(workloadOrder).flatMap((v) => v.workloads) };
  }
}
