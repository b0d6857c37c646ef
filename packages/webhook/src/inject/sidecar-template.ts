// Istio's injection templates, written as code: `sidecar` (the default: manifests/charts/istio-control/
// istio-discovery/files/injection-template.yaml) and `gateway` (gateway-injection-template.yaml).
// Each renders the partial pod (labels, annotations, init containers, containers, volumes) that
// inject-pod.ts overlays on the application pod. The proxy container runs weft-proxy, so its image,
// command line and lifecycle hooks are weft-proxy's; every other field is the template's.

import { ISTIO_ANNOTATIONS as A, ISTIO_LABELS as L } from '@weft/shared';
import { excludeInboundPort } from './annotation-validation.js';
import { istiodAddress, type InjectOptions } from './inject-options.js';
import type { Container, ContainerPort, DeployMeta, EnvVar, JsonObject, ObjectMeta, Pod, PodSpec, TypeMeta } from './kube-types.js';
import type { EffectiveProxyConfig } from './proxy-config.js';

/** Names of the containers Istio's templates add (users' tooling relies on them). */
export const PROXY_CONTAINER = 'istio-proxy';
export const INIT_CONTAINER = 'istio-init';
export const VALIDATION_CONTAINER = 'istio-validation';
export const CORE_DUMP_CONTAINER = 'enable-core-dump';

/** Ports of the proxy: Envoy-style Prometheus stats and health (readiness), fixed as in Istio. */
export const STATS_PORT = 15090;
export const HEALTH_PORT = 15021;

/** Where the template mounts the files weft-proxy reads. */
export const ROOT_CERT_FILE = '/var/run/secrets/istio/root-cert.pem';
export const TOKEN_FILE = '/var/run/secrets/tokens/istio-token';

/** Environment variables weft-proxy reads that Istio's current templates no longer set. */
export const WEFT_EXTRA_ENV = Object.freeze(['ISTIO_METAJSON_LABELS', 'NODE_OPTIONS']);

/** What a template renders from: the (stripped) pod, its workload, the options and the ProxyConfig. */
export interface TemplateData {
  readonly typeMeta: TypeMeta;
  readonly deployMeta: DeployMeta;
  readonly metadata: ObjectMeta;
  readonly spec: PodSpec;
  readonly proxyConfig: EffectiveProxyConfig;
  readonly options: InjectOptions;
}

/** A template: the partial pod it renders. */
export type InjectionTemplate = (data: TemplateData) => Pod;

/** Istio's `annotation` template function: the annotation when present (even empty), else the default. */
export function annotationOr(meta: ObjectMeta, name: string, fallback: string | number | boolean): string {
  const value = meta.annotations?.[name];
  return value !== undefined ? value : String(fallback);
}

/** sprig's `default`: the first non-empty value. */
const firstSet = (...values: (string | undefined)[]): string => values.find((v) => v !== undefined && v !== '') ?? '';

function truncLabel(value: string): string {
  const cut = value.slice(0, 63);
  return cut.endsWith('-') ? cut.slice(0, -1) : cut;
}

/** The canonical service name and revision labels, derived as Istio's template derives them. */
export function canonicalLabels(meta: ObjectMeta, deployMeta: DeployMeta): Record<string, string> {
  const l = meta.labels ?? {};
  return {
    [L.canonicalName]: truncLabel(firstSet(l[L.canonicalName], l['app.kubernetes.io/name'], l.app, deployMeta.name)),
    [L.canonicalRevision]: firstSet(l[L.canonicalRevision], l['app.kubernetes.io/version'], l.version, 'latest'),
  };
}

/** Names of the application containers: every container but istio-proxy, in order. */
export function appContainerNames(spec: PodSpec): string[] {
  return (spec.containers ?? []).filter((c) => c.name !== PROXY_CONTAINER).map((c) => c.name);
}

/** Whether the pod gets the proxy as a Kubernetes native sidecar (sidecar.istio.io/nativeSidecar, else the option). */
export function usesNativeSidecar(meta: ObjectMeta, options: InjectOptions): boolean {
  return firstSet(meta.annotations?.[A.nativeSidecar], String(options.nativeSidecars)) !== 'false';
}

/** The interception mode in force: the sidecar.istio.io/interceptionMode annotation, else the ProxyConfig's. */
export function interceptionModeOf(meta: ObjectMeta, proxyConfig: EffectiveProxyConfig): string {
  return annotationOr(meta, A.interceptionMode, proxyConfig.interceptionMode);
}

/** Go's json.Marshal of a ContainerPort, fields in Go's order (ISTIO_META_POD_PORTS). */
function portJson(p: ContainerPort): string {
  const ordered: Record<string, unknown> = {};
  for (const k of ['name', 'hostPort', 'containerPort', 'protocol', 'hostIP'] as const) if (p[k] !== undefined && p[k] !== '' && p[k] !== 0) ordered[k] = p[k];
  return JSON.stringify(ordered);
}

function podPortsEnv(spec: PodSpec): string {
  const ports = (spec.containers ?? []).flatMap((c) => c.ports ?? []).map(portJson);
  return ports.length === 0 ? '[\n]' : `[\n    ${ports.join('\n    ,')}\n]`;
}

const fieldRef = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
const resourceRef = (name: string, resource: string): EnvVar => ({ name, valueFrom: { resourceFieldRef: { divisor: '1', resource } } });

/** The proxy's environment, in the template's order (before post-processing adds probers, metrics, ...). */
function proxyEnv(d: TemplateData): EnvVar[] {
  const { options: o, metadata, spec, deployMeta, typeMeta } = d;
  const env: EnvVar[] = [];
  if (o.inboundTrafficPolicyMode === 'localhost') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push(
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: o.caAddress ?? istiodAddress(o, 15012) },
    fieldRef('POD_NAME', 'metadata.name'),
    fieldRef('POD_NAMESPACE', 'metadata.namespace'),
    fieldRef('INSTANCE_IP', 'status.podIP'),
    fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    fieldRef('HOST_IP', 'status.hostIP'),
    resourceRef('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: `${JSON.stringify(d.proxyConfig.json)}\n` },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsEnv(spec) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainerNames(spec).join(',') },
    resourceRef('GOMEMLIMIT', 'limits.memory'),
    { name: 'ISTIO_META_CLUSTER_ID', value: o.clusterId },
    fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: interceptionModeOf(metadata, d.proxyConfig) },
  );
  const workloadName = metadata.labels?.[L.workloadName] ?? deployMeta.name;
  if (workloadName !== '') env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workloadName });
  if (typeMeta.apiVersion !== '' && deployMeta.name !== '') {
    env.push({ name: 'ISTIO_META_OWNER', value: `kubernetes://apis/${typeMeta.apiVersion}/namespaces/${deployMeta.namespace || 'default'}/${typeMeta.kind.toLowerCase()}s/${deployMeta.name}` });
  }
  const meshId = o.meshId ?? o.trustDomain;
  if (meshId !== '') env.push({ name: 'ISTIO_META_MESH_ID', value: meshId });
  if (o.trustDomain !== '') env.push({ name: 'TRUST_DOMAIN', value: o.trustDomain });
  const version = metadata.labels?.['app.kubernetes.io/version'];
  if (version !== undefined && version !== '') {
    // OpenTelemetry resource attributes from the Kubernetes recommended labels (Istio's template,
    // inferred from its hello-otel-semconv golden).
    const ns = deployMeta.namespace || 'default';
    env.push({ name: 'OTEL_RESOURCE_ATTRIBUTES', value: `service.namespace=${ns},service.version=${version},service.instance.id=${ns}.$(POD_NAME).${appContainerNames(spec)[0] ?? PROXY_CONTAINER}` });
  }
  for (const [name, value] of Object.entries(d.proxyConfig.proxyMetadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) env.push({ name, value });
  return env;
}

/** The proxy's resources: the sidecar.istio.io/proxy{CPU,Memory}[Limit] annotations when any is set, else the option's. */
export function proxyResources(meta: ObjectMeta, options: InjectOptions): JsonObject | undefined {
  const a = meta.annotations ?? {};
  const cpu = a[A.proxyCpu];
  const memory = a[A.proxyMemory];
  const cpuLimit = a[A.proxyCpuLimit];
  const memoryLimit = a[A.proxyMemoryLimit];
  if ([cpu, memory, cpuLimit, memoryLimit].some((v) => v !== undefined)) {
    const out: JsonObject = {};
    if (cpu !== undefined || memory !== undefined) out.requests = { ...(cpu !== undefined ? { cpu } : {}), ...(memory !== undefined ? { memory } : {}) };
    if (cpuLimit !== undefined || memoryLimit !== undefined) out.limits = { ...(cpuLimit !== undefined ? { cpu: cpuLimit } : {}), ...(memoryLimit !== undefined ? { memory: memoryLimit } : {}) };
    return out;
  }
  if (options.proxyResources === undefined) return undefined;
  const out: JsonObject = {};
  if (options.proxyResources.limits && Object.keys(options.proxyResources.limits).length > 0) out.limits = { ...options.proxyResources.limits };
  if (options.proxyResources.requests && Object.keys(options.proxyResources.requests).length > 0) out.requests = { ...options.proxyResources.requests };
  return out;
}

/** weft-proxy's command line for `mode` (pilot-agent's `proxy sidecar|router` plus what weft-proxy needs to find weftd). */
function weftProxyArgs(mode: 'sidecar' | 'router', d: TemplateData): string[] {
  const o = d.options;
  // The agent's status port (pilot-agent: ProxyConfig statusPort, the annotation wins) serves the merged metrics.
  const statusPort = annotationOr(d.metadata, A.statusPort, o.statusPort);
  const logLevel = annotationOr(d.metadata, A.logLevel, o.logLevel);
  return [
    '--mode',
    mode,
    '--domain',
    `$(POD_NAMESPACE).svc.${o.clusterDomain}`,
    '--discovery-address',
    o.discoveryAddress ?? istiodAddress(o, 15010),
    '--ca-root-cert',
    ROOT_CERT_FILE,
    '--token-file',
    TOKEN_FILE,
    '--log-level',
    logLevel,
    ...(statusPort !== '0' && statusPort !== '' ? ['--merged-metrics-port', statusPort] : []),
  ];
}

/**
 * postStart hook for holdApplicationUntilProxyStarts: waits (up to 2 minutes) until the proxy's
 * /healthz/ready answers 200, so Kubernetes starts the next container only then (Istio runs
 * `pilot-agent wait`; weft-proxy's image has node).
 */
export const WAIT_FOR_PROXY_COMMAND = Object.freeze([
  'node',
  '-e',
  `const h=require('node:http'),end=Date.now()+120000;` +
    `function poll(){h.get('http://127.0.0.1:${HEALTH_PORT}/healthz/ready',(r)=>{r.resume();r.statusCode===200?process.exit(0):retry()}).on('error',retry)}` +
    `function retry(){Date.now()>end?process.exit(1):setTimeout(poll,200)}poll()`,
]);

function readinessProbes(d: TemplateData, statusPort: string): Pick<Container, 'readinessProbe' | 'startupProbe'> {
  if (statusPort === '0') return {};
  const o = d.options;
  const initialDelay = Number(annotationOr(d.metadata, A.readinessInitialDelaySeconds, o.readinessInitialDelaySeconds));
  return {
    readinessProbe: {
      httpGet: { path: '/healthz/ready', port: HEALTH_PORT },
      ...(initialDelay > 0 ? { initialDelaySeconds: initialDelay } : {}),
      periodSeconds: Number(annotationOr(d.metadata, A.readinessPeriodSeconds, o.readinessPeriodSeconds)),
      timeoutSeconds: 3,
      failureThreshold: Number(annotationOr(d.metadata, A.readinessFailureThreshold, o.readinessFailureThreshold)),
    },
    startupProbe: { httpGet: { path: '/healthz/ready', port: HEALTH_PORT }, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 600 },
  };
}

function sortedJsonEntries(text: string | undefined): [string, JsonObject][] {
  if (text === undefined) return [];
  const parsed = JSON.parse(text) as Record<string, JsonObject>;
  return Object.entries(parsed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The volume mounts every proxy gets, in the template's order. */
function proxyVolumeMounts(withCrl: boolean): JsonObject[] {
  return [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
    { name: 'istiod-ca-cert', mountPath: '/var/run/secrets/istio' },
    ...(withCrl ? [{ name: 'istio-ca-crl', mountPath: '/var/run/secrets/istio/crl' }] : []),
    { name: 'istio-data', mountPath: '/var/lib/istio/data' },
    { name: 'istio-envoy', mountPath: '/etc/istio/proxy' },
    { name: 'istio-token', mountPath: '/var/run/secrets/tokens' },
    { name: 'istio-podinfo', mountPath: '/etc/istio/pod' },
  ];
}

/** The volumes every injected pod gets, in the template's order. */
function proxyVolumes(options: InjectOptions, withCrl: boolean): JsonObject[] {
  return [
    { name: 'workload-socket', emptyDir: {} },
    { name: 'credential-socket', emptyDir: {} },
    { name: 'workload-certs', emptyDir: {} },
    { name: 'istio-envoy', emptyDir: { medium: 'Memory' } },
    { name: 'istio-data', emptyDir: {} },
    {
      name: 'istio-podinfo',
      downwardAPI: {
        items: [
          { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
          { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } },
        ],
      },
    },
    { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: options.tokenAudience } }] } },
    { name: 'istiod-ca-cert', configMap: { name: 'istio-ca-root-cert' } },
    ...(withCrl ? [{ name: 'istio-ca-crl', configMap: { name: 'istio-ca-crl', optional: true } }] : []),
  ];
}

/** Istio's `appendMultusNetwork`: adds `network` (`namespace/name`) to a k8s.v1.cni.cncf.io/networks value, flat or JSON. */
export function appendMultusNetwork(existing: string, network: string): string {
  if (existing === '') return network;
  const slash = network.indexOf('/');
  const name = slash >= 0 ? network.slice(slash + 1) : network;
  const namespace = slash >= 0 ? network.slice(0, slash) : '';
  const close = existing.lastIndexOf(']');
  if (close >= 0) {
    let list: unknown;
    try {
      list = JSON.parse(existing);
    } catch {
      return existing;
    }
    if (Array.isArray(list) && list.some((n) => typeof n === 'object' && n !== null && (n as { name?: unknown }).name === name)) return existing;
    const entry = namespace !== '' ? `{"name": "${name}", "namespace": "${namespace}"}` : `{"name": "${name}"}`;
    return `${existing.slice(0, close)}, ${entry}${existing.slice(close)}`;
  }
  if (existing.split(',').some((n) => n.trim() === network || n.trim() === name)) return existing;
  return `${existing}, ${network}`;
}

/** Istio's default `sidecar` template. */
export const sidecarTemplate: InjectionTemplate = (d) => {
  const { metadata: meta, options: o } = d;
  const ann = meta.annotations ?? {};
  const mode = interceptionModeOf(meta, d.proxyConfig);
  const tproxy = mode === 'TPROXY';
  const capNetBind = annotationOr(meta, A.capNetBindService, o.capNetBindService) === 'true';
  const native = usesNativeSidecar(meta, o);
  const hold = (d.proxyConfig.holdApplicationUntilProxyStarts || o.holdApplicationUntilProxyStarts) && !native;
  const noInitContainer = mode === 'NONE' && !native;
  const statusPort = annotationOr(meta, A.statusPort, o.templateStatusPort ?? o.statusPort);
  const coreDump = annotationOr(meta, A.enableCoreDump, o.enableCoreDump) === 'true';
  const apps = appContainerNames(d.spec);
  const resources = proxyResources(meta, o);
  const pullPolicy = o.imagePullPolicy !== undefined ? { imagePullPolicy: o.imagePullPolicy } : {};
  const imageAnnotation = ann[A.proxyImage];
  const image = imageAnnotation?.includes('/') ? imageAnnotation : o.proxyImage;
  const initImage = imageAnnotation?.includes('/') ? imageAnnotation : o.proxyInitImage;
  const excluded = excludeInboundPort(statusPort, annotationOr(meta, A.excludeInboundPorts, o.excludeInboundPorts));

  const labels: Record<string, string> = { [L.tlsMode]: firstSet(meta.labels?.[L.tlsMode], 'istio'), ...canonicalLabels(meta, d.deployMeta) };
  const annotations: Record<string, string> = { [A.revision]: o.revision || 'default' };
  if (apps.length >= 1) {
    if (ann['kubectl.kubernetes.io/default-logs-container'] === undefined) annotations['kubectl.kubernetes.io/default-logs-container'] = apps[0] ?? '';
    if (ann['kubectl.kubernetes.io/default-container'] === undefined) annotations['kubectl.kubernetes.io/default-container'] = apps[0] ?? '';
  }
  if (o.cni.enabled) {
    // With Istio CNI the node agent sets up capture from these annotations, so the template writes them all.
    if (o.cni.provider === 'multus') annotations['k8s.v1.cni.cncf.io/networks'] = appendMultusNetwork(ann['k8s.v1.cni.cncf.io/networks'] ?? '', 'default/istio-cni');
    annotations[A.interceptionMode] = mode;
    const include = annotationOr(meta, A.includeOutboundIpRanges, o.includeOutboundIpRanges);
    if (include !== '') annotations[A.includeOutboundIpRanges] = include;
    const exclude = annotationOr(meta, A.excludeOutboundIpRanges, o.excludeOutboundIpRanges);
    if (exclude !== '') annotations[A.excludeOutboundIpRanges] = exclude;
    annotations[A.includeInboundPorts] = annotationOr(meta, A.includeInboundPorts, o.includeInboundPorts);
    annotations[A.excludeInboundPorts] = excluded;
    if (ann[A.includeOutboundPorts] !== undefined || o.includeOutboundPorts !== '') annotations[A.includeOutboundPorts] = annotationOr(meta, A.includeOutboundPorts, o.includeOutboundPorts);
    if (ann[A.excludeOutboundPorts] !== undefined || o.excludeOutboundPorts !== '') annotations[A.excludeOutboundPorts] = annotationOr(meta, A.excludeOutboundPorts, o.excludeOutboundPorts);
    for (const k of [A.kubevirtInterfaces, A.rerouteVirtualInterfaces, A.excludeInterfaces]) if (ann[k]) annotations[k] = ann[k] ?? '';
  }

  const initContainers: Container[] = [];
  if (mode !== 'NONE') {
    const args = [
      'istio-iptables',
      '-p',
      '15001',
      '-z',
      '15006',
      '-u',
      '1337',
      '-m',
      mode,
      '-i',
      annotationOr(meta, A.includeOutboundIpRanges, o.includeOutboundIpRanges),
      '-x',
      annotationOr(meta, A.excludeOutboundIpRanges, o.excludeOutboundIpRanges),
      '-b',
      annotationOr(meta, A.includeInboundPorts, o.includeInboundPorts),
      '-d',
      excluded !== '' ? `${STATS_PORT},${HEALTH_PORT},${excluded}` : `${STATS_PORT},${HEALTH_PORT}`,
    ];
    if (ann[A.includeOutboundPorts] !== undefined || o.includeOutboundPorts !== '') args.push('-q', annotationOr(meta, A.includeOutboundPorts, o.includeOutboundPorts));
    if (ann[A.excludeOutboundPorts] !== undefined || o.excludeOutboundPorts !== '') args.push('-o', annotationOr(meta, A.excludeOutboundPorts, o.excludeOutboundPorts));
    if (ann[A.rerouteVirtualInterfaces] !== undefined) args.push('-k', ann[A.rerouteVirtualInterfaces] ?? '');
    else if (ann[A.kubevirtInterfaces] !== undefined) args.push('-k', ann[A.kubevirtInterfaces] ?? '');
    if (ann[A.excludeInterfaces] !== undefined) args.push('-c', ann[A.excludeInterfaces] ?? '');
    args.push(`--log_output_level=${annotationOr(meta, A.agentLogLevel, o.agentLogLevel)}`);
    if (o.cni.enabled) args.push('--run-validation', '--skip-rule-apply');
    const metadataEnv = Object.entries(d.proxyConfig.proxyMetadata)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value }));
    initContainers.push({
      name: o.cni.enabled ? VALIDATION_CONTAINER : INIT_CONTAINER,
      image: initImage,
      args,
      ...pullPolicy,
      ...(metadataEnv.length > 0 ? { env: metadataEnv } : {}),
      ...(resources !== undefined ? { resources } : {}),
      securityContext: o.cni.enabled
        ? { allowPrivilegeEscalation: o.privileged, privileged: o.privileged, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsUser: 1337, runAsNonRoot: true }
        : {
            allowPrivilegeEscalation: o.privileged,
            privileged: o.privileged,
            capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
            readOnlyRootFilesystem: false,
            runAsGroup: 0,
            runAsNonRoot: false,
            runAsUser: 0,
          },
    });
  }
  if (coreDump) {
    initContainers.push({
      name: CORE_DUMP_CONTAINER,
      image: initImage,
      command: ['/bin/sh'],
      args: ['-c', 'sysctl -w kernel.core_pattern=/var/lib/istio/data/core.proxy && ulimit -c unlimited'],
      ...pullPolicy,
      ...(resources !== undefined ? { resources } : {}),
      securityContext: { allowPrivilegeEscalation: true, capabilities: { add: ['SYS_ADMIN'], drop: ['ALL'] }, privileged: true, readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 },
    });
  }

  const rootless = !(tproxy || capNetBind);
  const add = [...(tproxy ? ['NET_ADMIN'] : []), ...(capNetBind ? ['NET_BIND_SERVICE'] : [])];
  const userMounts = sortedJsonEntries(ann[A.userVolumeMount]).map(([name, v]) => ({ name, ...v }));
  const proxy: Container = {
    name: 'istio-proxy',
    image,
    ...(native ? { restartPolicy: 'Always' } : {}),
    ports: [{ containerPort: STATS_PORT, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: weftProxyArgs('sidecar', d),
    ...(hold ? { lifecycle: { postStart: { exec: { command: [...WAIT_FOR_PROXY_COMMAND] } } } } : {}),
    env: proxyEnv(d),
    ...pullPolicy,
    ...readinessProbes(d, statusPort),
    securityContext: {
      allowPrivilegeEscalation: o.privileged,
      capabilities: { ...(add.length > 0 ? { add } : {}), drop: ['ALL'] },
      privileged: o.privileged,
      readOnlyRootFilesystem: !coreDump,
      runAsGroup: 1337,
      runAsNonRoot: rootless,
      runAsUser: rootless ? 1337 : 0,
    },
    ...(resources !== undefined ? { resources } : {}),
    volumeMounts: [...proxyVolumeMounts(true), ...userMounts],
  };
  const userVolumes = sortedJsonEntries(ann[A.userVolume]).map(([name, v]) => ({ name, ...v }));
  const spec: PodSpec = {
    initContainers: noInitContainer ? [] : native ? [...initContainers, proxy] : initContainers,
    ...(native ? {} : { containers: [proxy] }),
    volumes: [...proxyVolumes(o, true), ...userVolumes],
    ...(o.imagePullSecrets.length > 0 ? { imagePullSecrets: o.imagePullSecrets.map((name) => ({ name })) } : {}),
  };
  return { metadata: { labels, annotations }, spec };
};

/** Istio's `gateway` template: the proxy as a router in a pod of its own (no capture, no init container). */
export const gatewayTemplate: InjectionTemplate = (d) => {
  const { metadata: meta, options: o } = d;
  const statusPort = annotationOr(meta, A.statusPort, o.templateStatusPort ?? o.statusPort);
  const imageAnnotation = meta.annotations?.[A.proxyImage];
  const proxy: Container = {
    name: PROXY_CONTAINER,
    image: imageAnnotation?.includes('/') ? imageAnnotation : o.proxyImage,
    ports: [{ containerPort: STATS_PORT, protocol: 'TCP', name: 'http-envoy-prom' }],
    args: weftProxyArgs('router', d),
    env: proxyEnv(d),
    ...(o.imagePullPolicy !== undefined ? { imagePullPolicy: o.imagePullPolicy } : {}),
    ...(statusPort !== '0' ? { readinessProbe: readinessProbes(d, statusPort).readinessProbe } : {}),
    securityContext: { runAsUser: 1337, runAsGroup: 1337 },
    volumeMounts: proxyVolumeMounts(false),
  };
  return {
    metadata: { labels: canonicalLabels(meta, d.deployMeta), annotations: { [A.revision]: o.revision || 'default' } },
    spec: {
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      containers: [proxy],
      volumes: proxyVolumes(o, false),
      ...(o.imagePullSecrets.length > 0 ? { imagePullSecrets: o.imagePullSecrets.map((name) => ({ name })) } : {}),
    },
  };
};

/** The templates Weft has, by the name `inject.istio.io/templates` uses. */
export const TEMPLATES: ReadonlyMap<string, InjectionTemplate> = new Map([
  ['sidecar', sidecarTemplate],
  ['gateway', gatewayTemplate],
]);
