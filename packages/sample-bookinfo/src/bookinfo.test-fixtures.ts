// Test-only plumbing for the sample's suites: an HTTP client with full header control, a recording
// forward proxy (explicit-proxy mode, or a tap in front of one service), stub upstreams, and the four
// real services started from environment variables as a run would start them. Not part of the build.

import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSampleConfig, type Environment, type ServiceName } from './config.js';
import type { ServiceHandle } from './service-server.js';
import { startSampleService } from './start-service.js';

/** A response as the test client saw it. */
export interface Got {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json(): unknown;
}

/** GETs `url` on a fresh connection with exactly `headers` (plus Host). */
export function get(url: string, headers: Readonly<Record<string, string>> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Tracks everything a test starts so afterEach can close it all. */
export class Cleanup {
  readonly #closers: (() => Promise<void>)[] = [];
  add(close: () => Promise<void>): void {
    this.#closers.push(close);
  }
  async run(): Promise<void> {
    const all = this.#closers.splice(0).reverse();
    await Promise.all(all.map((c) => c()));
  }
}

async function listen(server: Server, cleanup: Cleanup): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return (server.address() as AddressInfo).port;
}

/** One request as a recording proxy received it. */
export interface Recorded {
  /** The request-target as sent: absolute-form or origin-form. */
  readonly url: string;
  readonly host: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

/** A running recording proxy. */
export interface RecordingProxy {
  readonly port: number;
  readonly url: string;
  readonly requests: Recorded[];
  /** Requests whose authority (absolute-form, else Host) is `authority`. */
  to(authority: string): Recorded[];
}

/**
 * A tiny forward proxy: takes the authority from an absolute-form target, else the Host header, asks
 * `route` for a local port, and forwards the request there in origin form with its headers. 502 when
 * `route` knows no such authority. Records every request it receives.
 */
export async function startRecordingProxy(route: (authority: string) => number | undefined, cleanup: Cleanup): Promise<RecordingProxy> {
  const requests: Recorded[] = [];
  const authorityOf = (r: Recorded): string => (/^http:\/\//.test(r.url) ? new URL(r.url).host : (r.host ?? ''));
  const server = createServer((req, res) => {
    const rec: Recorded = { url: req.url ?? '', host: req.headers.host, headers: req.headers };
    requests.push(rec);
    const authority = authorityOf(rec);
    const port = route(authority);
    if (port === undefined) {
      res.writeHead(502).end(`no route to ${authority}`);
      return;
    }
    const path = /^http:\/\//.test(rec.url) ? ((u) => u.pathname + u.search)(new URL(rec.url)) : rec.url;
    const up = request({ host: '127.0.0.1', port, method: req.method, path, headers: req.headers, agent: false }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  const port = await listen(server, cleanup);
  return { port, url: `http://127.0.0.1:${port}`, requests, to: (a) => requests.filter((r) => authorityOf(r) === a) };
}

/** A tap: a recording proxy in front of one local port, whatever the request names. */
export function startTap(targetPort: number, cleanup: Cleanup): Promise<RecordingProxy> {
  return startRecordingProxy(() => targetPort, cleanup);
}

/** A stand-in upstream (for failures no real service produces): `handler` answers, requests are counted. */
export async function startStub(handler: (req: IncomingMessage, res: ServerResponse) => void, cleanup: Cleanup): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    handler(req, res);
  });
  const port = await listen(server, cleanup);
  return { port, hits: () => hits };
}

/** Starts one real sample service on 127.0.0.1, port 0, configured from `env` as its program would be. */
export async function startService(service: ServiceName, env: Environment, cleanup: Cleanup): Promise<ServiceHandle> {
  const parsed = parseSampleConfig(service, { WEFT_SAMPLE_ADDRESS: '127.0.0.1', WEFT_SAMPLE_PORT: '0', ...env });
  if (!parsed.ok) throw new Error(parsed.errors.join('; '));
  const handle = await startSampleService(parsed.config);
  cleanup.add(() => handle.close());
  return handle;
}

/** `127.0.0.1:<port>`, for WEFT_SAMPLE_<SERVICE> in direct mode. */
export const local = (port: number): string => `127.0.0.1:${port}`;
