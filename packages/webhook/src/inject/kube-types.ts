// The slice of the Kubernetes object model the injector reads and writes: loose, JSON-shaped types
// (unknown fields are kept as they come), plus the shape checks that turn an untyped document into them.

/** Any JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object (Kubernetes objects are these all the way down). */
export type JsonObject = { [key: string]: Json };

/** `metav1.OwnerReference`, the fields the injector reads. */
export interface OwnerReference {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly name?: string;
  readonly controller?: boolean;
}

/** `metav1.ObjectMeta`, the fields the injector reads or writes; anything else is carried along. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

/** `corev1.EnvVar`. */
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: JsonObject;
}

/** `corev1.ContainerPort`. */
export interface ContainerPort {
  name?: string;
  hostPort?: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
  [key: string]: unknown;
}

/** `corev1.HTTPGetAction`; `port` is an IntOrString. */
export interface HttpGetAction {
  path?: string;
  port?: number | string;
  host?: string;
  scheme?: string;
  httpHeaders?: Json[];
  [key: string]: unknown;
}

/** A probe or lifecycle handler: the action fields the probe rewrite reads. */
export interface ProbeHandler {
  httpGet?: HttpGetAction;
  tcpSocket?: { port?: number | string; host?: string; [key: string]: unknown };
  grpc?: { port?: number; service?: string; [key: string]: unknown };
  exec?: JsonObject;
  timeoutSeconds?: number;
  [key: string]: unknown;
}

/** `corev1.Container`, the fields the injector reads or writes. */
export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  ports?: ContainerPort[];
  env?: EnvVar[];
  resources?: JsonObject;
  restartPolicy?: string;
  volumeMounts?: JsonObject[];
  livenessProbe?: ProbeHandler;
  readinessProbe?: ProbeHandler;
  startupProbe?: ProbeHandler;
  lifecycle?: { preStop?: ProbeHandler; postStart?: ProbeHandler; [key: string]: unknown };
  securityContext?: { runAsUser?: number; runAsGroup?: number; [key: string]: unknown };
  [key: string]: unknown;
}

/** `corev1.PodSpec`, the fields the injector reads or writes. */
export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  volumes?: JsonObject[];
  imagePullSecrets?: { name: string }[];
  hostNetwork?: boolean;
  serviceAccountName?: string;
  securityContext?: JsonObject;
  [key: string]: unknown;
}

/** A Pod, or the `template` of a workload (metadata + spec). */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  [key: string]: unknown;
}

/** Name and namespace of the workload a pod belongs to (Istio's DeploymentMeta). */
export interface DeployMeta {
  readonly name: string;
  readonly namespace: string;
}

/** apiVersion + kind of that workload (Istio's TypeMeta). */
export interface TypeMeta {
  readonly apiVersion: string;
  readonly kind: string;
}

/** Whether `v` is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A deep copy of a JSON-shaped value. */
export function cloneJson<T>(v: T): T {
  return structuredClone(v);
}

/**
 * Checks that `value` is shaped like a Pod (or pod template) where the injector will read it: metadata
 * maps of strings, containers with string names, arrays where arrays belong. Returns every problem
 * found, with its field path; an empty list means the injector can work on it.
 */
export function podShapeProblems(value: unknown, at = ''): string[] {
  const problems: string[] = [];
  if (!isObject(value)) return [`${at || 'object'} is not an object`];
  const meta = value.metadata;
  if (meta !== undefined && meta !== null) {
    if (!isObject(meta)) problems.push(`${at}metadata is not an object`);
    else {
      for (const field of ['labels', 'annotations'] as const) {
        const m = meta[field];
        if (m === undefined || m === null) continue;
        if (!isObject(m)) problems.push(`${at}metadata.${field} is not an object`);
        else for (const [k, v] of Object.entries(m)) if (typeof v !== 'string') problems.push(`${at}metadata.${field}["${k}"] is not a string`);
      }
      for (const field of ['name', 'generateName', 'namespace'] as const) {
        const v = meta[field];
        if (v !== undefined && v !== null && typeof v !== 'string') problems.push(`${at}metadata.${field} is not a string`);
      }
      if (meta.ownerReferences !== undefined && meta.ownerReferences !== null && !Array.isArray(meta.ownerReferences)) problems.push(`${at}metadata.ownerReferences is not a list`);
    }
  }
  const spec = value.spec;
  if (!isObject(spec)) {
    problems.push(`${at}spec is missing or not an object`);
    return problems;
  }
  for (const field of ['containers', 'initContainers'] as const) {
    const list = spec[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) {
      problems.push(`${at}spec.${field} is not a list`);
      continue;
    }
    list.forEach((c, i) => {
      const where = `${at}spec.${field}[${i}]`;
      if (!isObject(c)) return void problems.push(`${where} is not an object`);
      if (typeof c.name !== 'string') problems.push(`${where}.name is not a string`);
      for (const arr of ['ports', 'env', 'volumeMounts', 'args', 'command'] as const) {
        if (c[arr] !== undefined && c[arr] !== null && !Array.isArray(c[arr])) problems.push(`${where}.${arr} is not a list`);
      }
      if (Array.isArray(c.env)) c.env.forEach((e, j) => isObject(e) && typeof e.name === 'string' ? undefined : problems.push(`${where}.env[${j}].name is not a string`));
      if (Array.isArray(c.ports)) c.ports.forEach((p, j) => isObject(p) && typeof p.containerPort === 'number' ? undefined : problems.push(`${where}.ports[${j}].containerPort is not a number`));
    });
  }
  for (const field of ['volumes', 'imagePullSecrets'] as const) {
    const list = spec[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) problems.push(`${at}spec.${field} is not a list`);
    else list.forEach((v, i) => (isObject(v) && typeof v.name === 'string' ? undefined : problems.push(`${at}spec.${field}[${i}].name is not a string`)));
  }
  return problems;
}
