// Outgoing calls of the sample services: GET a JSON resource of another service, straight to its host
// or through the sidecar's explicit HTTP proxy, with a deadline. Knows nothing about what the services
// mean; the caller decides what a status or a failure shows.

import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { formatAuthority, type ProxyForm, type ServiceAddress } from './config.js';

/** What a call got: a response (any status; `body` is the parsed JSON, undefined when not JSON), or why none came. */
export type UpstreamResult =
  | { readonly ok: true; readonly status: number; readonly body: unknown }
  | { readonly ok: false; readonly reason: string };

/** Makes calls; owns a keep-alive connection pool. */
export interface UpstreamClient {
  /**
   * GETs `path` from `to` with `headers` (the Host header is always `to`'s `host:port`). Never
   * rejects: connection errors and the deadline, which covers the whole response, are `{ ok: false }`.
   */
  getJson(to: ServiceAddress, path: string, headers: Readonly<Record<string, string>>, timeoutMs: number): Promise<UpstreamResult>;
  /** Closes pooled connections; calls in flight fail. */
  close(): void;
}

/** Responses larger than this are cut off as failures: the sample's own are a few hundred bytes. */
const MAX_BODY_BYTES = 1 << 20;

/** Creates a client; with `proxy`, every call goes to it, its request-target in `proxyForm`. */
export function createUpstreamClient(options: { readonly proxy: ServiceAddress | undefined; readonly proxyForm: ProxyForm }): UpstreamClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  return {
    getJson(to, path, headers, timeoutMs) {
      const authority = formatAuthority(to);
      const via = options.proxy ?? to;
      const target = options.proxy !== undefined && options.proxyForm === 'absolute' ? `http://${authority}${path}` : path;
      const outHeaders: OutgoingHttpHeaders = { ...headers, host: authority, accept: 'application/json' };
      return new Promise<UpstreamResult>((resolve) => {
        let settled = false;
        const settle = (r: UpstreamResult): void => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(r);
        };
        const req = request({ host: via.host, port: via.port, method: 'GET', path: target, headers: outHeaders, agent, setHost: false }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`response larger than ${MAX_BODY_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => settle({ ok: true, status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')) }));
          res.on('error', (e) => settle({ ok: false, reason: e.message }));
        });
        const timer = setTimeout(() => {
          settle({ ok: false, reason: `no response from ${authority} within ${timeoutMs} ms` });
          req.destroy();
        }, timeoutMs);
        req.on('error', (e) => settle({ ok: false, reason: `${authority}: ${e.message}` }));
        req.end();
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
