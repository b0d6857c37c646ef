// Whether a TCP listener accepts connections, for tests of what the proxy binds.

import { connect } from 'node:net';

/** Whether a new connection to `host:port` is accepted (a refused one is not). */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
