// The proxy's lifecycle as Envoy reports it on /ready and in the `server.state` stat:
// PRE_INITIALIZING → INITIALIZING (waiting for the first config) → LIVE → DRAINING. It only moves forward.

/** Envoy's server states. */
export type ServerState = 'PRE_INITIALIZING' | 'INITIALIZING' | 'LIVE' | 'DRAINING';

/** Envoy's numeric `server.state` values (envoy.admin.v3.ServerInfo.State). */
export const SERVER_STATE_NUMBER: Readonly<Record<ServerState, number>> = Object.freeze({ LIVE: 0, DRAINING: 1, PRE_INITIALIZING: 2, INITIALIZING: 3 });

const ORDER: readonly ServerState[] = ['PRE_INITIALIZING', 'INITIALIZING', 'LIVE', 'DRAINING'];

/** The current state; moving backwards is ignored (a drain is never undone, LIVE never goes back). */
export class ServerLifecycle {
  private current: ServerState = 'PRE_INITIALIZING';

  get state(): ServerState {
    return this.current;
  }

  /** Moves to `next` if it is later than the current state; returns whether it moved. */
  advance(next: ServerState): boolean {
    if (ORDER.indexOf(next) <= ORDER.indexOf(this.current)) return false;
    this.current = next;
    return true;
  }
}
