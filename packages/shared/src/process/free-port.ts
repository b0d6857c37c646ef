// A port free right now, for programs that must be told a port before they bind it (Prometheus, a
// proxy listener the test names in config) rather than binding port 0 and reporting it.

import { createServer } from 'node:net';

/** A port free on `host`, chosen by the kernel (bound to port 0, then released). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
