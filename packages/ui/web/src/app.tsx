// The dashboard shell. Pages (graph, services, config, proxies) arrive with the dashboard issue.

/** Props of {@link App}: the version the backend reports. */
export interface AppProps {
  readonly version: string;
}

/** The top-level dashboard component. */
export function App({ version }: AppProps) {
  return (
    <main>
      <h1>Weft</h1>
      <p>Service mesh dashboard {version ? `(weft ${version})` : ''}</p>
    </main>
  );
}
