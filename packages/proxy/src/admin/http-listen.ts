// Starting and stopping the proxy's small HTTP servers (admin, health): bind, report the real port,
// and close without waiting for idle keep-alive connections.

import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A running HTTP server. */
export interface HttpServerHandle {
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting and drops open connections. Idempotent. */
  close(): Promise<void>;
}

/** A plain response: status, body and its content type. */
export interface PlainResponse {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

/** Serves `handle` on `host:port`; rejects when the port cannot be bound (in use, no permission). */
export async function listenHttp(host: string, port: number, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<HttpServerHandle> {
  const server = createServer(handle);
  // A probe or curl that goes away must not leave sockets behind for long.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Writes a {@link PlainResponse}. */
export function send(res: ServerResponse, response: PlainResponse): void {
  res.writeHead(response.status, { 'content-type': response.contentType ?? 'text/plain; charset=utf-8', 'cache-control': 'no-cache, max-age=0', 'x-content-type-options': 'nosniff' });
  res.end(response.body);
}
