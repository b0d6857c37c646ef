// Loading, error and empty states, the same on every page.
import type { ReactNode } from 'react';
import type { ApiState } from '../use-api.js';

/** Renders `children(data)` once there is data; until then a loading line, or the error. */
export function Loaded<T>({ state, children, what }: { readonly state: ApiState<T>; readonly what: string; readonly children: (data: T) => ReactNode }) {
  if (state.data !== undefined) {
    return (
      <>
        {state.error ? <p className="notice error" role="alert">Refresh failed: {state.error}</p> : null}
        {children(state.data)}
      </>
    );
  }
  if (state.error) return <p className="notice error" role="alert">Could not load {what}: {state.error}</p>;
  return <p className="notice loading" role="status" aria-live="polite">Loading {what}…</p>;
}

/** What a page says when there is nothing to show. */
export function Empty({ children }: { readonly children: ReactNode }) {
  return <p className="notice empty" role="status">{children}</p>;
}

/** A coloured health dot with its name for screen readers. */
export function HealthDot({ health }: { readonly health: string }) {
  return <span className={`health-dot health-${health}`} role="img" aria-label={health} title={health} />;
}
