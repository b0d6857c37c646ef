// Kubernetes strategic merge patch, the part Istio's injector relies on (it overlays the rendered
// template on the pod with strategicpatch.StrategicMergePatch): maps merge key by key, `null` deletes,
// lists with a patch merge key (containers by name, env by name, ports by containerPort, volumeMounts by
// mountPath, volumes by name, ...) merge item by item, every other list is replaced. Directives
// ($patch, $retainKeys, $setElementOrder) are not supported: the injector's own overlays never use them.

import { cloneJson, isObject } from './kube-types.js';

/** Where lists merge by key, for one level of an object (nested by field name). */
export interface MergeSchema {
  readonly fields?: Readonly<Record<string, MergeSchema>>;
  /** Set on a list field: the patch merge key of its items. */
  readonly listKey?: string;
  /** The schema of the list's items (with listKey). */
  readonly item?: MergeSchema;
}

const CONTAINER_ITEM: MergeSchema = {
  fields: {
    env: { listKey: 'name' },
    ports: { listKey: 'containerPort' },
    volumeMounts: { listKey: 'mountPath' },
    volumeDevices: { listKey: 'devicePath' },
    resizePolicy: { listKey: 'resourceName' },
  },
};

/** A container list: merged by name. */
export const CONTAINERS_SCHEMA: MergeSchema = { listKey: 'name', item: CONTAINER_ITEM };

/** corev1.Pod's patch strategies, for the fields the injector touches. */
export const POD_SCHEMA: MergeSchema = {
  fields: {
    metadata: { fields: { ownerReferences: { listKey: 'uid' } } },
    spec: {
      fields: {
        containers: CONTAINERS_SCHEMA,
        initContainers: CONTAINERS_SCHEMA,
        ephemeralContainers: CONTAINERS_SCHEMA,
        volumes: { listKey: 'name' },
        imagePullSecrets: { listKey: 'name' },
        hostAliases: { listKey: 'ip' },
        topologySpreadConstraints: { listKey: 'topologyKey' },
      },
    },
  },
};

/** Merges `patch` onto a copy of `target` as a strategic merge patch under `schema`; neither input changes. */
export function strategicMerge<T>(target: T, patch: unknown, schema: MergeSchema = POD_SCHEMA): T {
  return mergeValue(cloneJson(target), patch, schema) as T;
}

function mergeValue(target: unknown, patch: unknown, schema: MergeSchema | undefined): unknown {
  if (isObject(target) && isObject(patch)) return mergeObject(target, patch, schema);
  return cloneJson(patch);
}

function mergeObject(target: Record<string, unknown>, patch: Record<string, unknown>, schema: MergeSchema | undefined): Record<string, unknown> {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
      continue;
    }
    if (value === undefined) continue;
    const field = schema?.fields?.[key];
    const current = target[key];
    if (field?.listKey !== undefined && Array.isArray(current) && Array.isArray(value)) target[key] = mergeList(current, value, field.listKey, field.item);
    else target[key] = mergeValue(current, value, field);
  }
  return target;
}

const keyOf = (item: unknown, key: string): unknown => (isObject(item) ? item[key] : undefined);

/**
 * Merges a keyed list as strategicpatch does: patch items merge into the target item with the same key
 * or are added; the result keeps the patch items (in patch order) and the target-only items (in
 * target order), interleaved by their target positions where both are known (normalizeElementOrder).
 */
function mergeList(target: unknown[], patch: unknown[], key: string, item: MergeSchema | undefined): unknown[] {
  if (patch.length === 0) return target;
  // The patch side, in patch order: each item merged onto the target item with its key (at >= 0) or new.
  const left: { k: unknown; at: number; value: unknown }[] = [];
  for (const p of patch) {
    const k = keyOf(p, key);
    const same = k === undefined ? undefined : left.find((e) => e.k === k);
    if (same) {
      same.value = mergeValue(same.value, p, item);
      continue;
    }
    const at = k === undefined ? -1 : target.findIndex((x) => keyOf(x, key) === k);
    left.push({ k, at, value: mergeValue(at >= 0 ? target[at] : undefined, p, item) });
  }
  // The target-only side, in target order.
  const right = target.map((value, at) => ({ at, value })).filter((r) => !left.some((e) => e.at === r.at));
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    const l = left[i];
    const r = right[j];
    if (l === undefined) {
      out.push(r?.value);
      j++;
    } else if (r === undefined) {
      out.push(l.value);
      i++;
    } else if (l.at >= 0 && r.at < l.at) {
      // Both were in the target, the target-only item first: keep the target's order.
      out.push(r.value);
      j++;
    } else {
      out.push(l.value);
      i++;
    }
  }
  return out;
}
