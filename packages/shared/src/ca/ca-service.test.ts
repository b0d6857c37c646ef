import { describe, expect, it } from 'vitest';
import { plainToStruct, structToPlain } from '../xds/struct.js';
import { CREATE_CERTIFICATE_PATH, caProtoRoot, caServiceDefinition } from './ca-service.js';

describe('istio.v1.auth.IstioCertificateService (our proto, Istio\'s wire)', () => {
  it('has Istio\'s names and field numbers (istio.io/api security/v1alpha1/ca.proto)', () => {
    const root = caProtoRoot();
    const request = root.lookupType('istio.v1.auth.IstioCertificateRequest');
    expect(Object.fromEntries(Object.values(request.fields).map((f) => [f.name, [f.id, f.type, f.repeated]]))).toEqual({
      csr: [1, 'string', false],
      validity_duration: [3, 'int64', false],
      metadata: [4, 'google.protobuf.Struct', false],
    });
    const response = root.lookupType('istio.v1.auth.IstioCertificateResponse');
    expect(Object.fromEntries(Object.values(response.fields).map((f) => [f.name, [f.id, f.type, f.repeated]]))).toEqual({ cert_chain: [1, 'string', true] });
    expect(root.lookupService('istio.v1.auth.IstioCertificateService').methods.CreateCertificate?.requestType).toBe('IstioCertificateRequest');
    expect(CREATE_CERTIFICATE_PATH).toBe('/istio.v1.auth.IstioCertificateService/CreateCertificate');
  });

  it('round-trips a request and a response through the wire format', () => {
    const method = caServiceDefinition().CreateCertificate;
    const request = { csr: 'PEM', validity_duration: 90 * 24 * 3600, metadata: plainToStruct({ ImpersonatedIdentity: 'spiffe://td/ns/a/sa/b' }) };
    const decoded = method.requestDeserialize(method.requestSerialize(request));
    expect(decoded.csr).toBe('PEM');
    expect(decoded.validity_duration).toBe(90 * 24 * 3600);
    expect(structToPlain(decoded.metadata)).toEqual({ ImpersonatedIdentity: 'spiffe://td/ns/a/sa/b' });
    expect(method.requestDeserialize(method.requestSerialize({ csr: '', validity_duration: 0 }))).toEqual({ csr: '', validity_duration: 0, metadata: undefined });
    expect(method.responseDeserialize(method.responseSerialize({ cert_chain: ['a', 'b'] }))).toEqual({ cert_chain: ['a', 'b'] });
  });
});
