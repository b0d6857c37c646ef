// The HTTPS server of the injection webhook (Istio's /inject and /inject/... handler): reads the body
// (at most Istio's 6 MiB), hands it to admission.ts and records the sidecar_injection_* metrics as
// Istio's serveInject does. Owns HTTP only; the decision is admission.ts's.

import fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { InjectionMetrics } from '../metrics/injection-metrics.js';
import { handleAdmission, type AdmissionContext, type Reply } from './admission.js';

/** Kubernetes allows 3 MiB objects, twice over for the review; Istio reads up to 6 MiB. */
export const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** What the webhook server needs. */
export interface WebhookServerOptions extends AdmissionContext {
  /** PEM certificate chain and key the API server connects to. */
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly metrics: InjectionMetrics;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
}

/**
 * Creates the HTTPS app: `POST /inject` and `POST /inject/<k>/<v>/...` (proxy env overrides, see
 * parseInjectEnvs). Metrics, per request: requests and the time always; then a written
 * AdmissionReview counts a success (skips and denials included, as Istio), a skip also a skip, a
 * denial or an HTTP 4xx a failure.
 */
export function createWebhookServer(options: WebhookServerOptions): FastifyInstance {
  const app = fastify({ logger: false, https: { cert: options.tls.cert, key: options.tls.key }, bodyLimit: MAX_BODY_BYTES });
  const { metrics, logger } = options;
  // Every body reaches the handler as bytes: the admission code decides about content types and JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const started = new WeakMap<object, bigint>();
  const isInject = (req: { method: string; url: string }): boolean => req.method === 'POST' && (req.url === '/inject' || req.url.startsWith('/inject/') || req.url.startsWith('/inject?'));
  app.addHook('onRequest', async (req) => {
    if (!isInject(req)) return;
    metrics.requests.inc();
    started.set(req, process.hrtime.bigint());
  });
  const observe = (req: object): void => {
    const t0 = started.get(req);
    if (t0 !== undefined) metrics.time.observe(Number(process.hrtime.bigint() - t0) / 1e9);
  };

  const send = (reply: FastifyReply, r: Reply): FastifyReply => {
    if (r.outcome === 'rejected' || r.outcome === 'denied') metrics.failure.inc();
    if (r.outcome === 'skipped') metrics.skip.inc();
    if (r.outcome !== 'rejected') metrics.success.inc();
    const level = r.outcome === 'rejected' || r.outcome === 'denied' ? 'warn' : 'info';
    logger[level]({ outcome: r.outcome, status: r.status }, r.detail);
    return reply.code(r.status).type(r.contentType).send(r.body);
  };

  const handler = async (req: { body: unknown; headers: Record<string, string | string[] | undefined>; url: string }, reply: FastifyReply): Promise<FastifyReply> => {
    const body = Buffer.isBuffer(req.body) ? req.body : undefined;
    const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
    const path = req.url.split('?')[0] ?? req.url;
    const r = handleAdmission(body, contentType, path, options);
    observe(req);
    return send(reply, r);
  };
  app.post('/inject', handler);
  app.post('/inject/*', handler);

  // Bodies too large (and any other framework error) still answer with a reason and count as failures.
  app.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
    observe(req);
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (isInject(req)) return send(reply, { status, contentType: 'text/plain; charset=utf-8', body: `${error.message}\n`, outcome: 'rejected', detail: error.message });
    return reply.code(status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
  });
  return app;
}
