// Istio's semantic validation of WasmPlugin (pkg/config/validation ValidateWasmPlugin): scope
// (selector vs targetRef), the module url and its sha256, name lengths, VM environment variables
// and traffic selector ports.

import { joinPath } from '../result.js';
import type { KindValidator } from './context.js';
import { asArray, asNumber, asRecord, asString } from './primitives/read-helpers.js';
import { checkDryRunAnnotation } from './security/dry-run.js';
import { parseRequestUri, parseUrl, type GoUrlResult } from '../structural/go-url.js';
import { checkPolicyScope } from './security/policy-scope.js';

// '' is an absolute path (`/opt/plugin.wasm`); a url without a scheme is read as an OCI image.
const URL_SCHEMES = new Set(['', 'file', 'http', 'https', 'oci']);

/** Semantic rules for WasmPlugin. */
export const validateWasmPlugin: KindValidator = (res, c) => {
  checkDryRunAnnotation(c, res, undefined);
  const spec = res.spec === undefined || res.spec === null ? {} : asRecord(res.spec);
  if (!spec) return;
  checkPolicyScope(c, spec);

  const url = asString(spec.url) ?? '';
  if (url === '') c.error('WEFT_ERR_SEMANTIC', 'spec.url', 'url field needs to be set');
  else {
    const parsed = strictParseUrl(url);
    if (!parsed.ok) c.error('WEFT_ERR_SEMANTIC', 'spec.url', parsed.error);
    else if (!URL_SCHEMES.has(parsed.url.scheme)) c.error('WEFT_ERR_SEMANTIC', 'spec.url', `url contains unsupported scheme: ${parsed.url.scheme}`);
  }

  const sha = asString(spec.sha256) ?? '';
  if (sha !== '') {
    if (sha.length !== 64) c.error('WEFT_ERR_SEMANTIC', 'spec.sha256', 'sha256 field must be 64 characters long');
    else if (!/^[a-f0-9]{64}$/.test(sha)) c.error('WEFT_ERR_SEMANTIC', 'spec.sha256', 'sha256 field must match [a-f0-9]{64} pattern');
  }
  if ((asString(spec.imagePullSecret) ?? '').length > 253) {
    c.error('WEFT_ERR_SEMANTIC', 'spec.imagePullSecret', 'imagePullSecret field must be less than 253 characters long');
  }
  if ((asString(spec.pluginName) ?? '').length > 256) c.error('WEFT_ERR_SEMANTIC', 'spec.pluginName', 'pluginName field must be less than 255 characters long');

  const names = new Set<string>();
  (asArray(asRecord(spec.vmConfig)?.env) ?? []).forEach((raw, i) => {
    const env = asRecord(raw);
    if (!env) return;
    const at = joinPath('spec.vmConfig.env', i);
    const name = asString(env.name) ?? '';
    if (name === '') c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), 'spec.vmConfig.env invalid: name is required');
    else if (name.length > 256) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), 'env.name field must be less than 255 characters long');
    else if (names.has(name)) c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'name'), `duplicate env ${name}`);
    names.add(name);
    // INLINE is the default source (enum value 0); HOST reads the proxy's own environment.
    const valueFrom = asString(env.valueFrom) ?? 'INLINE';
    if (valueFrom !== 'INLINE' && (asString(env.value) ?? '') !== '') {
      c.error('WEFT_ERR_SEMANTIC', joinPath(at, 'value'), 'value may only be set when valueFrom is INLINE');
    }
  });

  (asArray(spec.match) ?? []).forEach((raw, i) => {
    const at = joinPath('spec.match', i);
    if (raw === null || raw === undefined) {
      c.error('WEFT_ERR_SEMANTIC', at, `spec.match[${i}] is nil`);
      return;
    }
    (asArray(asRecord(raw)?.ports) ?? []).forEach((p, j) => {
      const pp = joinPath(joinPath(at, 'ports'), j);
      if (p === null || p === undefined) {
        c.error('WEFT_ERR_SEMANTIC', pp, `spec.match[${i}].ports[${j}] is nil`);
        return;
      }
      const pr = asRecord(p);
      if (!pr) return;
      const number = asNumber(pr.number) ?? 0;
      if (number <= 0 || number > 65535) c.error('WEFT_ERR_SEMANTIC', joinPath(pp, 'number'), `spec.match[${i}].ports[${j}] is out of range: ${number}`);
    });
  });
};

/**
 * Istio's strictParseURL: a request URI (`scheme://...` or `/path`), else the same text behind
 * `http://` (so `registry.io/plugin:v1` reads as a host and path); the first error is kept.
 */
function strictParseUrl(url: string): GoUrlResult {
  const direct = parseRequestUri(url);
  const candidate = direct.ok ? url : `http://${url}`;
  const parsed = direct.ok ? direct : parseRequestUri(candidate);
  if (!parsed.ok) return { ok: false, error: `failed to parse url: ${direct.ok ? parsed.error : direct.error}` };
  // Istio also runs the plain url.Parse over the text it settled on.
  const strict = parseUrl(candidate);
  return strict.ok ? parsed : { ok: false, error: `failed to strict parse url: ${strict.error}` };
}
