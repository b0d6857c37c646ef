// A port nothing listens on right now, for tests that must name a port before binding it.

import { createServer } from 'node:net';
import { freePort } from '@weft/shared/node';

export { freePort } from '@weft/shared/node';

/** A port free on every one of `hosts` at once (taken on the first, then tried on the others), for a
 *  listener the proxy binds on one address while the app takes the same port on another. */
export async function freePortOnAll(hosts: readonly string[]): Promise<number> {
  const [first = '127.0.0.1', ...others] = hosts;
  for (;;) {
    const port = await freePort(first);
    const free = await Promise.all(
      others.map(async (host) => {
        const s = createServer();
        const ok = await new Promise<boolean>((resolve) => {
          s.once('error', () => resolve(false));
          s.listen(port, host, () => resolve(true));
        });
        if (ok) await new Promise((resolve) => s.close(resolve));
        return ok;
      }),
    );
    if (free.every(Boolean)) return port;
  }
}
