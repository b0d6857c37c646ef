// The traffic graph page: view selector, the picture, a legend and the same edges as a table.
import type { GraphResponse } from '../api.js';
import { Empty, Loaded } from '../components/status.js';
import { formatDuration, formatMs, formatPct, formatRps } from '../format.js';
import { GraphView } from '../graph/graph-view.js';
import { useApi } from '../use-api.js';
import type { PageProps } from './page-props.js';

const VIEWS = [
  ['versionedApp', 'Versioned app'],
  ['app', 'App'],
  ['workload', 'Workload'],
  ['service', 'Service'],
] as const;

export function GraphPage({ tick, duration, namespace, view }: PageProps & { readonly view: string }) {
  const state = useGraph(view, namespace, duration, tick);
  return (
    <section aria-labelledby="graph-title">
      <div className="page-head">
        <h2 id="graph-title">Traffic graph</h2>
        <label>
          View{' '}
          <select value={view} onChange={(e) => (window.location.hash = `#/graph?view=${e.target.value}`)}>
            {VIEWS.map(([v, text]) => (
              <option key={v} value={v}>{text}</option>
            ))}
          </select>
        </label>
      </div>
      <Loaded state={state} what="the graph">
        {(g) =>
          g.nodes.length === 0 ? (
            <Empty>No traffic in the last {formatDuration(g.durationSeconds)}{namespace ? ` in ${namespace}` : ''}. Send some requests (for the sample: curl http://127.0.10.100:8080/productpage) and the graph fills in.</Empty>
          ) : (
            <>
              <p className="hint">
                Rates over {formatDuration(Math.round(g.windowSeconds)) || '–'} from {g.source.kind === 'prometheus' ? 'Prometheus' : `${g.source.targets.length} proxies scraped directly`}. Edge labels: share of the source's requests to that service · rate, then errors · p99; a lock marks mutual TLS.
                {g.source.errors.length > 0 ? <span className="warn"> {g.source.errors.length} metric sources failing: {g.source.errors.join('; ')}</span> : null}
              </p>
              <GraphView nodes={g.nodes} edges={g.edges} />
              <Legend />
              <h3>Edges</h3>
              <div className="table-scroll">
                <table className="edges">
                  <thead>
                    <tr><th scope="col">From</th><th scope="col">To</th><th scope="col">Service</th><th scope="col">Share</th><th scope="col">Rate</th><th scope="col">Errors</th><th scope="col">p99</th><th scope="col">mTLS</th></tr>
                  </thead>
                  <tbody>
                    {g.edges.map((e) => {
                      const from = g.nodes.find((n) => n.id === e.source)?.label ?? e.source;
                      const to = g.nodes.find((n) => n.id === e.target)?.label ?? e.target;
                      return (
                        <tr key={e.id} data-edge-row={e.id}>
                          <td>{from}</td><td>{to}</td><td>{e.service}</td><td>{formatPct(e.sharePct)}</td><td>{formatRps(e.rps)} rps</td><td>{formatPct(e.errorPct)}</td><td>{formatMs(e.p99Ms)}</td><td>{e.mtls ? 'yes' : 'no'}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            </>
          )
        }
      </Loaded>
    </section>
  );
}

function useGraph(view: string, namespace: string, duration: string, tick: number) {
  const params = new URLSearchParams({ view, duration });
  if (namespace) params.set('namespace', namespace);
  return useApi<GraphResponse>(`/api/graph?${params}`, tick);
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li><span className="health-dot health-healthy" /> healthy</li>
      <li><span className="health-dot health-degraded" /> degraded (≥ 0.1% errors)</li>
      <li><span className="health-dot health-failure" /> failing (≥ 20% errors)</li>
      <li>○ workload/app · ◇ service · ▢ entry point</li>
      <li><b>VS</b> VirtualService · <b>FI</b> fault injection · <b>CB</b> circuit breaker</li>
    </ul>
  );
}
