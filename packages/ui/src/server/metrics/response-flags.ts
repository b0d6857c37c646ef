// Envoy's response flags (the `response_flags` label of Istio's metrics) with what each one means, as
// Envoy's access-log documentation words them.

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  '-': 'no flag: the upstream answered with this code',
  UH: 'no healthy upstream host',
  UF: 'upstream connection failure',
  UO: 'upstream overflow (circuit breaker open)',
  NR: 'no route configured',
  URX: 'upstream retry limit or max connect attempts exceeded',
  NC: 'upstream cluster not found',
  DT: 'request or connection exceeded max_connection_duration / max_downstream_connection_duration',
  DC: 'downstream connection termination',
  LH: 'local service failed health check',
  UT: 'upstream request timeout',
  LR: 'connection local reset',
  UR: 'upstream remote reset',
  UC: 'upstream connection termination',
  DI: 'request delayed by fault injection',
  FI: 'request aborted by fault injection',
  RL: 'rate limited locally',
  UAEX: 'denied by the external authorization service',
  RLSE: 'rate limit service error',
  IH: 'invalid value in a strictly-checked header',
  SI: 'stream idle timeout',
  DPE: 'downstream protocol error',
  UPE: 'upstream protocol error',
  UMSDR: 'upstream max stream duration reached',
  OM: 'overload manager terminated the request',
  DF: 'DNS resolution failed',
  DO: 'drop overload',
};

/** What `flags` (one or several, comma separated) means. */
export function describeFlags(flags: string): string {
  const parts = (flags === '' ? '-' : flags).split(',');
  return parts.map((f) => DESCRIPTIONS[f] ?? `unknown flag ${f}`).join('; ');
}
