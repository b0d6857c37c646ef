// Fetching the backend's JSON: one hook that refetches when the path or the refresh tick changes,
// keeps the last good data while it refetches, and ignores answers of requests it abandoned.

import { useEffect, useState } from 'react';

export interface ApiState<T> {
  readonly data?: T;
  readonly error?: string;
  readonly loading: boolean;
}

/** GETs `path` now and whenever `path` or `tick` changes. */
export function useApi<T>(path: string | undefined, tick: number): ApiState<T> {
  const [state, setState] = useState<ApiState<T>>({ loading: path !== undefined });
  useEffect(() => {
    if (path === undefined) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    fetch(path, { signal: controller.signal })
      .then(async (res) => {
        const body = (await res.json()) as T & { error?: string };
        if (!res.ok) throw new Error(body.error ?? `${path} answered ${res.status}`);
        setState({ data: body, loading: false });
      })
      .catch((e: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e), loading: false }));
      });
    return () => controller.abort();
  }, [path, tick]);
  return state;
}
