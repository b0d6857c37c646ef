// Istio's app probe rewrite (pkg/kube/inject/app_probe.go): the HTTP, TCP and gRPC probes and the
// HTTP / TCP lifecycle hooks of the application containers are pointed at the agent's status port
// (`/app-health/<container>/{readyz,livez,startupz}`, `/app-lifecycle/<container>/{prestopz,poststartz}`),
// and the original actions go to the proxy in ISTIO_KUBE_APP_PROBERS, so kubelet's plaintext probes
// still work when the workload requires mTLS. Honours traffic.sidecar.istio.io/{include,exclude}InboundPorts
// as Istio does. Serving those paths is the proxy's job (weft-proxy does not yet: see README).

import { ISTIO_ANNOTATIONS as A } from '@weft/shared';
import { parseGoBool } from './annotation-validation.js';
import type { Container, HttpGetAction, Pod, ProbeHandler } from './kube-types.js';
import { PROXY_CONTAINER } from './sidecar-template.js';

/** The proxy's environment variable with the original probes (pilot-agent's KubeAppProberEnvName). */
export const KUBE_APP_PROBERS_ENV = 'ISTIO_KUBE_APP_PROBERS';

/** Whether probes are rewritten: the sidecar.istio.io/rewriteAppHTTPProbers annotation (a Go bool), else `fallback`. */
export function shouldRewriteAppProbers(annotations: Readonly<Record<string, string>>, fallback: boolean): boolean {
  const v = annotations[A.rewriteAppHttpProbers];
  return v !== undefined ? (parseGoBool(v) ?? fallback) : fallback;
}

/** The agent URLs of a container's probes and hooks (status.FormatProberURL). */
export function proberUrls(container: string): { readyz: string; livez: string; startupz: string; prestopz: string; poststartz: string } {
  return {
    readyz: `/app-health/${container}/readyz`,
    livez: `/app-health/${container}/livez`,
    startupz: `/app-health/${container}/startupz`,
    prestopz: `/app-lifecycle/${container}/prestopz`,
    poststartz: `/app-lifecycle/${container}/poststartz`,
  };
}

/** One entry of ISTIO_KUBE_APP_PROBERS (Istio's Prober), fields in Go's order. */
interface Prober {
  httpGet?: HttpGetAction;
  tcpSocket?: { port?: number | string; host?: string };
  grpc?: { port?: number; service?: string };
  timeoutSeconds?: number;
}

const ordered = <T extends object>(o: T, keys: readonly string[]): T => {
  const out: Record<string, unknown> = {};
  for (const k of keys) if ((o as Record<string, unknown>)[k] !== undefined) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
};

/** The inbound ports the annotations include (true) or exclude (false); empty: every port. */
function portInclusion(annotations: Readonly<Record<string, string>>): Map<number, boolean> {
  const include = annotations[A.includeInboundPorts] ?? '';
  const exclude = annotations[A.excludeInboundPorts] ?? '';
  const out = new Map<number, boolean>();
  const ports = (list: string): number[] => list.split(',').map((p) => Number.parseInt(p.trim(), 10)).filter((p) => Number.isInteger(p) && p !== 0);
  if (include !== '' && include !== '*') {
    for (const p of ports(include)) out.set(p, true);
    return out;
  }
  for (const p of ports(exclude)) out.set(p, false);
  return out;
}

/** Istio's isPortIncluded: excluded ports are not; when some ports are explicitly included, only those are. */
function isPortIncluded(port: number, ports: ReadonlyMap<number, boolean>): boolean {
  const v = ports.get(port);
  if (v !== undefined) return v;
  for (const included of ports.values()) if (included) return false;
  return true;
}

function namedPort(pod: Pod, name: string, container: string): number | undefined {
  for (const list of [pod.spec?.containers ?? [], pod.spec?.initContainers ?? []]) {
    const c = list.find((x) => x.name === container);
    if (c) return c.ports?.find((p) => p.name === name)?.containerPort;
  }
  return undefined;
}

/** The prober of one probe or hook with its port resolved to a number, or undefined when not rewritten. */
function proberOf(pod: Pod, handler: ProbeHandler | undefined, container: string, ports: ReadonlyMap<number, boolean>, withTimeout: boolean): Prober | undefined {
  if (!handler) return undefined;
  const timeout = withTimeout && handler.timeoutSeconds ? { timeoutSeconds: handler.timeoutSeconds } : {};
  if (handler.grpc) {
    const port = handler.grpc.port ?? 0;
    return isPortIncluded(port, ports) ? { grpc: ordered({ ...handler.grpc }, ['port', 'service']), ...timeout } : undefined;
  }
  const action = handler.httpGet ?? handler.tcpSocket;
  if (!action) return undefined;
  let port: number | undefined;
  if (typeof action.port === 'string') {
    port = namedPort(pod, action.port, container) ?? (/^\d+$/.test(action.port) ? Number(action.port) : undefined);
    if (port === undefined) return undefined;
  } else port = action.port ?? 0;
  if (!isPortIncluded(port, ports)) return undefined;
  if (handler.httpGet) return { httpGet: ordered({ ...handler.httpGet, port }, ['path', 'port', 'host', 'scheme', 'httpHeaders']), ...timeout };
  return { tcpSocket: ordered({ ...handler.tcpSocket, port }, ['port', 'host']), ...timeout };
}

function allContainers(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** ISTIO_KUBE_APP_PROBERS for `pod`: the JSON of every rewritable probe and hook, keys sorted; '' when none. */
export function dumpAppProbers(pod: Pod): string {
  const ports = portInclusion(pod.metadata?.annotations ?? {});
  const out: Record<string, Prober> = {};
  for (const c of allContainers(pod)) {
    if (c.name === PROXY_CONTAINER) continue;
    const urls = proberUrls(c.name);
    const entries: [string, Prober | undefined][] = [
      [urls.readyz, proberOf(pod, c.readinessProbe, c.name, ports, true)],
      [urls.livez, proberOf(pod, c.livenessProbe, c.name, ports, true)],
      [urls.startupz, proberOf(pod, c.startupProbe, c.name, ports, true)],
      [urls.prestopz, c.lifecycle?.preStop?.grpc ? undefined : proberOf(pod, c.lifecycle?.preStop, c.name, ports, false)],
      [urls.poststartz, c.lifecycle?.postStart?.grpc ? undefined : proberOf(pod, c.lifecycle?.postStart, c.name, ports, false)],
    ];
    for (const [url, prober] of entries) if (prober) out[url] = prober;
  }
  const keys = Object.keys(out).sort();
  if (keys.length === 0) return '';
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, ordered(out[k] as Prober, ['httpGet', 'tcpSocket', 'grpc', 'timeoutSeconds'])])));
}

function probePort(handler: ProbeHandler): number {
  const port = handler.httpGet?.port ?? handler.tcpSocket?.port ?? handler.grpc?.port;
  // Istio reads IntOrString.IntVal: a named port counts as 0 here.
  return typeof port === 'number' ? port : 0;
}

/** The handler pointed at the agent: HTTP GET `url` on `statusPort` (HTTPS becomes HTTP; TCP and gRPC become HTTP). */
function convert(handler: ProbeHandler, url: string, statusPort: number, isProbe: boolean): ProbeHandler | undefined {
  if (handler.httpGet) {
    const httpGet: HttpGetAction = { ...handler.httpGet, path: url, port: statusPort };
    if (httpGet.scheme === 'HTTPS') httpGet.scheme = 'HTTP';
    return { ...handler, httpGet };
  }
  if (handler.tcpSocket || (isProbe && handler.grpc)) {
    const { tcpSocket: _t, grpc: _g, ...rest } = handler;
    return { ...rest, httpGet: { path: url, port: statusPort } };
  }
  return undefined;
}

function rewriteContainer(c: Container, statusPort: number, ports: ReadonlyMap<number, boolean>): void {
  const urls = proberUrls(c.name);
  const probes: ['readinessProbe' | 'livenessProbe' | 'startupProbe', string][] = [
    ['readinessProbe', urls.readyz],
    ['livenessProbe', urls.livez],
    ['startupProbe', urls.startupz],
  ];
  for (const [field, url] of probes) {
    const probe = c[field];
    if (probe && isPortIncluded(probePort(probe), ports)) {
      const converted = convert(probe, url, statusPort, true);
      if (converted) c[field] = converted;
    }
  }
  const lifecycle = c.lifecycle;
  if (lifecycle) {
    for (const [field, url] of [
      ['preStop', urls.prestopz],
      ['postStart', urls.poststartz],
    ] as const) {
      const hook = lifecycle[field];
      if (hook && isPortIncluded(probePort(hook), ports)) {
        const converted = convert(hook, url, statusPort, false);
        if (converted) lifecycle[field] = converted;
      }
    }
  }
}

/**
 * Rewrites `pod` in place as Istio's applyRewrite: adds (or, on re-injection, merges into)
 * ISTIO_KUBE_APP_PROBERS on the proxy and points the app containers' probes and hooks at the agent.
 * Does nothing without a proxy container. `statusPort` is the MeshConfig status port; the
 * status.sidecar.istio.io/port annotation wins.
 */
export function rewriteAppProbers(pod: Pod, statusPort: number, previouslyInjected: boolean): void {
  const proxy = allContainers(pod).find((c) => c.name === PROXY_CONTAINER);
  if (!proxy) return;
  const annotations = pod.metadata?.annotations ?? {};
  const probers = dumpAppProbers(pod);
  if (probers !== '') {
    const env = proxy.env ?? [];
    const existing = previouslyInjected ? env.findIndex((e) => e.name === KUBE_APP_PROBERS_ENV) : -1;
    if (existing >= 0) {
      // Re-injection: probes already rewritten keep the originals recorded the first time.
      let merged = probers;
      try {
        const old = JSON.parse(env[existing]?.value ?? '{}') as Record<string, unknown>;
        const fresh = JSON.parse(probers) as Record<string, unknown>;
        const all = { ...fresh, ...old };
        merged = JSON.stringify(Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]])));
      } catch {
        // An unreadable old value is replaced, as Istio logs and keeps going.
      }
      env[existing] = { name: KUBE_APP_PROBERS_ENV, value: merged };
    } else env.push({ name: KUBE_APP_PROBERS_ENV, value: probers });
    proxy.env = env;
  }
  const annotated = annotations[A.statusPort];
  const port = annotated !== undefined && /^\d+$/.test(annotated) ? Number(annotated) : statusPort;
  const ports = portInclusion(annotations);
  for (const c of allContainers(pod)) if (c.name !== PROXY_CONTAINER) rewriteContainer(c, port, ports);
}
