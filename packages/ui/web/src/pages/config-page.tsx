// Istio config in force (weftd's /debug/configz) with validation and analysis findings and the YAML.
import { useState } from 'react';
import type { ConfigResponse } from '../api.js';
import { Empty, Loaded } from '../components/status.js';
import { useApi } from '../use-api.js';
import type { PageProps } from './page-props.js';

export function ConfigPage({ tick, namespace, select }: Pick<PageProps, 'tick' | 'namespace'> & { readonly select?: string }) {
  const state = useApi<ConfigResponse>('/api/config', tick);
  const [onlyProblems, setOnlyProblems] = useState(false);
  return (
    <section aria-labelledby="config-title">
      <div className="page-head">
        <h2 id="config-title">Istio config</h2>
        <label>
          <input type="checkbox" checked={onlyProblems} onChange={(e) => setOnlyProblems(e.target.checked)} /> only resources with findings
        </label>
      </div>
      <Loaded state={state} what="the config">
        {(d) => {
          const items = d.items.filter((i) => (!namespace || i.namespace === namespace) && (!onlyProblems || i.findings.length > 0));
          if (items.length === 0) return <Empty>{onlyProblems ? 'No findings: every resource is valid.' : 'weftd has no config in this namespace.'}</Empty>;
          const invalid = d.items.filter((i) => !i.valid).length;
          return (
            <>
              <p className="hint">
                {d.items.length} resources, {invalid} with errors. Validation is Istio's (schema, then the webhook's semantic rules); analysis (IST0101, IST0106) checks references between resources.
              </p>
              <ul className="config-list">
                {items.map((i) => {
                  const id = `${i.kind}/${i.namespace}/${i.name}`;
                  const errors = i.findings.filter((f) => f.severity === 'error').length;
                  const warnings = i.findings.length - errors;
                  return (
                    <li key={id}>
                      <details open={select === id}>
                        <summary>
                          <span className={`validity ${i.valid ? (warnings ? 'warn' : 'ok') : 'bad'}`} aria-label={i.valid ? (warnings ? 'valid with warnings' : 'valid') : 'invalid'}>
                            {i.valid ? (warnings ? '⚠' : '✓') : '✗'}
                          </span>{' '}
                          <b>{i.kind}</b> {i.namespace}/{i.name}
                          {errors + warnings > 0 ? <span className="muted"> — {errors} errors, {warnings} warnings</span> : null}
                          {i.origin ? <span className="muted origin"> {i.origin}</span> : null}
                        </summary>
                        {i.findings.length > 0 ? (
                          <ul className="findings">
                            {i.findings.map((f, n) => (
                              <li key={n} className={`finding-${f.severity}`}>
                                <b>{f.severity}</b> {f.code} {f.path ? <code>{f.path}</code> : null}: {f.message}
                              </li>
                            ))}
                          </ul>
                        ) : null}
                        <pre className="yaml" tabIndex={0} aria-label={`YAML of ${id}`}>{i.yaml}</pre>
                      </details>
                    </li>
                  );
                })}
              </ul>
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
