// Whether a pod gets a sidecar: Istio's injectRequired (host network, system namespaces, the
// sidecar.istio.io/inject label then annotation, the never/always selectors, the injector policy),
// and, when the namespace's labels are known (kube-inject, tests), what the API server's
// namespaceSelector / objectSelector of Istio's MutatingWebhookConfiguration would have decided.
// Pure: every input is an argument.

import { ISTIO_ANNOTATIONS, ISTIO_LABELS, WEFT_INJECTION_LABEL } from '@weft/shared';
import type { ObjectMeta, PodSpec } from './kube-types.js';

/** Istio's injector `policy`: inject unless a pod says no (`enabled`), or only when it says yes (`disabled`). */
export type InjectionPolicy = 'enabled' | 'disabled';

/** A Kubernetes label selector (metav1.LabelSelector). */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; readonly values?: readonly string[] }[];
}

/** The injector's policy settings (Istio's injection Config: policy, neverInjectSelector, alwaysInjectSelector). */
export interface PolicyConfig {
  readonly policy: InjectionPolicy;
  /** Pods matching one of these are not injected unless they ask (wins over alwaysInjectSelector). */
  readonly neverInjectSelector?: readonly LabelSelector[];
  /** Pods matching one of these are injected unless they refuse. */
  readonly alwaysInjectSelector?: readonly LabelSelector[];
  /** Namespaces never injected. Default: {@link IGNORED_NAMESPACES}. */
  readonly ignoredNamespaces?: readonly string[];
}

/** Istio's IgnoredNamespaces: Kubernetes' own namespaces and kind's local-path-storage. */
export const IGNORED_NAMESPACES = Object.freeze(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/** A decision and why, for logs and skip messages. */
export interface Decision {
  readonly inject: boolean;
  readonly reason: string;
}

/** Whether `labels` match `selector`; an empty selector matches nothing here, as Istio skips empty selectors. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const ml = Object.entries(selector.matchLabels ?? {});
  const me = selector.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false;
  if (!ml.every(([k, v]) => labels[k] === v)) return false;
  return me.every((e) => {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In':
        return has && (e.values ?? []).includes(labels[e.key] ?? '');
      case 'NotIn':
        return !has || !(e.values ?? []).includes(labels[e.key] ?? '');
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      default:
        return false;
    }
  });
}

/**
 * Istio's injectRequired, for a pod whose namespace is `metadata.namespace`. Order: host networking
 * never; ignored namespaces never; then the pod's choice — the `sidecar.istio.io/inject` label, else
 * the annotation (`y`, `yes`, `true`, `on` in any case mean yes; any other non-empty value means no);
 * without a choice, neverInjectSelector then alwaysInjectSelector; without any, the policy.
 * An already injected pod is injected again (the injection is idempotent), as in Istio.
 */
export function injectRequired(spec: PodSpec, metadata: ObjectMeta, config: PolicyConfig): Decision {
  if (spec.hostNetwork === true) return { inject: false, reason: 'the pod uses the host network' };
  const ns = metadata.namespace ?? '';
  if ((config.ignoredNamespaces ?? IGNORED_NAMESPACES).includes(ns)) return { inject: false, reason: `namespace ${ns} is never injected` };
  const labels = metadata.labels ?? {};
  const label = labels[ISTIO_LABELS.sidecarInject];
  const choice = label ?? metadata.annotations?.[ISTIO_ANNOTATIONS.sidecarInject] ?? '';
  const source = label !== undefined ? 'label' : 'annotation';
  if (choice !== '') {
    const yes = ['y', 'yes', 'true', 'on'].includes(choice.toLowerCase());
    return { inject: yes, reason: `${source} sidecar.istio.io/inject=${choice}` };
  }
  if ((config.neverInjectSelector ?? []).some((s) => selectorMatches(s, labels))) return { inject: false, reason: 'labels match neverInjectSelector' };
  if ((config.alwaysInjectSelector ?? []).some((s) => selectorMatches(s, labels))) return { inject: true, reason: 'labels match alwaysInjectSelector' };
  return config.policy === 'enabled' ? { inject: true, reason: 'policy enabled' } : { inject: false, reason: 'policy disabled and the pod does not ask for injection' };
}

const state = (v: string | undefined): 'enabled' | 'disabled' | 'other' | 'unset' => (v === undefined ? 'unset' : v === 'enabled' ? 'enabled' : v === 'disabled' ? 'disabled' : 'other');

/**
 * What the API server decides before calling the injector, from the namespace and pod labels, as
 * Istio's default MutatingWebhookConfiguration for `revision` ('' = default) selects:
 * - namespace `istio-injection` (or Weft's `weft-injection`) set: `enabled` sends every pod not
 *   labelled `sidecar.istio.io/inject=false`; any other value (`disabled`) sends none — not even a
 *   pod labelled `sidecar.istio.io/inject=true`; `disabled` on either label wins;
 * - else namespace `istio.io/rev=<revision>`: every pod not labelled inject=false;
 * - else (no namespace label): only pods labelled `sidecar.istio.io/inject=true` (with no other
 *   `istio.io/rev` label) or `istio.io/rev=<revision>`. The annotation is not seen by the API server.
 */
export function namespaceSelects(namespaceLabels: Readonly<Record<string, string>>, podLabels: Readonly<Record<string, string>>, revision = ''): Decision {
  const rev = revision === '' ? 'default' : revision;
  const istio = state(namespaceLabels[ISTIO_LABELS.istioInjection]);
  const weft = state(namespaceLabels[WEFT_INJECTION_LABEL]);
  const podInject = podLabels[ISTIO_LABELS.sidecarInject];
  const podRev = podLabels[ISTIO_LABELS.istioRevision];
  if (istio !== 'unset' || weft !== 'unset') {
    if (istio === 'disabled' || weft === 'disabled' || (istio !== 'enabled' && weft !== 'enabled')) {
      return { inject: false, reason: 'namespace injection label is not enabled' };
    }
    if (podInject === 'false') return { inject: false, reason: 'pod label sidecar.istio.io/inject=false' };
    return { inject: true, reason: `namespace label ${istio === 'enabled' ? ISTIO_LABELS.istioInjection : WEFT_INJECTION_LABEL}=enabled` };
  }
  const nsRev = namespaceLabels[ISTIO_LABELS.istioRevision];
  if (nsRev !== undefined) {
    if (nsRev !== rev) return { inject: false, reason: `namespace istio.io/rev=${nsRev} belongs to another revision` };
    if (podInject === 'false') return { inject: false, reason: 'pod label sidecar.istio.io/inject=false' };
    return { inject: true, reason: `namespace istio.io/rev=${nsRev}` };
  }
  if (podInject === 'false') return { inject: false, reason: 'pod label sidecar.istio.io/inject=false' };
  if (podRev !== undefined) return podRev === rev ? { inject: true, reason: `pod label istio.io/rev=${podRev}` } : { inject: false, reason: `pod istio.io/rev=${podRev} belongs to another revision` };
  if (podInject === 'true') return { inject: true, reason: 'pod label sidecar.istio.io/inject=true' };
  return { inject: false, reason: 'neither the namespace nor the pod asks for injection' };
}
