// A WebSocket client for e2e scenarios, the app's side: opens a raw connection (to the proxy's outbound
// port as an explicit proxy, or to a per-service listener), sends the opening handshake, checks the
// 101 and its accept key, then exchanges text frames (websocket-frames.ts).

import { connect, type Socket } from 'node:net';
import { FrameReader, acceptKeyFor, encodeTextFrame, newWebSocketKey } from './websocket-frames.js';

/** An open WebSocket. */
export interface WebSocketConnection {
  /** Response headers of the 101 (lower-case names). */
  readonly headers: Readonly<Record<string, string>>;
  send(text: string): void;
  /** The next text message from the server (rejects if the connection ends first or after 5 s). */
  next(): Promise<string>;
  close(): void;
}

/** The outcome of a handshake: the open connection, or the status and head of a refusal. */
export type WebSocketOpen = { readonly ok: true; readonly socket: WebSocketConnection } | { readonly ok: false; readonly status: number; readonly head: string };

/**
 * Connects to `host`:`port` and asks for a WebSocket at `target` (`/path`, or `http://authority/path`
 * for an explicit proxy) with Host `authority`.
 */
export function openWebSocket(host: string, port: number, authority: string, target: string): Promise<WebSocketOpen> {
  const key = newWebSocketKey();
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, host);
    let head = Buffer.alloc(0);
    const onHead = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onHead);
      const text = head.subarray(0, end).toString('latin1');
      const rest = head.subarray(end + 4);
      const [statusLine = '', ...lines] = text.split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      if (status !== 101) {
        socket.destroy();
        resolve({ ok: false, status, head: text });
        return;
      }
      if (headers['sec-websocket-accept'] !== acceptKeyFor(key)) {
        socket.destroy();
        reject(new Error(`bad Sec-WebSocket-Accept in ${JSON.stringify(text)}`));
        return;
      }
      resolve({ ok: true, socket: wrap(socket, headers, rest) });
    };
    socket.on('data', onHead);
    socket.once('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error('no handshake answer in 10 s')));
    socket.write(`GET ${target} HTTP/1.1\r\nhost: ${authority}\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: ${key}\r\nsec-websocket-version: 13\r\n\r\n`);
  });
}

function wrap(socket: Socket, headers: Record<string, string>, early: Buffer): WebSocketConnection {
  socket.setTimeout(0);
  const reader = new FrameReader();
  const queue: string[] = [];
  const waiting: { resolve: (text: string) => void; reject: (e: Error) => void }[] = [];
  let ended: Error | undefined;
  const deliver = (chunk: Buffer): void => {
    for (const text of reader.push(chunk)) {
      const w = waiting.shift();
      if (w) w.resolve(text);
      else queue.push(text);
    }
  };
  deliver(early);
  socket.on('data', deliver);
  const end = (e: Error): void => {
    ended ??= e;
    for (const w of waiting.splice(0)) w.reject(e);
  };
  socket.on('close', () => end(new Error('the WebSocket connection closed')));
  socket.on('error', (e) => end(e));
  return {
    headers,
    send: (text) => void socket.write(encodeTextFrame(text, true)),
    next() {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no WebSocket message in 5 s')), 5000);
        waiting.push({
          resolve: (t) => (clearTimeout(timer), resolve(t)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        });
      });
    },
    close: () => void socket.destroy(),
  };
}
