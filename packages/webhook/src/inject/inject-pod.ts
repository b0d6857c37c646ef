// The injection of one pod, as Istio's injectPod: strip an earlier injection (idempotency), render the
// templates the pod asks for (inject.istio.io/templates, default `sidecar`) and overlay them with a
// strategic merge, re-apply the user's own istio-proxy / istio-init fields on top, then post-process
// (cluster env from the webhook path, metrics merging, probe rewrite, status annotation, container
// order). Pure: returns the injected pod or the reason it cannot be injected; never throws for bad input.

import { ISTIO_ANNOTATIONS as A, ISTIO_LABELS as L } from '@weft/shared';
import { InjectionError } from '../errors.js';
import { annotationProblems } from './annotation-validation.js';
import type { InjectOptions } from './inject-options.js';
import { cloneJson, isObject, podShapeProblems, type Container, type DeployMeta, type EnvVar, type ObjectMeta, type Pod, type TypeMeta } from './kube-types.js';
import { applyPrometheusMerge, clearPrometheusAnnotations, prometheusPortOf } from './prometheus-merge.js';
import { rewriteAppProbers, shouldRewriteAppProbers } from './probe-rewrite.js';
import { effectiveProxyConfig } from './proxy-config.js';
import { CORE_DUMP_CONTAINER, INIT_CONTAINER, PROXY_CONTAINER, TEMPLATES, VALIDATION_CONTAINER, type TemplateData } from './sidecar-template.js';
import { POD_SCHEMA, strategicMerge } from './strategic-merge.js';

/** The containers and volumes an injection added, as the sidecar.istio.io/status annotation records them. */
export interface InjectionStatus {
  readonly initContainers: readonly string[] | null;
  readonly containers: readonly string[] | null;
  readonly volumes: readonly string[] | null;
  readonly imagePullSecrets: readonly string[] | null;
  readonly revision: string;
}

/** What {@link injectPod} works on. */
export interface PodInjection {
  /** The pod (or pod template: metadata + spec). Not modified. */
  readonly pod: Pod;
  /** The workload the pod belongs to (kube-inject: the workload; webhook: see deployMetaFromPod). */
  readonly deployMeta: DeployMeta;
  readonly typeMeta: TypeMeta;
  /** Proxy environment overrides from the webhook URL path (`/inject/cluster/c1/net/n1`). */
  readonly proxyEnvs?: Readonly<Record<string, string>>;
}

/** The outcome of an injection. */
export type InjectPodResult = { readonly ok: true; readonly pod: Pod } | { readonly ok: false; readonly error: InjectionError };

const fail = (code: InjectionError['code'], message: string): InjectPodResult => ({ ok: false, error: new InjectionError(code, message) });

/** The status annotation of a pod, when it has a readable one. */
export function injectionStatusOf(pod: Pod): InjectionStatus | undefined {
  const raw = pod.metadata?.annotations?.[A.sidecarStatus];
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<InjectionStatus>;
    return typeof v === 'object' && v !== null ? { initContainers: v.initContainers ?? null, containers: v.containers ?? null, volumes: v.volumes ?? null, imagePullSecrets: v.imagePullSecrets ?? null, revision: v.revision ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

/** Removes what an earlier injection added (its containers, the agent's prometheus annotations, the status). */
function stripPod(pod: Pod, options: InjectOptions): Pod {
  const status = injectionStatusOf(pod);
  if (!status) return pod;
  const out = cloneJson(pod);
  const spec = (out.spec ??= {});
  if (spec.containers) spec.containers = spec.containers.filter((c) => !(status.containers ?? []).includes(c.name));
  if (spec.initContainers) spec.initContainers = spec.initContainers.filter((c) => !(status.initContainers ?? []).includes(c.name));
  const annotations = (out.metadata ??= {}).annotations ?? {};
  if (prometheusPortOf(annotations) === String(options.statusPort)) clearPrometheusAnnotations(annotations);
  delete annotations[A.sidecarStatus];
  return out;
}

interface Overrides {
  containers?: Container[];
  initContainers?: Container[];
}

function parseOverrides(pod: Pod): Overrides | { error: string } {
  const raw = pod.metadata?.annotations?.[A.proxyOverrides];
  if (raw === undefined) return {};
  try {
    const v = JSON.parse(raw) as unknown;
    if (!isObject(v) || (v.containers !== undefined && !Array.isArray(v.containers)) || (v.initContainers !== undefined && !Array.isArray(v.initContainers))) throw new Error('not an object of container lists');
    return v as Overrides;
  } catch (e) {
    return { error: `"${A.proxyOverrides}": ${(e as Error).message}` };
  }
}

/** Puts back containers recorded in proxy.istio.io/overrides that an earlier strip removed. */
function reinsertOverrides(pod: Pod, overrides: Overrides): Pod {
  const out = cloneJson(pod);
  const spec = (out.spec ??= {});
  for (const c of overrides.containers ?? []) if (!(spec.containers ?? []).some((x) => x.name === c.name)) (spec.containers ??= []).push(cloneJson(c));
  for (const c of overrides.initContainers ?? []) if (!(spec.initContainers ?? []).some((x) => x.name === c.name)) (spec.initContainers ??= []).push(cloneJson(c));
  return out;
}

const find = (name: string, list: readonly Container[] | undefined): Container | undefined => list?.find((c) => c.name === name);

/** Go's json.Marshal field order of corev1.Container, for the overrides annotation. */
const CONTAINER_FIELDS = [
  'name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeMounts', 'volumeDevices',
  'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty',
];

function goOrdered(c: Container): Container {
  const out: Record<string, unknown> = {};
  for (const k of CONTAINER_FIELDS) if (c[k] !== undefined) out[k] = c[k];
  for (const [k, v] of Object.entries(c)) if (!(k in out)) out[k] = v;
  // Go always writes `resources` (a struct, not a pointer).
  if (out.resources === undefined) out.resources = {};
  return out as Container;
}

/**
 * Re-applies the user's own fields of containers the template also defines (an `istio-proxy` in the
 * pod spec customises the injected one; image `auto` means "the injected image"), records them in
 * proxy.istio.io/overrides for the next injection, and gives istio-init the user's proxy uid (Istio's
 * reapplyOverwrittenContainers + adjustInitContainerUser).
 */
function reapplyOverwritten(finalPod: Pod, original: Pod, templatePod: Pod, existing: Overrides, options: InjectOptions, mode: string): Pod {
  const status = injectionStatusOf(original);
  const applied: Overrides = {};
  let pod = finalPod;
  const pick = (name: string, fromExisting: Container[] | undefined, init: boolean): Container | undefined =>
    find(name, fromExisting) ?? (init ? (find(name, original.spec?.containers) ?? find(name, original.spec?.initContainers)) : find(name, original.spec?.containers));
  for (const [field, init] of [
    ['containers', false],
    ['initContainers', true],
  ] as const) {
    for (const t of templatePod.spec?.[field] ?? []) {
      if ((status?.[field] ?? []).includes(t.name)) continue;
      const match = pick(t.name, existing[field], init);
      if (!match) continue;
      const overlay = cloneJson(match);
      if (overlay.image === 'auto') delete overlay.image;
      (applied[field] ??= []).push(overlay);
      pod = strategicMerge(pod, { spec: { [field]: [overlay] } });
    }
  }
  if (!status && (applied.containers || applied.initContainers)) {
    const annotations = ((pod.metadata ??= {}).annotations ??= {});
    const ordered: Record<string, unknown> = {};
    if (applied.containers) ordered.containers = applied.containers.map(goOrdered);
    if (applied.initContainers) ordered.initContainers = applied.initContainers.map(goOrdered);
    annotations[A.proxyOverrides] = JSON.stringify(ordered);
  }
  adjustInitContainerUser(pod, original, options, mode);
  return pod;
}

function adjustInitContainerUser(pod: Pod, original: Pod, options: InjectOptions, mode: string): void {
  const user = find(PROXY_CONTAINER, original.spec?.containers) ?? find(PROXY_CONTAINER, original.spec?.initContainers);
  const sc = user?.securityContext;
  if (!sc || (sc.runAsUser === undefined && sc.runAsGroup === undefined)) return;
  const init = find(INIT_CONTAINER, pod.spec?.initContainers) ?? find(VALIDATION_CONTAINER, pod.spec?.initContainers);
  if (!init) return;
  const tproxy = options.interceptionMode === 'TPROXY' || pod.metadata?.annotations?.[A.interceptionMode] === 'TPROXY' || mode === 'TPROXY';
  if (tproxy && sc.runAsUser !== undefined) {
    // TPROXY needs the proxy to run as root.
    const proxy = find(PROXY_CONTAINER, pod.spec?.containers) ?? find(PROXY_CONTAINER, pod.spec?.initContainers);
    if (proxy?.securityContext) proxy.securityContext.runAsUser = 0;
  }
  if (!tproxy && init.name === VALIDATION_CONTAINER) {
    init.securityContext ??= {};
    if (sc.runAsUser !== undefined) init.securityContext.runAsUser = sc.runAsUser;
    if (sc.runAsGroup !== undefined) init.securityContext.runAsGroup = sc.runAsGroup;
  }
  // iptables' --uid-owner must not be 0.
  if (sc.runAsUser === undefined || sc.runAsUser === 0 || !init.args) return;
  const at = init.args.indexOf('-u');
  if (at >= 0 && at + 1 < init.args.length) init.args[at + 1] = String(sc.runAsUser);
}

/** Replaces (or adds, sorted, at the end) the proxy env variables given by the webhook path (updateClusterEnvs). */
function overwriteClusterEnvs(pod: Pod, envs: Readonly<Record<string, string>>): void {
  const names = Object.keys(envs);
  if (names.length === 0) return;
  const proxy = find(PROXY_CONTAINER, pod.spec?.containers) ?? find(PROXY_CONTAINER, pod.spec?.initContainers);
  if (!proxy) return;
  const kept: EnvVar[] = (proxy.env ?? []).filter((e) => !names.includes(e.name));
  for (const name of names.sort()) kept.push({ name, value: envs[name] ?? '' });
  proxy.env = kept;
}

type Placement = 'first' | 'last' | 'remove';

function moveContainer(list: Container[] | undefined, name: string, where: Placement): Container[] | undefined {
  if (!list) return list;
  const match = list.find((c) => c.name === name);
  if (!match) return list;
  const rest = list.filter((c) => c !== match);
  return where === 'first' ? [match, ...rest] : where === 'last' ? [...rest, match] : rest;
}

/** Istio's reorderPod: the proxy last (or first to hold the app), init containers around it. */
function reorderPod(pod: Pod, hold: boolean, beforeProxy: readonly string[]): void {
  const spec = (pod.spec ??= {});
  spec.containers = moveContainer(spec.containers, PROXY_CONTAINER, hold ? 'first' : 'last');
  if ((spec.initContainers ?? []).some((c) => c.name === PROXY_CONTAINER)) {
    // Native sidecars: istio-init / istio-validation, then the proxy, then the rest.
    spec.initContainers = moveContainer(spec.initContainers, CORE_DUMP_CONTAINER, 'first');
    spec.initContainers = moveContainer(spec.initContainers, PROXY_CONTAINER, 'first');
    for (const name of [...beforeProxy].reverse()) spec.initContainers = moveContainer(spec.initContainers, name, 'first');
    spec.initContainers = moveContainer(spec.initContainers, VALIDATION_CONTAINER, 'first');
    spec.initContainers = moveContainer(spec.initContainers, INIT_CONTAINER, 'first');
  } else {
    // Validation first to block the app; iptables last so earlier init containers are not captured.
    spec.initContainers = moveContainer(spec.initContainers, VALIDATION_CONTAINER, 'first');
    spec.initContainers = moveContainer(spec.initContainers, INIT_CONTAINER, 'last');
    spec.initContainers = moveContainer(spec.initContainers, CORE_DUMP_CONTAINER, 'last');
  }
}

/** The status annotation value for a rendered template pod (Go's field order; nil lists are null). */
export function injectionStatusJson(templatePod: Pod, revision: string): string {
  const names = <T extends { name: string }>(list: readonly T[] | undefined): string[] | null => (list && list.length > 0 ? list.map((x) => x.name) : null);
  const spec = templatePod.spec ?? {};
  return JSON.stringify({
    initContainers: names(spec.initContainers),
    containers: names(spec.containers),
    volumes: names(spec.volumes as { name: string }[] | undefined),
    imagePullSecrets: names(spec.imagePullSecrets),
    revision: revision === '' ? 'default' : revision,
  });
}

/** The templates a pod asks for (inject.istio.io/templates, comma-separated), else `sidecar`. */
export function templateNamesOf(metadata: ObjectMeta): string[] {
  const raw = metadata.annotations?.[A.injectTemplates];
  if (raw === undefined) return ['sidecar'];
  return raw.split(',').map((n) => n.trim());
}

/**
 * Injects the proxy into `input.pod` with `options`. Errors (never thrown): a pod not shaped like a
 * pod, an injection annotation Istio rejects, an unknown template. Policy (whether to inject at all)
 * is not decided here: see policy.ts.
 */
export function injectPod(input: PodInjection, options: InjectOptions): InjectPodResult {
  const shape = podShapeProblems(input.pod);
  if (shape.length > 0) return fail('WEFT_ERR_INJECT_BAD_OBJECT', `not a pod: ${shape.join('; ')}`);
  const original = cloneJson(input.pod);
  const annotations = original.metadata?.annotations ?? {};
  const problems = annotationProblems(annotations);
  if (problems.length > 0) return fail('WEFT_ERR_INJECT_BAD_ANNOTATION', `invalid annotations: ${problems.join('; ')}`);
  const proxyConfig = effectiveProxyConfig(annotations, options);
  if (!proxyConfig.ok) return fail('WEFT_ERR_INJECT_BAD_ANNOTATION', `invalid annotations: ${proxyConfig.error}`);
  const overrides = parseOverrides(original);
  if ('error' in overrides) return fail('WEFT_ERR_INJECT_BAD_ANNOTATION', `invalid annotations: ${overrides.error}`);

  const stripped = reinsertOverrides(stripPod(original, options), overrides);
  const data: TemplateData = {
    typeMeta: input.typeMeta,
    deployMeta: input.deployMeta,
    metadata: stripped.metadata ?? {},
    spec: stripped.spec ?? {},
    proxyConfig: proxyConfig.value,
    options,
  };
  let merged = original;
  let templatePod: Pod = {};
  for (const name of templateNamesOf(data.metadata)) {
    const template = TEMPLATES.get(name);
    if (!template) return fail('WEFT_ERR_INJECT_UNKNOWN_TEMPLATE', `requested template "${name}" not found; have ${[...TEMPLATES.keys()].sort().join(', ')}`);
    const rendered = template(data);
    templatePod = strategicMerge(templatePod, rendered);
    // Native sidecars: a user's istio-proxy under `containers` customises the one the template puts in initContainers.
    if (find(PROXY_CONTAINER, templatePod.spec?.initContainers) && find(PROXY_CONTAINER, merged.spec?.containers)) {
      merged = cloneJson(merged);
      const spec = (merged.spec ??= {});
      const proxy = find(PROXY_CONTAINER, spec.containers);
      spec.containers = (spec.containers ?? []).filter((c) => c !== proxy);
      if (proxy) (spec.initContainers ??= []).push(proxy);
    }
    merged = strategicMerge(merged, rendered, POD_SCHEMA);
  }
  const mode = annotations[A.interceptionMode] ?? proxyConfig.value.interceptionMode;
  let pod = reapplyOverwritten(merged, original, templatePod, overrides, options, mode);

  // Post-processing (Istio's postProcessPod).
  const metadata = (pod.metadata ??= {});
  const podAnnotations = (metadata.annotations ??= {});
  const podLabels = (metadata.labels ??= {});
  const proxyEnvs: Record<string, string> = { ...(options.network !== '' ? { ISTIO_META_NETWORK: options.network } : {}), ...input.proxyEnvs };
  const networkLabel = original.metadata?.labels?.[L.network];
  if (networkLabel !== undefined) proxyEnvs.ISTIO_META_NETWORK = networkLabel;
  overwriteClusterEnvs(pod, proxyEnvs);
  applyPrometheusMerge(pod, options.statusPort, options.enablePrometheusMerge);
  if (shouldRewriteAppProbers(podAnnotations, options.rewriteAppHttpProbe)) rewriteAppProbers(pod, options.statusPort, original.metadata?.annotations?.[A.sidecarStatus] !== undefined);
  if (proxyEnvs.ISTIO_META_NETWORK !== undefined) podLabels[L.network] = proxyEnvs.ISTIO_META_NETWORK;
  podAnnotations[A.sidecarStatus] = injectionStatusJson(templatePod, options.revision);
  const native = find(PROXY_CONTAINER, pod.spec?.initContainers) !== undefined;
  const hold = (proxyConfig.value.holdApplicationUntilProxyStarts || options.holdApplicationUntilProxyStarts) && !native;
  const beforeProxy = (podAnnotations['sidecar.istio.io/init-containers-before-proxy'] ?? '').split(',').filter((n) => n !== '');
  reorderPod(pod, hold, [...new Set(beforeProxy)]);
  setLabelsEnv(pod);
  pod = dropEmpty(pod);
  return { ok: true, pod };
}

/** weft-proxy learns its workload labels from ISTIO_METAJSON_LABELS (Istio's earlier templates set it too). */
function setLabelsEnv(pod: Pod): void {
  const proxy = find(PROXY_CONTAINER, pod.spec?.containers) ?? find(PROXY_CONTAINER, pod.spec?.initContainers);
  if (!proxy) return;
  const labels = pod.metadata?.labels ?? {};
  const value = JSON.stringify(Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]])));
  const env = (proxy.env ??= []).filter((e) => e.name !== 'ISTIO_METAJSON_LABELS');
  env.push({ name: 'ISTIO_METAJSON_LABELS', value });
  // The young-generation cap and one V8 background thread keep weft-proxy's RSS low under load
  // (packages/proxy/README.md, "Memory"); V8 reads them only at start, so they go in the environment.
  // A NODE_OPTIONS the pod's own istio-proxy container sets wins.
  if (!env.some((e) => e.name === 'NODE_OPTIONS')) env.push({ name: 'NODE_OPTIONS', value: PROXY_NODE_OPTIONS });
  proxy.env = env;
}

/** NODE_OPTIONS of the injected weft-proxy. */
export const PROXY_NODE_OPTIONS = '--max-semi-space-size=1 --v8-pool-size=1';

/** Drops empty label / annotation maps the post-processing created on a pod that had none. */
function dropEmpty(pod: Pod): Pod {
  const m = pod.metadata;
  if (m?.labels && Object.keys(m.labels).length === 0) delete m.labels;
  if (m?.annotations && Object.keys(m.annotations).length === 0) delete m.annotations;
  return pod;
}

