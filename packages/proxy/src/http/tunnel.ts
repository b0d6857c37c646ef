// Joins two byte streams after an accepted upgrade (WebSocket): bytes are copied both ways with
// backpressure until either side closes or fails, then both are closed.

import type { Duplex } from 'node:stream';

/**
 * Pipes `downstream` and `upstream` into each other; `upstreamHead` (bytes the upstream sent after its
 * 101) goes downstream first. `onClose` is called once, when both are closed. A half-close (FIN) is
 * passed on, so a protocol that closes one direction first still completes.
 */
export function joinTunnel(downstream: Duplex, upstream: Duplex, upstreamHead: Buffer, onClose: () => void): void {
  let open = 2;
  let failed = false;
  const closed = (): void => {
    if (--open === 0) onClose();
  };
  const fail = (): void => {
    if (failed) return;
    failed = true;
    downstream.destroy();
    upstream.destroy();
  };
  downstream.once('close', () => {
    if (!upstream.destroyed) upstream.destroy();
    closed();
  });
  upstream.once('close', () => {
    if (!downstream.destroyed) downstream.destroy();
    closed();
  });
  downstream.on('error', fail);
  upstream.on('error', fail);
  if (upstreamHead.length > 0) downstream.write(upstreamHead);
  upstream.pipe(downstream);
  downstream.pipe(upstream);
  upstream.resume();
  downstream.resume();
}
