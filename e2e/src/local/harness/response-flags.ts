// Reads Envoy's response flag back from what the app receives. Envoy does not put %RESPONSE_FLAGS% in
// a response, but each local reply has its own fixed body (and UO its `x-envoy-overloaded` header), so
// the flag follows from the body; a response that carries the upstream's version header came from the
// upstream and has no local-reply flag.

const RESET = 'upstream connect error or disconnect/reset before headers. reset reason: ';

/** Envoy's local-reply bodies and the flag each one means. */
const BODY_FLAGS: ReadonlyArray<readonly [string, string]> = [
  ['upstream request timeout', 'UT'],
  ['fault filter abort', 'FI'],
  ['no healthy upstream', 'UH'],
  [`${RESET}connection failure`, 'UF'],
  [`${RESET}connection termination`, 'UC'],
  [`${RESET}overflow`, 'UO'],
  // Envoy's RBAC filter sets no response flag (its response code details name the policy).
  ['RBAC: access denied', '-'],
];

/**
 * The response flag of a response the app got through the proxy: '-' for an upstream answer, the
 * local reply's flag when the body or headers say which, `NR` for an empty local 404, else '?'.
 */
export function responseFlagOf(status: number, headers: Readonly<Record<string, string | string[] | undefined>>, body: string, fromUpstream: boolean): string {
  if (fromUpstream) return '-';
  if (headers['x-envoy-overloaded'] !== undefined) return 'UO';
  for (const [text, flag] of BODY_FLAGS) if (body.startsWith(text)) return flag;
  if (status === 404 && body === '') return 'NR';
  return '?';
}
