import { describe, expect, it } from 'vitest';
import { validateResource } from './validate.js';

const header = (kind: string, apiVersion = 'networking.istio.io/v1') => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'default' } });

describe('validateResource', () => {
  it.each([
    ['VirtualService', 'spec', /http, tcp or tls must be provided/],
    ['DestinationRule', 'spec.host', /empty domain name not allowed/],
    ['Gateway', 'spec.servers', /server/],
  ])('a %s without spec is checked as an empty spec, as istiod does', (kind, path, message) => {
    const { errors } = validateResource(header(kind));
    expect(errors).toContainEqual(expect.objectContaining({ path: expect.stringContaining(path), message: expect.stringMatching(message) }));
    expect(validateResource({ ...header(kind), spec: {} }).errors.length).toBeGreaterThan(0);
  });

  it('reports an unknown field as a warning, and as an error when strict', () => {
    const vs = { ...header('VirtualService'), spec: { hosts: ['a'], http: [{ route: [{ destination: { host: 'a' } }], websocketUpgrade: true }] } };
    const lax = validateResource(vs);
    expect(lax.errors).toEqual([]);
    expect(lax.warnings).toContainEqual(expect.objectContaining({ code: 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD', path: 'spec.http[0].websocketUpgrade' }));
    const strict = validateResource(vs, { strict: true });
    expect(strict.errors).toContainEqual(expect.objectContaining({ code: 'WEFT_ERR_SCHEMA_UNKNOWN_FIELD', path: 'spec.http[0].websocketUpgrade' }));
  });

  it('skips kinds outside Istio groups and rejects unknown kinds inside them', () => {
    expect(validateResource({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } })).toEqual({ errors: [], warnings: [] });
    expect(validateResource(header('VirtualServce')).errors).toContainEqual(expect.objectContaining({ code: 'WEFT_ERR_RESOURCE_UNKNOWN_KIND' }));
  });
});
