// Istio HTTPDirectResponse → Envoy DirectResponseAction (Istio ApplyDirectResponse).

import type { HTTPDirectResponse } from '@weft/shared';

/** The direct response: `status`, and the body inline (`string` as inline_string, base64 `bytes`
 *  as inline_bytes). */
export function translateDirectResponse(direct: HTTPDirectResponse): Record<string, unknown> {
  const out: Record<string, unknown> = { status: direct.status };
  if (direct.body?.string !== undefined) out.body = { inline_string: direct.body.string };
  else if (direct.body?.bytes !== undefined) out.body = { inline_bytes: Buffer.from(direct.body.bytes, 'base64') };
  return out;
}
