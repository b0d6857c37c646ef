// The injector's plain-HTTP monitoring port (Istio's 15014): /metrics (the sidecar_injection_*
// metrics and the process's) and /ready. Read-only.

import fastify, { type FastifyInstance } from 'fastify';
import type { InjectionMetrics } from '../metrics/injection-metrics.js';

/** Creates the monitoring app; `isReady` says whether the webhook listens. */
export function createMonitoringServer(metrics: InjectionMetrics, isReady: () => boolean): FastifyInstance {
  const app = fastify({ logger: false });
  app.get('/ready', async (_req, reply) => (isReady() ? reply.code(200).type('text/plain').send('ready\n') : reply.code(503).type('text/plain').send('not ready: the webhook server is not listening\n')));
  app.get('/metrics', async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.scrape()));
  return app;
}
