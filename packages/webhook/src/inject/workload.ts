// Where the pod is in each workload kind kube-inject accepts, and which workload a pod belongs to
// (Istio's IntoObject kind switch and kube.GetDeployMetaFromPod heuristics: Deployment from the
// ReplicaSet's pod-template-hash, CronJob from the Job's timestamp suffix, DeploymentConfig from its label).

import type { DeployMeta, ObjectMeta, Pod, PodSpec, TypeMeta } from './kube-types.js';
import { isObject } from './kube-types.js';

/** Workload kinds whose `spec.template` is a pod template (Istio's injectScheme). */
export const TEMPLATE_KINDS: ReadonlySet<string> = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicationController', 'DeploymentConfig']);

/** The injectable part of a workload: the metadata and spec to inject, and the workload they belong to. */
export interface PodSlot {
  /** The metadata the template's labels and annotations go to. */
  readonly metadata: ObjectMeta;
  readonly spec: PodSpec;
  readonly deployMeta: DeployMeta;
  readonly typeMeta: TypeMeta;
  /** Writes the injected metadata and spec back into the workload. */
  write(metadata: ObjectMeta, spec: PodSpec): void;
}

const CRONJOB_NAME = /^(.+)-\d{8,10}$/;

/** The workload a pod belongs to, guessed from its controller owner (kube.GetDeployMetaFromPod). */
export function deployMetaFromPod(pod: Pod): { deployMeta: DeployMeta; typeMeta: TypeMeta } {
  const meta = pod.metadata ?? {};
  let name = meta.name ?? '';
  const namespace = meta.namespace ?? '';
  let typeMeta: TypeMeta = { apiVersion: 'v1', kind: 'Pod' };
  if ((meta.generateName ?? '') !== '') {
    const controller = (meta.ownerReferences ?? []).find((r) => isObject(r) && r.controller === true);
    if (controller) {
      let kind = controller.kind ?? '';
      let apiVersion = controller.apiVersion ?? '';
      name = controller.name ?? '';
      const labels = meta.labels ?? {};
      const hash = labels['pod-template-hash'] ?? '';
      const rolloutHash = labels['rollouts-pod-template-hash'] ?? '';
      if (kind === 'ReplicaSet' && hash !== '' && name.endsWith(hash)) {
        name = name.slice(0, -(hash.length + 1));
        kind = 'Deployment';
      } else if (kind === 'ReplicaSet' && rolloutHash !== '' && name.endsWith(rolloutHash)) {
        name = name.slice(0, -(rolloutHash.length + 1));
        kind = 'Rollout';
        apiVersion = 'v1alpha1';
      } else if (kind === 'ReplicationController' && (labels.deploymentconfig ?? '') !== '') {
        name = labels.deploymentconfig ?? '';
        kind = 'DeploymentConfig';
      } else if (kind === 'Job') {
        const m = CRONJOB_NAME.exec(name);
        if (m?.[1]) {
          name = m[1];
          kind = 'CronJob';
          apiVersion = 'batch/v1';
        }
      }
      typeMeta = { apiVersion, kind };
    }
  }
  if (name === '') name = meta.name ?? '';
  return { deployMeta: { name, namespace }, typeMeta };
}

/**
 * The pod slot of a Kubernetes object: the pod itself, the pod template of a workload, the job
 * template of a CronJob (Istio labels and annotates the CronJob's jobTemplate metadata, and Weft
 * keeps that for kube-inject parity). Undefined for kinds without pods; an error when a workload has
 * no template.
 */
export function podSlotOf(object: Record<string, unknown>): PodSlot | undefined | { error: string } {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const meta = (isObject(object.metadata) ? object.metadata : {}) as ObjectMeta;
  const workload: DeployMeta = { name: meta.name ?? '', namespace: meta.namespace ?? '' };
  if (kind === 'Pod') {
    const pod = object as Pod;
    const { deployMeta, typeMeta } = deployMetaFromPod(pod);
    return {
      metadata: pod.metadata ?? {},
      spec: pod.spec ?? {},
      deployMeta,
      typeMeta,
      write(metadata, spec) {
        object.metadata = metadata;
        object.spec = spec;
      },
    };
  }
  if (kind === 'CronJob') {
    const spec = isObject(object.spec) ? object.spec : undefined;
    const jobTemplate = spec && isObject(spec.jobTemplate) ? spec.jobTemplate : undefined;
    const jobSpec = jobTemplate && isObject(jobTemplate.spec) ? jobTemplate.spec : undefined;
    const template = jobSpec && isObject(jobSpec.template) ? jobSpec.template : undefined;
    if (!jobTemplate || !jobSpec || !template) return { error: 'spec.jobTemplate.spec.template is required value' };
    return {
      metadata: (isObject(jobTemplate.metadata) ? jobTemplate.metadata : {}) as ObjectMeta,
      spec: (isObject(template.spec) ? template.spec : {}) as PodSpec,
      deployMeta: workload,
      typeMeta: { apiVersion, kind },
      write(metadata, podSpec) {
        jobTemplate.metadata = metadata;
        template.spec = podSpec;
      },
    };
  }
  if (!TEMPLATE_KINDS.has(kind)) return undefined;
  const spec = isObject(object.spec) ? object.spec : undefined;
  const template = spec && isObject(spec.template) ? spec.template : undefined;
  if (!template) return { error: 'spec.template is required value' };
  return {
    metadata: (isObject(template.metadata) ? template.metadata : {}) as ObjectMeta,
    spec: (isObject(template.spec) ? template.spec : {}) as PodSpec,
    deployMeta: workload,
    typeMeta: { apiVersion, kind },
    write(metadata, podSpec) {
      template.metadata = metadata;
      template.spec = podSpec;
    },
  };
}
