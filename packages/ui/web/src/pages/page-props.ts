// What every page gets from the shell: the refresh tick and the selected time range and namespace.
export interface PageProps {
  /** Increases on every auto-refresh (and on the refresh button). */
  readonly tick: number;
  /** The time range, as the API takes it (`1m`, `5m`, ...). */
  readonly duration: string;
  /** '' for all namespaces. */
  readonly namespace: string;
  /** Changes the selected namespace. */
  readonly selectNamespace: (namespace: string) => void;
}
