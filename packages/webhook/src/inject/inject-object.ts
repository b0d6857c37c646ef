// Injection of whole Kubernetes objects, as `istioctl kube-inject` does it (Istio's IntoObject): a Pod,
// a workload with a pod template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
// ReplicationController, DeploymentConfig) or a `List` of them. Other kinds pass through unchanged.
// Skips (host network, sidecar.istio.io/inject=false, system namespaces) are reported, not errors.

import { InjectionError } from '../errors.js';
import type { InjectOptions } from './inject-options.js';
import { injectPod } from './inject-pod.js';
import { cloneJson, isObject, type ObjectMeta, type Pod } from './kube-types.js';
import { injectRequired } from './policy.js';
import { podSlotOf } from './workload.js';

/** The outcome of {@link injectObject}: the object (injected, or unchanged when skipped), and why parts were skipped. */
export type InjectObjectResult = { readonly ok: true; readonly object: unknown; readonly skipped: readonly string[] } | { readonly ok: false; readonly error: InjectionError };

function describe(kind: string, meta: ObjectMeta, namespace: string): string {
  const name = meta.name ?? '';
  const full = namespace !== '' ? `${namespace}/${name}` : name;
  return kind !== '' ? `${kind} "${full}"` : `"${full}"`;
}

/**
 * Injects the proxy into `object` (not modified; the result is a copy). Errors: a workload without a
 * pod template, a pod Weft cannot inject (see injectPod). A `List` is injected item by item and fails
 * on the first failing item.
 */
export function injectObject(object: unknown, options: InjectOptions): InjectObjectResult {
  if (!isObject(object)) return { ok: false, error: new InjectionError('WEFT_ERR_INJECT_BAD_OBJECT', 'not a Kubernetes object (a mapping with apiVersion and kind)') };
  const out = cloneJson(object);
  const skipped: string[] = [];
  if (out.kind === 'List') {
    if (!Array.isArray(out.items)) return { ok: false, error: new InjectionError('WEFT_ERR_INJECT_BAD_OBJECT', 'List without items') };
    const items: unknown[] = [];
    for (const item of out.items) {
      const r = injectObject(item, options);
      if (!r.ok) return r;
      items.push(r.object);
      skipped.push(...r.skipped);
    }
    out.items = items;
    return { ok: true, object: out, skipped };
  }
  const slot = podSlotOf(out);
  if (slot === undefined) return { ok: true, object: out, skipped };
  if ('error' in slot) return { ok: false, error: new InjectionError('WEFT_ERR_INJECT_NO_TEMPLATE', slot.error) };
  const kind = typeof out.kind === 'string' ? out.kind : '';
  const namespace = slot.metadata.namespace || slot.deployMeta.namespace;
  const pod: Pod = { metadata: slot.metadata, spec: slot.spec };
  if (slot.spec.hostNetwork === true) {
    skipped.push(`Skipping injection because ${describe(kind, { name: slot.metadata.name || slot.deployMeta.name }, slot.deployMeta.namespace)} has host networking enabled`);
    return { ok: true, object: out, skipped };
  }
  const decision = injectRequired(slot.spec, { ...slot.metadata, namespace }, { policy: 'enabled' });
  if (!decision.inject) {
    skipped.push(`Skipping injection because ${describe(kind, { name: slot.metadata.name || slot.deployMeta.name }, slot.deployMeta.namespace)} has sidecar injection disabled (${decision.reason})`);
    return { ok: true, object: out, skipped };
  }
  const r = injectPod({ pod, deployMeta: slot.deployMeta, typeMeta: slot.typeMeta }, options);
  if (!r.ok) return r;
  slot.write(r.pod.metadata ?? {}, r.pod.spec ?? {});
  return { ok: true, object: out, skipped };
}
