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
