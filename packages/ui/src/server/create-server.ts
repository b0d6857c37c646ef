// The weft-ui backend: serves the built single-page app and the dashboard's JSON API (api-routes.ts).
// It reads mesh state from weftd and metrics from Prometheus or the proxies; it never changes the mesh.

import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { WEFT_VERSION } from '@weft/shared';
import { registerApiRoutes } from './api-routes.js';
import { createWeftdClient, type WeftdClient } from './mesh/weftd-client.js';
import type { MetricSource } from './metrics/metric-source.js';
import { createScrapeSource } from './metrics/scrape-source.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Folder with the built app (index.html + assets). */
  readonly webRoot: string;
  /** Where metrics come from (default: nothing scraped). Closed with the server. */
  readonly metrics?: MetricSource;
  /** weftd's debug API (default: none, so config and proxy lists are empty). */
  readonly weftd?: WeftdClient;
}

/** Creates (does not start) the dashboard server. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  const metrics = options.metrics ?? createScrapeSource({ targets: [] });
  app.addHook('onClose', async () => metrics.close());
  app.get('/api/health', async () => ({ status: 'ok', version: WEFT_VERSION }));
  registerApiRoutes(app, metrics, options.weftd ?? createWeftdClient(undefined));
  if (existsSync(options.webRoot)) {
    await app.register(fastifyStatic, { root: options.webRoot, index: 'index.html' });
  } else {
    app.get('/', async (_req, reply) => reply.code(503).type('text/plain').send(`weft-ui: the web app is not built (no ${options.webRoot}); run the ui build\n`));
  }
  return app;
}
