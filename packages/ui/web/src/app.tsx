// The dashboard shell: header, navigation, the namespace / time range / refresh controls, and the page
// of the current hash route. The refresh tick drives every page's refetch.

import { useEffect, useState } from 'react';
import type { NamespacesResponse, StatusResponse } from './api.js';
import { ConfigPage } from './pages/config-page.js';
import { DetailPage } from './pages/detail-page.js';
import { ErrorsPage } from './pages/errors-page.js';
import { GraphPage } from './pages/graph-page.js';
import { NamespacesPage } from './pages/namespaces-page.js';
import { ProxiesPage } from './pages/proxies-page.js';
import { parseRoute, type Route } from './route.js';
import { useApi } from './use-api.js';

/** Props of {@link App}. */
export interface AppProps {
  /** The version to show before the backend says (tests render without a backend). */
  readonly version: string;
  /** The location hash to start from (default: the browser's). */
  readonly initialHash?: string;
}

const DURATIONS = ['1m', '5m', '10m', '30m', '1h'] as const;
const REFRESH = [
  [0, 'Off'],
  [5, '5s'],
  [10, '10s'],
  [30, '30s'],
  [60, '1m'],
] as const;

const NAV: readonly (readonly [Route['page'], string, string])[] = [
  ['graph', '#/graph', 'Graph'],
  ['namespaces', '#/namespaces', 'Namespaces'],
  ['config', '#/config', 'Istio config'],
  ['proxies', '#/proxies', 'Proxies'],
  ['errors', '#/errors', 'Errors'],
];

function useHash(initial?: string): string {
  const [hash, setHash] = useState(initial ?? (typeof window === 'undefined' ? '' : window.location.hash));
  useEffect(() => {
    const on = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

/** The top-level dashboard component. */
export function App({ version, initialHash }: AppProps) {
  const route = parseRoute(useHash(initialHash));
  const [duration, setDuration] = useState<string>('1m');
  const [refreshSeconds, setRefreshSeconds] = useState<number>(10);
  const [namespace, setNamespace] = useState('');
  const [tick, setTick] = useState(0);
  const [updated, setUpdated] = useState<Date | undefined>(undefined);
  useEffect(() => {
    setUpdated(new Date());
    if (refreshSeconds === 0) return;
    const timer = setInterval(() => {
      setTick((t) => t + 1);
      setUpdated(new Date());
    }, refreshSeconds * 1000);
    return () => clearInterval(timer);
  }, [refreshSeconds]);
  const status = useApi<StatusResponse>('/api/status', 0);
  const namespaces = useApi<NamespacesResponse>(`/api/namespaces?duration=${duration}`, tick);
  const shownVersion = status.data?.version ?? version;
  const props = { tick, duration, namespace, selectNamespace: setNamespace };

  return (
    <div className="app">
      <a className="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>Skip to content</a>
      <header className="top">
        <h1>Weft</h1>
        <span className="muted">Service mesh dashboard {shownVersion ? `(weft ${shownVersion})` : ''}</span>
        <nav aria-label="Pages">
          <ul>
            {NAV.map(([page, href, text]) => (
              <li key={page}>
                <a href={href} aria-current={route.page === page ? 'page' : undefined}>{text}</a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <div className="toolbar" role="toolbar" aria-label="Filters and refresh">
        <label>
          Namespace{' '}
          <select value={namespace} onChange={(e) => setNamespace(e.target.value)}>
            <option value="">All</option>
            {(namespaces.data?.namespaces ?? []).map((n) => (
              <option key={n.name} value={n.name}>{n.name}</option>
            ))}
          </select>
        </label>
        <label>
          Time range{' '}
          <select value={duration} onChange={(e) => setDuration(e.target.value)}>
            {DURATIONS.map((d) => (
              <option key={d} value={d}>Last {d}</option>
            ))}
          </select>
        </label>
        <label>
          Refresh{' '}
          <select value={refreshSeconds} onChange={(e) => setRefreshSeconds(Number(e.target.value))}>
            {REFRESH.map(([s, text]) => (
              <option key={s} value={s}>{text}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => {
          setTick((t) => t + 1);
          setUpdated(new Date());
        }}>Refresh now</button>
        <span className="muted" aria-live="off">{updated ? `updated ${updated.toLocaleTimeString()}` : ''}</span>
        {status.data && !status.data.weftdReachable ? <span className="warn" role="status">weftd {status.data.weftd ?? '(not configured)'} is not reachable</span> : null}
      </div>
      <main id="main" tabIndex={-1}>
        {route.page === 'graph' ? <GraphPage {...props} view={route.view} /> : null}
        {route.page === 'namespaces' ? <NamespacesPage {...props} /> : null}
        {route.page === 'detail' ? <DetailPage {...props} kind={route.kind} namespace={route.namespace} name={route.name} /> : null}
        {route.page === 'config' ? <ConfigPage {...props} {...(route.select ? { select: route.select } : {})} /> : null}
        {route.page === 'proxies' ? <ProxiesPage {...props} /> : null}
        {route.page === 'errors' ? <ErrorsPage {...props} /> : null}
      </main>
    </div>
  );
}
