// A port nothing listens on right now, for tests that must name a port before binding it.

import { createServer, type AddressInfo } from 'node:net';

/** A port free on `host` (taken from the kernel, then released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, host, resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** A port free on every one of `hosts` at once (taken on the first, then tried on the others), for a
 *  listener the proxy binds on one address while the app takes the same port on another. */
export async function freePortOnAll(hosts: readonly string[]): Promise<number> {
  const [first = '127.0.0.1', ...others] = hosts;
  for (;;) {
    const port = await (async () => {
      const s = createServer();
      await new Promise<void>((resolve) => s.listen(0, first, resolve));
      const p = (s.address() as AddressInfo).port;
      await new Promise((resolve) => s.close(resolve));
      return p;
    })();
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
