// Serving one sample service over node:http: listen, and close with every connection (keep-alive
// ones included) so a stopped service frees its port at once.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** A request handler; it must answer every request (errors are its own business). */
export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A listening service. */
export interface ServiceHandle {
  /** The bound address and port (the real one when 0 was asked for). */
  readonly address: string;
  readonly port: number;
  /** `http://address:port`, for clients and logs. */
  readonly url: string;
  /** Stops listening, drops open connections, then runs `onClose`. Idempotent. */
  close(): Promise<void>;
}

/** Listens on `address:port`; rejects when the port cannot be bound. A handler that throws answers 500. */
export async function listenService(handler: RequestHandler, address: string, port: number, onClose: () => void = () => {}): Promise<ServiceHandle> {
  const server = createServer((req, res) => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port;
  let closing: Promise<void> | undefined;
  return {
    address,
    port: boundPort,
    url: `http://${address.includes(':') ? `[${address}]` : address}:${boundPort}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          onClose();
          resolve();
        });
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
