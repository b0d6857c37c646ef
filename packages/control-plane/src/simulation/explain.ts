// One-line rendering of a simulation result, for test failure messages and debug output:
// `GET reviews:9080/ [outbound → 192.0.2.1:9080] listener 0.0.0.0_9080 (from virtualOutbound) › ...`.

import type { SimulationResult } from './simulate.js';
import { clusterShares } from './weighted-clusters.js';

function destination(r: SimulationResult): string {
  const q = r.request;
  const call = q.protocol === 'tcp' ? `TCP` : `${q.method} ${q.host}${q.path}`;
  const transport = q.tls === 'plaintext' ? '' : ` ${q.tls}${q.sni ? ` sni=${q.sni}` : ''}`;
  return `${call} [${q.mode} → ${q.address}:${q.port}${transport}]`;
}

function target(r: SimulationResult): string | undefined {
  if (r.redirect) return `redirect ${r.redirect.status} ${r.redirect.location}`;
  if (r.directResponse) return `direct response ${r.directResponse.status}`;
  if (r.weightedClusters) {
    const shares = clusterShares(r.weightedClusters);
    return `clusters ${[...shares].map(([name, pct]) => `${name} ${Math.round(pct * 100) / 100}%`).join(', ')}`;
  }
  if (r.cluster !== undefined) return `cluster ${r.cluster}`;
  if (r.nonForwarding) return 'non-forwarding route';
  return undefined;
}

/** Renders `r` on one line: the request, each stage it passed, where it landed or why it failed, and any notes. */
export function explain(r: SimulationResult): string {
  const parts: string[] = [destination(r)];
  if (r.listener !== undefined) parts.push(`listener ${r.listener}${r.handedOffFrom ? ` (from ${r.handedOffFrom})` : ''}`);
  if (r.filterChain !== undefined) parts.push(`chain ${r.filterChain}`);
  if (r.networkFilter === 'tcp_proxy') parts.push('tcp_proxy');
  if (r.routeConfig !== undefined) parts.push(`routes ${r.routeConfig}`);
  if (r.virtualHost !== undefined) parts.push(`vhost ${r.virtualHost} (${r.virtualHostDomain ?? ''})`);
  if (r.route !== undefined) parts.push(`route ${r.route}`);
  const t = target(r);
  if (t) parts.push(t);
  if (r.rewrittenPath !== undefined) parts.push(`path→${r.rewrittenPath}`);
  if (r.rewrittenHost !== undefined) parts.push(`host→${r.rewrittenHost}`);
  if (r.failure) parts.push(`FAILED ${r.failure}${r.status ? ` (${r.status}${r.responseFlag ? ` ${r.responseFlag}` : ''})` : ''}: ${r.detail ?? ''}`);
  const notes = r.notes.length > 0 ? ` [notes: ${r.notes.join('; ')}]` : '';
  return parts.join(' › ') + notes;
}
