// The injection function, shared by the webhook and `weftctl kube-inject` (Linkerd's pkg/inject idea):
// everything a caller needs to inject an object or a pod and to decide whether to.

export { annotationProblems, excludeInboundPort, parsePorts } from './annotation-validation.js';
export { createInjectOptions, DEFAULT_PROXY_IMAGE, INTERCEPTION_MODES, istiodAddress, type InjectOptions, type InterceptionMode, type ResourceRequirements } from './inject-options.js';
export { injectObject, type InjectObjectResult } from './inject-object.js';
export { injectionStatusOf, injectPod, templateNamesOf, type InjectionStatus, type InjectPodResult, type PodInjection } from './inject-pod.js';
export { createJsonPatch, escapePointerToken, type JsonPatchOperation } from './json-patch.js';
export type { Container, DeployMeta, EnvVar, ObjectMeta, Pod, PodSpec, TypeMeta } from './kube-types.js';
export { IGNORED_NAMESPACES, injectRequired, namespaceSelects, selectorMatches, type Decision, type InjectionPolicy, type LabelSelector, type PolicyConfig } from './policy.js';
export { INIT_CONTAINER, PROXY_CONTAINER, TEMPLATES, VALIDATION_CONTAINER, WEFT_EXTRA_ENV } from './sidecar-template.js';
export { deployMetaFromPod, podSlotOf } from './workload.js';
