// Compares a Weft-injected object with Istio's golden output field by field, after taking out what
// is Weft's by design (the proxy image and command line, the proxy's own lifecycle hooks, the
// PROXY_CONFIG text) and what is only Go's serialisation (zero values, quantity spelling). Returns
// every difference as `path: got … want …`; an empty list is a match.

import { isObject } from './kube-types.js';
import { WEFT_EXTRA_ENV } from './sidecar-template.js';

type Obj = Record<string, unknown>;

/** Containers whose image (and, for the proxy, command line) are Weft's own. */
const INJECTED = new Set(['istio-proxy', 'istio-init', 'istio-validation', 'enable-core-dump']);

/** Proxy env variables whose values are not compared (and why). */
export const ENV_VALUES_NOT_COMPARED: Readonly<Record<string, string>> = {
  PROXY_CONFIG: "Istio's protoToJSON of the full ProxyConfig (drain durations, tracing, ...) which weft-proxy does not read",
  ISTIO_META_INTERCEPTION_MODE: 'Istio writes the MeshConfig mode; Weft writes the mode in force (the annotation wins)',
  ISTIO_METAJSON_LABELS: 'Weft-only (not in Istio goldens)',
};

/** Kubernetes quantity → number (cpu cores or bytes), so `4000m` equals `4` and `1Gi` equals `1073741824`. */
export function quantityValue(q: unknown): unknown {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return q;
  const m = /^([+-]?\d+(?:\.\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return q;
  const n = Number(m[1]);
  const factors: Record<string, number> = { '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  const f = factors[m[2] ?? ''];
  return f === undefined ? q : Math.round(n * f * 1e6) / 1e6;
}

function normaliseResources(r: unknown): unknown {
  if (!isObject(r)) return r;
  const out: Obj = {};
  for (const [k, v] of Object.entries(r)) {
    if (isObject(v)) {
      const m: Obj = {};
      for (const [rk, rv] of Object.entries(v)) m[rk] = quantityValue(rv);
      if (Object.keys(m).length > 0) out[k] = m;
    } else out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Go zero values and API defaults that mean "unset": dropped before comparing. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || x === undefined) continue;
    const p = prune(x);
    if (isObject(p) && Object.keys(p).length === 0 && ['resources', 'metadata', 'strategy', 'status', 'securityContext', 'spec'].includes(k)) continue;
    if (k === 'creationTimestamp') continue;
    out[k] = p;
  }
  return out;
}

function normaliseContainer(c: Obj, compareImage: boolean): Obj {
  const out: Obj = { ...c };
  if (out.resources !== undefined) {
    const r = normaliseResources(out.resources);
    if (r === undefined) delete out.resources;
    else out.resources = r;
  }
  if (INJECTED.has(String(c.name)) && !compareImage) delete out.image;
  if (c.name === 'istio-proxy') {
    delete out.args;
    delete out.command;
    // The proxy's own hooks run its own binary; only whether it holds the app (postStart) is compared.
    const lc = isObject(out.lifecycle) ? out.lifecycle : undefined;
    if (lc) out.lifecycle = lc.postStart !== undefined ? { postStart: 'present' } : undefined;
    if (out.lifecycle === undefined) delete out.lifecycle;
    delete out.env;
  }
  return out;
}

/** Every difference between two JSON values, by path. */
export function deepDiff(got: unknown, want: unknown, path: string, out: string[]): void {
  if (Array.isArray(got) && Array.isArray(want)) {
    if (got.length !== want.length) {
      out.push(`${path}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
      return;
    }
    got.forEach((g, i) => deepDiff(g, want[i], `${path}[${i}]`, out));
    return;
  }
  if (isObject(got) && isObject(want)) {
    for (const k of new Set([...Object.keys(got), ...Object.keys(want)])) deepDiff(got[k], want[k], `${path}.${k}`, out);
    return;
  }
  if (typeof want === 'number' && typeof got === 'string' && String(want) === got) return;
  if (got !== want) out.push(`${path}: got ${JSON.stringify(got)} want ${JSON.stringify(want)}`);
}

function envMap(c: Obj | undefined): Map<string, unknown> {
  const m = new Map<string, unknown>();
  for (const e of Array.isArray(c?.env) ? c.env : []) if (isObject(e)) m.set(String(e.name), e.valueFrom !== undefined ? e.valueFrom : (e.value ?? ''));
  return m;
}

function parsed(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function compareProxyEnv(got: Obj | undefined, want: Obj | undefined, path: string, out: string[]): void {
  const g = envMap(got);
  const w = envMap(want);
  for (const name of w.keys()) if (!g.has(name)) out.push(`${path}.env: ${name} missing`);
  for (const name of g.keys()) if (!w.has(name) && !WEFT_EXTRA_ENV.includes(name)) out.push(`${path}.env: ${name} not in Istio's`);
  for (const [name, wv] of w) {
    if (!g.has(name) || name in ENV_VALUES_NOT_COMPARED) continue;
    const gv = g.get(name);
    if (['ISTIO_META_POD_PORTS', 'ISTIO_KUBE_APP_PROBERS', 'ISTIO_PROMETHEUS_ANNOTATIONS'].includes(name)) deepDiff(parsed(gv), parsed(wv), `${path}.env.${name}`, out);
    else deepDiff(gv, wv, `${path}.env.${name}`, out);
  }
}

function normaliseVolumes(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  // A volume without a source is an emptyDir (API server defaulting); Istio's template writes `emptyDir:` with no value.
  return v.map((x) => (isObject(x) && Object.keys(x).length === 1 && 'name' in x ? { ...x, emptyDir: {} } : x));
}

function normaliseAnnotations(a: unknown): unknown {
  if (!isObject(a)) return a;
  const out: Obj = { ...a };
  if (typeof out['proxy.istio.io/overrides'] === 'string') {
    const o = parsed(out['proxy.istio.io/overrides']);
    if (isObject(o)) {
      for (const field of ['containers', 'initContainers']) {
        if (Array.isArray(o[field])) o[field] = (o[field] as Obj[]).map((c) => normaliseContainer(c, true));
      }
    }
    out['proxy.istio.io/overrides'] = prune(o);
  }
  if (typeof out['sidecar.istio.io/status'] === 'string') out['sidecar.istio.io/status'] = parsed(out['sidecar.istio.io/status']);
  return out;
}

/** The parts of a pod (or pod template) compared, normalised. */
function podView(pod: Obj, compareImages: boolean): { rest: unknown; proxies: Obj[] } {
  const p = prune(pod) as Obj;
  const spec = (isObject(p.spec) ? { ...p.spec } : {}) as Obj;
  const proxies: Obj[] = [];
  for (const field of ['containers', 'initContainers']) {
    if (!Array.isArray(spec[field])) continue;
    spec[field] = (spec[field] as Obj[]).map((c) => {
      if (c.name === 'istio-proxy') proxies.push(c);
      return normaliseContainer(c, compareImages);
    });
    if ((spec[field] as Obj[]).length === 0) delete spec[field];
  }
  spec.volumes = normaliseVolumes(spec.volumes);
  if (spec.volumes === undefined) delete spec.volumes;
  const meta = (isObject(p.metadata) ? { ...p.metadata } : {}) as Obj;
  if (meta.annotations !== undefined) meta.annotations = normaliseAnnotations(meta.annotations);
  return { rest: { ...p, metadata: meta, spec }, proxies };
}

/** Compares one pod (or pod template, or CronJob job template + pod spec) pair. */
export function comparePod(got: Obj, want: Obj, path: string, compareImages = false): string[] {
  const out: string[] = [];
  const g = podView(got, compareImages);
  const w = podView(want, compareImages);
  deepDiff(g.rest, w.rest, path, out);
  if (g.proxies.length !== w.proxies.length) out.push(`${path}: ${g.proxies.length} istio-proxy containers, want ${w.proxies.length}`);
  else g.proxies.forEach((c, i) => compareProxyEnv(c, w.proxies[i], `${path}.istio-proxy`, out));
  return out;
}

/** The pod of a document: [where the pod lives, the pod] (CronJob: job template metadata + pod spec). */
export function podsOf(doc: unknown): { path: string; pod: Obj }[] {
  if (!isObject(doc)) return [];
  if (doc.kind === 'List' && Array.isArray(doc.items)) return doc.items.flatMap((item, i) => podsOf(item).map((p) => ({ ...p, path: `items[${i}].${p.path}` })));
  if (doc.kind === 'Pod') return [{ path: 'pod', pod: doc }];
  const spec = isObject(doc.spec) ? doc.spec : undefined;
  if (doc.kind === 'CronJob') {
    const jt = spec && isObject(spec.jobTemplate) ? spec.jobTemplate : undefined;
    const js = jt && isObject(jt.spec) ? jt.spec : undefined;
    const t = js && isObject(js.template) ? js.template : undefined;
    return jt && t ? [{ path: 'spec.jobTemplate', pod: { metadata: jt.metadata, spec: t.spec } }] : [];
  }
  if (spec && isObject(spec.template)) return [{ path: 'spec.template', pod: spec.template }];
  return [];
}

/** Go's omitempty and zero-valued structs: 0, false, '' and {} mean unset outside the pods (status: {replicas: 0}, paused: false). */
function pruneZero(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruneZero);
  if (!isObject(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const p = pruneZero(x);
    if (p === null || p === undefined || p === 0 || p === false || p === '' || (isObject(p) && Object.keys(p).length === 0)) continue;
    out[k] = p;
  }
  return out;
}

/** The document with its pods taken out, to compare what injection must not change. */
export function withoutPods(doc: unknown): unknown {
  if (!isObject(doc)) return doc;
  if (doc.kind === 'List' && Array.isArray(doc.items)) return { ...(pruneZero(doc) as Obj), items: doc.items.map(withoutPods) };
  if (doc.kind === 'Pod') return prune({ apiVersion: doc.apiVersion, kind: doc.kind });
  const spec = isObject(doc.spec) ? { ...doc.spec } : undefined;
  if (!spec) return pruneZero(doc);
  if (doc.kind === 'CronJob' && isObject(spec.jobTemplate)) {
    const jt = { ...spec.jobTemplate };
    delete jt.metadata;
    if (isObject(jt.spec)) jt.spec = { ...jt.spec, template: undefined };
    spec.jobTemplate = jt;
  } else delete spec.template;
  return pruneZero({ ...doc, spec });
}

/** Compares a whole document (object) with Istio's output. */
export function compareDocument(got: unknown, want: unknown, compareImages = false): string[] {
  const out: string[] = [];
  deepDiff(withoutPods(got), withoutPods(want), 'object', out);
  const g = podsOf(got);
  const w = podsOf(want);
  if (g.length !== w.length) return [...out, `object: ${g.length} pods, want ${w.length}`];
  g.forEach((p, i) => out.push(...comparePod(p.pod, w[i]?.pod ?? {}, p.path, compareImages)));
  return out;
}
