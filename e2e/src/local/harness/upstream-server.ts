// An upstream app for e2e scenarios: an HTTP/1.1 server on a loopback address and a free port that
// answers with its version, records every request it sees (path, headers, x-envoy-attempt-count), and
// can be told to fail: any status, a delay, or closing the connection without an answer. It also
// accepts WebSocket upgrades and echoes each text message prefixed with its version.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FrameReader, acceptKeyFor, encodeTextFrame } from './websocket-frames.js';

/** The response header naming the instance that answered; the load helper counts versions by it. */
export const VERSION_HEADER = 'x-upstream-version';

/** A request as the upstream saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  /** `x-envoy-attempt-count` as a number (0 when absent). */
  readonly attempt: number;
  /** The status answered (undefined when the connection was closed instead). */
  status?: number;
}

/** What to do with one request; every field is optional and the default is a 200 after no delay. */
export interface Behaviour {
  readonly status?: number;
  readonly delayMs?: number;
  /** Destroy the connection instead of answering (after the delay). */
  readonly close?: boolean;
}

/** Decides the behaviour per request (it sees the request and how many came before it). */
export type BehaviourRule = (request: SeenRequest, index: number) => Behaviour;

const answer: BehaviourRule = () => ({});

/** A running upstream. */
export class UpstreamServer {
  /** Every request received, in arrival order. */
  readonly seen: SeenRequest[] = [];
  #rule: BehaviourRule = answer;
  /** Upgraded connections: the HTTP server no longer tracks them, so close() ends them itself. */
  readonly #upgraded = new Set<Socket>();

  private constructor(
    readonly version: string,
    readonly address: string,
    readonly port: number,
    private readonly server: Server,
  ) {}

  /** Starts an upstream named `version` on `address` (a 127.0.0.0/8 address) and a free port. */
  static async start(version: string, address: string): Promise<UpstreamServer> {
    const holder: { upstream?: UpstreamServer } = {};
    const server = createServer((req, res) => holder.upstream?.handle(req, res));
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => holder.upstream?.upgrade(req, socket));
    // Longer than any scenario, so the proxy's pooled connections are never closed under it by the
    // server's idle timer (a race Envoy would meet too, but not one these scenarios are about).
    server.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, address, () => resolve());
    });
    const upstream = new UpstreamServer(version, address, (server.address() as AddressInfo).port, server);
    holder.upstream = upstream;
    return upstream;
  }

  /** Replaces the behaviour rule (applies to requests arriving from now on). */
  behave(rule: BehaviourRule): void {
    this.#rule = rule;
  }

  /** Back to answering 200 at once. */
  reset(): void {
    this.#rule = answer;
    this.seen.length = 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, attempt: Number(req.headers['x-envoy-attempt-count'] ?? 0) };
    const index = this.seen.length;
    this.seen.push(seen);
    const behaviour = this.#rule(seen, index);
    req.resume();
    const respond = (): void => {
      if (behaviour.close) {
        req.socket.destroy();
        return;
      }
      const status = behaviour.status ?? 200;
      seen.status = status;
      const body = JSON.stringify({ version: this.version, path: seen.path, attempt: seen.attempt });
      res.writeHead(status, { 'content-type': 'application/json', [VERSION_HEADER]: this.version, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    if (behaviour.delayMs) {
      const timer = setTimeout(respond, behaviour.delayMs);
      // The proxy gave up (timeout) or the test ends: no answer is owed to a closed connection.
      res.once('close', () => clearTimeout(timer));
    } else {
      respond();
    }
  }

  /** A WebSocket handshake (RFC 6455 §4.2.2), then an echo of each text frame: `<version>: <text>`. */
  private upgrade(req: IncomingMessage, socket: Socket): void {
    this.seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, attempt: Number(req.headers['x-envoy-attempt-count'] ?? 0), status: 101 });
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${acceptKeyFor(key)}\r\n${VERSION_HEADER}: ${this.version}\r\n\r\n`);
    this.#upgraded.add(socket);
    socket.once('close', () => this.#upgraded.delete(socket));
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      for (const text of reader.push(chunk)) socket.write(encodeTextFrame(`${this.version}: ${text}`, false));
    });
    socket.on('error', () => undefined);
  }

  /** Stops accepting connections, closes idle ones and resolves once the requests in flight are answered. */
  async drain(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Closes the server and every connection to it, answered or not. */
  async close(): Promise<void> {
    for (const socket of this.#upgraded) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
