// Narrowing parsed JSON from another service before reading it: nothing a peer sends is trusted.

/** True for a JSON object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
