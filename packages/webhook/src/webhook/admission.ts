// The AdmissionReview edge of the injector (Istio's serveInject / inject): decodes an
// admission.k8s.io/v1 or v1beta1 review, applies the injection policy, injects the pod and answers
// with the same uid and an RFC 6902 patch, or a denial whose message says why. Pure: returns the HTTP
// reply and what happened (for metrics and logs); the server owns I/O.

import { InjectionError } from '../errors.js';
import type { InjectOptions } from '../inject/inject-options.js';
import { injectPod } from '../inject/inject-pod.js';
import { createJsonPatch } from '../inject/json-patch.js';
import { isObject, podShapeProblems, type Pod } from '../inject/kube-types.js';
import { injectRequired, type PolicyConfig } from '../inject/policy.js';
import { deployMetaFromPod } from '../inject/workload.js';

/** AdmissionReview versions the webhook speaks (admissionReviewVersions). */
export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;

/** What happened to one request; the server turns it into metrics (see injection-metrics.ts). */
export type Outcome =
  /** Patched. */
  | 'injected'
  /** Allowed unchanged by the policy. */
  | 'skipped'
  /** Answered with allowed: false (bad review, bad pod, injection error). */
  | 'denied'
  /** Not answered with an AdmissionReview: HTTP 4xx. */
  | 'rejected';

/** An HTTP reply. */
export interface Reply {
  readonly status: number;
  readonly contentType: 'application/json' | 'text/plain; charset=utf-8';
  readonly body: string;
  readonly outcome: Outcome;
  /** For the log: the pod (namespace/name) and why. */
  readonly detail: string;
}

/** What the handler needs besides the request. */
export interface AdmissionContext {
  readonly options: InjectOptions;
  readonly policy: PolicyConfig;
}

const text = (status: number, body: string, detail = body): Reply => ({ status, contentType: 'text/plain; charset=utf-8', body: `${body}\n`, outcome: 'rejected', detail });

function review(apiVersion: string, response: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion, kind: 'AdmissionReview', response });
}

function deny(apiVersion: string, uid: string, error: InjectionError, detail: string): Reply {
  return { status: 200, contentType: 'application/json', body: review(apiVersion, { uid, allowed: false, status: { message: error.message } }), outcome: 'denied', detail: `${detail}: ${error.code}: ${error.message}` };
}

/**
 * Istio's parseInjectEnvs: `/inject/k1/v1/k2/v2` gives proxy env overrides (`cluster` →
 * ISTIO_META_CLUSTER_ID, `net` → ISTIO_META_NETWORK, other keys upper-cased); `--slash--` in a
 * value is `/`; the deprecated `/inject/:ENV:K=V:ENV:...` form too. An odd trailing key is ignored.
 */
export function parseInjectEnvs(path: string): Record<string, string> {
  const parts = path.replace(/\/$/, '').split('/');
  // ['', 'inject', rest...]
  const rest = parts.slice(2).join('/');
  let pairs: string[] = [];
  if (rest !== '') {
    if (rest.startsWith(':ENV:')) {
      for (const p of rest.split(':ENV:').slice(1)) {
        const eq = p.indexOf('=');
        if (eq > 0) pairs.push(p.slice(0, eq), p.slice(eq + 1));
      }
    } else pairs = rest.split('/').map((v, i) => (i % 2 === 1 ? v.replace(/--slash--/g, '/') : v));
  }
  const names: Record<string, string> = { cluster: 'ISTIO_META_CLUSTER_ID', net: 'ISTIO_META_NETWORK' };
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const key = pairs[i] ?? '';
    const env = names[key] ?? key.toUpperCase();
    if (env !== '') out[env] = pairs[i + 1] ?? '';
  }
  return out;
}

/** Whether `contentType` is JSON (Istio wants exactly application/json; parameters such as charset are allowed here). */
const isJson = (contentType: string | undefined): boolean => (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';

/**
 * Handles one POST to /inject[/...]: never throws. HTTP 400 without a body, 415 for a body that is
 * not JSON by content type; otherwise an AdmissionReview (of the request's version, v1 when unknown)
 * that allows with a patch, allows unchanged (skip), or denies with the reason.
 */
export function handleAdmission(body: Buffer | undefined, contentType: string | undefined, path: string, ctx: AdmissionContext): Reply {
  if (body === undefined || body.length === 0) return text(400, 'no body found');
  if (!isJson(contentType)) return text(415, 'invalid Content-Type, want `application/json`', `content type ${contentType ?? '(none)'}`);
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (e) {
    return deny('admission.k8s.io/v1', '', new InjectionError('WEFT_ERR_ADMISSION_BAD_REVIEW', `could not decode body: ${(e as Error).message}`), 'body');
  }
  const apiVersion = isObject(doc) && typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
  if (!isObject(doc) || doc.kind !== 'AdmissionReview' || !(ADMISSION_VERSIONS as readonly string[]).includes(apiVersion)) {
    return deny('admission.k8s.io/v1', '', new InjectionError('WEFT_ERR_ADMISSION_BAD_REVIEW', `could not decode body: not an AdmissionReview (want kind AdmissionReview, apiVersion ${ADMISSION_VERSIONS.join(' or ')})`), 'body');
  }
  const request = doc.request;
  if (!isObject(request)) return deny(apiVersion, '', new InjectionError('WEFT_ERR_ADMISSION_BAD_REVIEW', 'could not decode object: the AdmissionReview has no request'), 'review');
  const uid = typeof request.uid === 'string' ? request.uid : '';
  const requestNamespace = typeof request.namespace === 'string' ? request.namespace : '';
  const kind = isObject(request.kind) ? request.kind.kind : undefined;
  if (kind !== undefined && kind !== 'Pod') return deny(apiVersion, uid, new InjectionError('WEFT_ERR_ADMISSION_BAD_OBJECT', `the request is for a ${String(kind)}; the injector only handles Pods`), `request ${uid}`);
  const object = request.object;
  const problems = podShapeProblems(object);
  if (!isObject(object) || problems.length > 0) {
    return deny(apiVersion, uid, new InjectionError('WEFT_ERR_ADMISSION_BAD_OBJECT', `could not unmarshal raw object: ${isObject(object) ? problems.join('; ') : 'no Pod in request.object'}`), `request ${uid}`);
  }
  const pod = structuredClone(object) as Pod;
  const metadata = (pod.metadata ??= {});
  // managedFields never change the injection and can be large (Istio drops them too).
  delete metadata.managedFields;
  if ((metadata.namespace ?? '') === '') metadata.namespace = requestNamespace;
  const name = metadata.name || (metadata.generateName ? `${metadata.generateName}***** (actual name not yet known)` : '');
  const where = `pod ${metadata.namespace}/${name}`;
  const decision = injectRequired(pod.spec ?? {}, metadata, ctx.policy);
  if (!decision.inject) {
    return { status: 200, contentType: 'application/json', body: review(apiVersion, { uid, allowed: true }), outcome: 'skipped', detail: `${where}: ${decision.reason}` };
  }
  const { deployMeta, typeMeta } = deployMetaFromPod(pod);
  const result = injectPod({ pod, deployMeta, typeMeta, proxyEnvs: parseInjectEnvs(path) }, ctx.options);
  if (!result.ok) return deny(apiVersion, uid, result.error, where);
  const patch = createJsonPatch(pod, result.pod);
  const response: Record<string, unknown> = { uid, allowed: true };
  if (patch.length > 0) {
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
    response.patchType = 'JSONPatch';
  }
  return { status: 200, contentType: 'application/json', body: review(apiVersion, response), outcome: 'injected', detail: `${where}: injected (${decision.reason}), ${patch.length} patch operations` };
}
