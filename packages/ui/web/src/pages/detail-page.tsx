// Service or workload detail: health, inbound and outbound rate / error / p99 charts, peers, registry
// facts and the config that names it.
import type { DetailResponse, TrafficDirection } from '../api.js';
import { LineChart } from '../components/line-chart.js';
import { Empty, HealthDot, Loaded } from '../components/status.js';
import { formatMs, formatPct, formatRps } from '../format.js';
import { useApi } from '../use-api.js';
import type { PageProps } from './page-props.js';

export function DetailPage({ tick, duration, kind, namespace, name }: Pick<PageProps, 'tick' | 'duration'> & { readonly kind: 'services' | 'workloads'; readonly namespace: string; readonly name: string }) {
  const state = useApi<DetailResponse>(`/api/${kind}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}?duration=${duration}`, tick);
  const noun = kind === 'services' ? 'Service' : 'Workload';
  return (
    <section aria-labelledby="detail-title">
      <h2 id="detail-title">
        {noun} {name} <span className="muted">({namespace})</span>
      </h2>
      <Loaded state={state} what={`${noun.toLowerCase()} ${name}`}>
        {(d) => (
          <>
            <p>
              <HealthDot health={d.health} /> {d.health}
            </p>
            {d.facts.length > 0 ? (
              <dl className="facts">
                {d.facts.map((f) => (
                  <div key={f.label}>
                    <dt>{f.label}</dt>
                    <dd>{f.value}</dd>
                  </div>
                ))}
              </dl>
            ) : null}
            <Direction title="Inbound" peerTitle="From" d={d.inbound} />
            <Direction title="Outbound" peerTitle="To" d={d.outbound} />
            <h3>Istio config</h3>
            {d.config.length === 0 ? (
              <Empty>No VirtualService, DestinationRule or ServiceEntry names it.</Empty>
            ) : (
              <ul>
                {d.config.map((c) => (
                  <li key={`${c.kind}/${c.namespace}/${c.name}`}>
                    <a href={`#/config?select=${encodeURIComponent(`${c.kind}/${c.namespace}/${c.name}`)}`}>{c.kind} {c.namespace}/{c.name}</a>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}

function Direction({ title, peerTitle, d }: { readonly title: string; readonly peerTitle: string; readonly d: TrafficDirection }) {
  return (
    <section className="direction" aria-label={`${title} traffic`}>
      <h3>
        {title}: {formatRps(d.summary.rps)} rps, {formatPct(d.summary.errorPct)} errors, p99 {formatMs(d.summary.p99Ms)}
      </h3>
      <div className="charts">
        <LineChart title="Request rate (rps)" points={d.points} value={(p) => p.rps} format={formatRps} />
        <LineChart title="Error rate" points={d.points} value={(p) => (p.rps > 0 ? p.errorPct : undefined)} format={formatPct} />
        <LineChart title="p99 latency" points={d.points} value={(p) => p.p99Ms} format={formatMs} />
      </div>
      {d.peers.length === 0 ? (
        <Empty>No {title.toLowerCase()} traffic in this time range.</Empty>
      ) : (
        <table>
          <thead>
            <tr><th scope="col">{peerTitle}</th><th scope="col">Rate</th><th scope="col">Errors</th></tr>
          </thead>
          <tbody>
            {d.peers.map((p) => (
              <tr key={p.name}><td>{p.name}</td><td>{formatRps(p.rps)} rps</td><td>{formatPct(p.errorPct)}</td></tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
