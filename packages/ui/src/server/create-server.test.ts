import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { WEFT_VERSION } from '@weft/shared';
import { createServer } from './create-server.js';

const here = dirname(fileURLToPath(import.meta.url));
let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('weft-ui server', () => {
  it('serves the built app and its health API on a real port', async () => {
    server = await createServer({ webRoot: join(here, '..', '..', 'dist', 'web') });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const health = await fetch(`${address}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok', version: WEFT_VERSION });
    const page = await fetch(`${address}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root"></div>');
  });

  it('says what is missing when the app is not built', async () => {
    server = await createServer({ webRoot: join(here, 'no-such-dir') });
    const address = await server.listen({ port: 0, host: '127.0.0.1' });
    const page = await fetch(`${address}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('not built');
  });
});
