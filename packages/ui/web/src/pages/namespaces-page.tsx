// Namespaces overview: health, workloads by health, inbound rate and errors, config count.
import type { NamespacesResponse } from '../api.js';
import { Empty, HealthDot, Loaded } from '../components/status.js';
import { formatMs, formatPct, formatRps } from '../format.js';
import { useApi } from '../use-api.js';
import type { PageProps } from './page-props.js';

export function NamespacesPage({ tick, duration, namespace, selectNamespace }: PageProps) {
  const state = useApi<NamespacesResponse>(`/api/namespaces?duration=${duration}`, tick);
  return (
    <section aria-labelledby="ns-title">
      <h2 id="ns-title">Namespaces</h2>
      <Loaded state={state} what="namespaces">
        {(d) => {
          const list = d.namespaces.filter((n) => !namespace || n.name === namespace);
          if (list.length === 0) return <Empty>No namespace has config or traffic yet.</Empty>;
          return (
            <div className="cards">
              {list.map((n) => (
                <article key={n.name} className={`card health-border-${n.health}`} aria-labelledby={`ns-${n.name}`}>
                  <h3 id={`ns-${n.name}`}><HealthDot health={n.health} /> {n.name}</h3>
                  <p>
                    {n.workloads.healthy} healthy, {n.workloads.degraded} degraded, {n.workloads.failure} failing, {n.workloads.idle} idle workloads
                  </p>
                  <dl>
                    <dt>Inbound</dt><dd>{formatRps(n.inbound.rps)} rps</dd>
                    <dt>Errors</dt><dd>{formatPct(n.inbound.errorPct)}</dd>
                    <dt>p99</dt><dd>{formatMs(n.inbound.p99Ms)}</dd>
                    <dt>Config</dt><dd>{n.configCount} resources</dd>
                  </dl>
                  <p><a href="#/graph?view=versionedApp" onClick={() => selectNamespace(n.name)}>Show its graph</a></p>
                </article>
              ))}
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
