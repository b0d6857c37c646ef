// Proxies connected to weftd and their xDS sync state per type (istioctl proxy-status).
import type { ProxiesResponse, SyncState } from '../api.js';
import { Empty, Loaded } from '../components/status.js';
import type { PageProps } from './page-props.js';
import { useApi } from '../use-api.js';

const TYPES = ['CDS', 'LDS', 'EDS', 'RDS'] as const;
const cls = (s: SyncState): string => (s === 'SYNCED' ? 'ok' : s === 'NACKED' ? 'bad' : 'warn');

export function ProxiesPage({ tick, namespace }: Pick<PageProps, 'tick' | 'namespace'>) {
  const state = useApi<ProxiesResponse>('/api/proxies', tick);
  return (
    <section aria-labelledby="proxies-title">
      <h2 id="proxies-title">Proxies</h2>
      <Loaded state={state} what="proxies">
        {(d) => {
          const list = d.proxies.filter((p) => !namespace || p.namespace === namespace);
          if (list.length === 0) return <Empty>No proxy is connected to weftd{namespace ? ` in ${namespace}` : ''}.</Empty>;
          return (
            <div className="table-scroll">
              <table>
                <caption>xDS sync state as weftd sees it (/debug/syncz): SYNCED means the proxy acknowledged the last version sent.</caption>
                <thead>
                  <tr>
                    <th scope="col">Proxy</th><th scope="col">Namespace</th><th scope="col">Type</th>
                    {TYPES.map((t) => <th key={t} scope="col">{t}</th>)}
                    <th scope="col">Connected</th><th scope="col">Last NACK</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((p) => (
                    <tr key={p.id} title={p.id}>
                      <td>{p.name}</td><td>{p.namespace}</td><td>{p.type}</td>
                      {TYPES.map((t) => <td key={t} className={`sync ${cls(p.sync[t])}`}>{p.sync[t]}</td>)}
                      <td>{new Date(p.connectedAt).toLocaleString()}</td>
                      <td>{p.lastError ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
