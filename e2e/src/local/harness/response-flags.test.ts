import { describe, expect, it } from 'vitest';
import { responseFlagOf } from './response-flags.js';

describe('responseFlagOf', () => {
  it.each([
    ['an upstream answer', 503, {}, '', true, '-'],
    ['a route timeout', 504, {}, 'upstream request timeout', false, 'UT'],
    ['a fault abort', 503, {}, 'fault filter abort', false, 'FI'],
    ['no healthy upstream', 503, {}, 'no healthy upstream', false, 'UH'],
    ['a connection failure', 503, {}, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', false, 'UF'],
    ['a reset', 503, {}, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', false, 'UC'],
    ['an overflow, by its header', 503, { 'x-envoy-overloaded': 'true' }, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', false, 'UO'],
    ['no route', 404, {}, '', false, 'NR'],
    ['an RBAC denial (Envoy sets no flag)', 403, {}, 'RBAC: access denied', false, '-'],
    ['something else', 500, {}, 'boom', false, '?'],
  ])('%s → %s', (_label, status, headers, body, fromUpstream, flag) => {
    expect(responseFlagOf(status, headers, body, fromUpstream)).toBe(flag);
  });
});
