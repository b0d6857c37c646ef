// Istio's readiness rule for a sidecar (pilot-agent's probe behind :15021/healthz/ready): ready once
// both CDS and LDS have been accepted at least once and the server is LIVE, with Istio's messages.
// Once ready it stays ready until the drain, as Istio's probe latches the first update.

import type { AdsClientStats } from '../xds-client/ads-client.js';
import type { ServerState } from './server-state.js';

const counts = (stats: AdsClientStats): string => {
  const { cluster: cds, listener: lds } = stats.updates;
  return `cds updates: ${cds.success} successful, ${cds.rejected} rejected; lds updates: ${lds.success} successful, ${lds.rejected} rejected`;
};

/** Why the proxy is not ready given its xDS counters, or undefined when config has arrived (Istio's checkConfigStatus). */
export function configProblem(stats: AdsClientStats): string | undefined {
  const { cluster: cds, listener: lds } = stats.updates;
  if (cds.success > 0 && lds.success > 0) return undefined;
  if (cds.success === 0 && lds.success === 0) return `config not received from XDS server (is weftd running?): ${counts(stats)}`;
  if (cds.rejected > 0 || lds.rejected > 0) return `config received from XDS server, but was rejected: ${counts(stats)}`;
  return `config not fully received from XDS server: ${counts(stats)}`;
}

/** A readiness check that remembers the first success of the config check, like Istio's probe. */
export function createReadinessCheck(stats: () => AdsClientStats, state: () => ServerState): () => string | undefined {
  let receivedFirstUpdate = false;
  return () => {
    if (state() === 'DRAINING') return 'server is draining';
    if (!receivedFirstUpdate) {
      const problem = configProblem(stats());
      if (problem !== undefined) return problem;
      receivedFirstUpdate = true;
    }
    const now = state();
    return now === 'LIVE' ? undefined : `server is not live, current state is: ${now}`;
  };
}
