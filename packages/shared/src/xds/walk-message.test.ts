import { describe, expect, it } from 'vitest';
import { packAny, unpackAny } from './any.js';
import { TYPE_URL } from './type-urls.js';
import { walkMessage, type MessageVisit } from './walk-message.js';

function visits(typeUrl: string, message: Record<string, unknown>, typeName: string): string[] {
  const seen: MessageVisit[] = [];
  walkMessage(typeUrl, message, (v) => seen.push(v));
  return seen.filter((v) => v.typeName === typeName).map((v) => `${v.path} ${JSON.stringify(v.value)}`);
}

describe('walkMessage', () => {
  it('finds a message type wherever it is: repeated fields, oneofs, maps and typed Any', () => {
    const route = {
      name: '9080',
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [
            { match: { safe_regex: { regex: '/a.*' }, headers: [{ name: 'x', string_match: { safe_regex: { regex: 'b+' } } }] }, route: { cluster: 'c' } },
            { match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: '^/v1' }, substitution: '/' } } },
          ],
          typed_per_filter_config: {
            'envoy.filters.http.cors': { '@type': TYPE_URL.CORS_POLICY, allow_origin_string_match: [{ safe_regex: { regex: 'https://.*' } }] },
          },
        },
      ],
    };
    const decoded = unpackAny(packAny(TYPE_URL.ROUTE, route));
    if (!decoded.ok) throw new Error(decoded.error);
    expect(visits(TYPE_URL.ROUTE, decoded.message, 'envoy.type.matcher.v3.RegexMatcher')).toEqual([
      'virtual_hosts[0].routes[0].match.headers[0].string_match.safe_regex {"regex":"b+"}',
      'virtual_hosts[0].routes[0].match.safe_regex {"regex":"/a.*"}',
      'virtual_hosts[0].routes[1].route.regex_rewrite.pattern {"regex":"^/v1"}',
      'virtual_hosts[0].typed_per_filter_config[envoy.filters.http.cors].allow_origin_string_match[0].safe_regex {"regex":"https://.*"}',
    ]);
  });

  it('visits an Any of an unloaded type as google.protobuf.Any', () => {
    const listener = { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { type_url: 'type.googleapis.com/x.Y', value: Uint8Array.from([8, 1]) } }] }] };
    expect(visits(TYPE_URL.LISTENER, listener, 'google.protobuf.Any')).toEqual(['filter_chains[0].filters[0].typed_config {"type_url":"type.googleapis.com/x.Y","value":{"0":8,"1":1}}']);
  });

  it('refuses a type URL that is not loaded', () => {
    expect(() => walkMessage('type.googleapis.com/nope.Nope', {}, () => undefined)).toThrow(/not a loaded/);
  });
});
