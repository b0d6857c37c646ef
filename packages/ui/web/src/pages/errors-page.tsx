// Failed requests by Envoy response flag, then by flag, code, client and server.
import type { ErrorsResponse } from '../api.js';
import { Empty, Loaded } from '../components/status.js';
import { formatDuration, formatRps } from '../format.js';
import { useApi } from '../use-api.js';
import type { PageProps } from './page-props.js';

export function ErrorsPage({ tick, duration, namespace }: PageProps) {
  const state = useApi<ErrorsResponse>(`/api/errors?duration=${duration}`, tick);
  return (
    <section aria-labelledby="errors-title">
      <h2 id="errors-title">Errors by response flag</h2>
      <Loaded state={state} what="errors">
        {(d) => {
          const rows = d.rows.filter((r) => !namespace || r.source.endsWith(`.${namespace}`) || r.destination.endsWith(`.${namespace}`) || !r.destination.includes('.'));
          if (rows.length === 0) return <Empty>No failed requests in the last {formatDuration(d.durationSeconds)}.</Empty>;
          return (
            <>
              <ul className="flag-summary">
                {d.byFlag.map((f) => (
                  <li key={f.flags}>
                    <b>{f.flags}</b> {formatRps(f.rps)} rps <span className="muted">{f.description}</span>
                  </li>
                ))}
              </ul>
              <div className="table-scroll">
                <table>
                  <thead>
                    <tr><th scope="col">Flags</th><th scope="col">Code</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Rate</th><th scope="col">Meaning</th></tr>
                  </thead>
                  <tbody>
                    {rows.map((r) => (
                      <tr key={`${r.flags}/${r.code}/${r.source}/${r.destination}`}>
                        <td><b>{r.flags}</b></td><td>{r.code}</td><td>{r.source}</td><td>{r.destination}</td><td>{formatRps(r.rps)} rps</td><td>{r.description}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
