// A loopback port whose listener never accepts: connects to it hang in the handshake, so connect
// timeouts can be tested without leaving 127.0.0.0/8 and without tools beyond Node.

import { once } from 'node:events';
import { connect } from 'node:net';
import { Worker } from 'node:worker_threads';

/**
 * Listens on 127.0.0.1 in a worker whose event loop is then blocked (so nothing is ever accepted),
 * fills the accept queue (backlog 1, plus the kernel's slack), and returns the port and a cleanup.
 * Further connects get their SYNs dropped and hang until the caller's timeout.
 */
export async function unacceptingPort(): Promise<{ port: number; close(): Promise<void> }> {
  const worker = new Worker(
    `const net = require('node:net');
     const server = net.createServer();
     server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
       require('node:worker_threads').parentPort.postMessage(server.address().port);
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 30000);
     });`,
    { eval: true },
  );
  const [port] = (await once(worker, 'message')) as [number];
  const fillers = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  for (const f of fillers) {
    f.on('error', () => undefined);
    await once(f, 'connect');
  }
  return {
    port,
    async close() {
      for (const f of fillers) f.destroy();
      await worker.terminate();
    },
  };
}
