// The weft-ui backend: serves the built single-page app and the dashboard's JSON API.
// It reads mesh state from weftd and Prometheus (later); it never changes the mesh.

import { existsSync } from 'node:fs';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { WEFT_VERSION } from '@weft/shared';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Folder with the built app (index.html + assets). */
  readonly webRoot: string;
}

/** Creates (does not start) the dashboard server. */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/api/health', async () => ({ status: 'ok', version: WEFT_VERSION }));
  if (existsSync(options.webRoot)) {
    await app.register(fastifyStatic, { root: options.webRoot, index: 'index.html' });
  } else {
    app.get('/', async (_req, reply) => reply.code(503).type('text/plain').send(`weft-ui: the web app is not built (no ${options.webRoot}); run the ui build\n`));
  }
  return app;
}
