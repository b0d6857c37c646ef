// An HTTP/2-only app for e2e scenarios (h2c, prior knowledge; no HTTP/1.1 at all, so every request it
// answers proves the proxy in front of it spoke HTTP/2): answers each request with its version header
// and a JSON body (version, method, path, bytes of request body received), and records what it saw.

import { createServer, constants, type Http2Server, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { AppServer } from './app-server.js';
import { VERSION_HEADER } from './upstream-server.js';

/** A request as the app saw it. */
export interface SeenH2Request {
  readonly method: string;
  readonly path: string;
  readonly authority: string | undefined;
  readonly httpVersion: string;
  readonly headers: Http2ServerRequest['headers'];
  /** Bytes of request body received. */
  readonly bytes: number;
}

/** What the app answers: the same fields as the request it saw. */
export interface H2cAnswer {
  readonly version: string;
  readonly method: string;
  readonly path: string;
  readonly bytes: number;
}

/** A running h2c app. */
export class H2cUpstreamServer implements AppServer {
  readonly seen: SeenH2Request[] = [];
  readonly #sessions = new Set<ServerHttp2Session>();

  private constructor(
    readonly version: string,
    readonly address: string,
    readonly port: number,
    private readonly server: Http2Server,
  ) {}

  /** Starts the app named `version` on `address` and a free port. */
  static async start(version: string, address: string): Promise<H2cUpstreamServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    const app = new H2cUpstreamServer(version, address, (server.address() as AddressInfo).port, server);
    server.on('session', (s: ServerHttp2Session) => {
      app.#sessions.add(s);
      s.once('close', () => app.#sessions.delete(s));
    });
    server.on('request', (req: Http2ServerRequest, res: Http2ServerResponse) => app.handle(req, res));
    return app;
  }

  private handle(req: Http2ServerRequest, res: Http2ServerResponse): void {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      this.seen.push({ method: req.method, path: req.url, authority: req.authority, httpVersion: req.httpVersion, headers: req.headers, bytes });
      const answer: H2cAnswer = { version: this.version, method: req.method, path: req.url, bytes };
      res.writeHead(200, { 'content-type': 'application/json', [VERSION_HEADER]: this.version });
      res.end(JSON.stringify(answer));
    });
  }

  /** Closes the server and every session. */
  async close(): Promise<void> {
    for (const s of this.#sessions) s.close();
    for (const s of this.#sessions) s.destroy(undefined, constants.NGHTTP2_CANCEL);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
