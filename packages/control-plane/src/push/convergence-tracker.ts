// Measures convergence (Istio's pilot_proxy_convergence_time): from the config change (or the
// connection) behind a push until the proxy has ACKed every response that push produced. Bookkeeping
// only: the push controller feeds it pushes, the ADS server's events feed it responses and ACKs.

interface Pending {
  /** When the oldest config change not yet converged happened (ms since epoch). */
  startedAt: number;
  /** Type URL → version written and not yet ACKed. */
  awaiting: Map<string, string>;
  /** Responses for this push may still come from requests (a new connection subscribes after). */
  open: boolean;
}

/** Tracks pushes per node id; calls `observe` with the convergence time in seconds. */
export class ConvergenceTracker {
  private readonly pending = new Map<string, Pending>();
  private inPush: string | undefined;

  constructor(
    private readonly observe: (seconds: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** A push to `nodeId` for changes made at `startedAt` begins; responses written until {@link endPush}
   *  belong to it. A push that supersedes an unconverged one keeps the older start: the proxy has not
   *  caught up since then. `open` (a new connection): responses written later, when its requests
   *  arrive, belong to it too. */
  beginPush(nodeId: string, startedAt: number, open = false): void {
    const p = this.pending.get(nodeId);
    if (p) {
      p.startedAt = Math.min(p.startedAt, startedAt);
      p.open ||= open;
    } else this.pending.set(nodeId, { startedAt, awaiting: new Map(), open });
    this.inPush = nodeId;
  }

  /** The push started by {@link beginPush} is written. A push that wrote nothing (no subscribed type
   *  changed) has nothing to converge. */
  endPush(nodeId: string): void {
    this.inPush = undefined;
    const p = this.pending.get(nodeId);
    if (p && p.awaiting.size === 0 && !p.open) this.pending.delete(nodeId);
  }

  /** A response of `version` for `typeUrl` was written to `nodeId`. */
  response(nodeId: string, typeUrl: string, version: string): void {
    const p = this.pending.get(nodeId);
    if (p && (p.open || this.inPush === nodeId)) p.awaiting.set(typeUrl, version);
  }

  /** `nodeId` ACKed `version` of `typeUrl`; records the convergence time once nothing is awaited. */
  ack(nodeId: string, typeUrl: string, version: string): void {
    const p = this.pending.get(nodeId);
    if (!p || p.awaiting.get(typeUrl) !== version) return;
    p.awaiting.delete(typeUrl);
    if (p.awaiting.size > 0) return;
    this.pending.delete(nodeId);
    this.observe(Math.max(0, this.now() - p.startedAt) / 1000);
  }

  /** A NACK or a disconnect: that push will never converge; forget it. */
  abandon(nodeId: string): void {
    this.pending.delete(nodeId);
  }

  /** Node ids with a push not yet converged. */
  pendingNodes(): string[] {
    return [...this.pending.keys()];
  }
}
