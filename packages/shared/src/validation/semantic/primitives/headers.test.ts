import { describe, expect, it } from 'vitest';
import {
  isJwtClaimRoute,
  validateCORSHTTPHeaderName,
  validateHeaderAddSetName,
  validateHeaderOperationName,
  validateHTTPHeaderNameOrJwtClaimRoute,
  validateHTTPHeaderValue,
} from './headers.js';

describe('header names', () => {
  it.each([
    ['x-foo', undefined, undefined],
    [':authority', undefined, 'invalid header ":authority": header cannot have ":" prefix'],
    ['Host', undefined, 'invalid header "Host": cannot set Host header'],
    [':path', 'invalid header ":path": header cannot have ":" prefix', 'invalid header ":path": header cannot have ":" prefix'],
    ['', 'header name cannot be empty', 'header name cannot be empty'],
  ])('%s', (name, addSet, other) => {
    expect(validateHeaderAddSetName(name)).toBe(addSet);
    expect(validateHeaderOperationName(name)).toBe(other);
  });

  it.each([
    ['x-foo', undefined],
    [':method', undefined],
    ['@request.auth.claims.sub', undefined],
    ['@request.auth.claims[a][b]', undefined],
    ['bad header', 'header name bad header is not a valid header name'],
    [':bogus', 'header name :bogus is not a valid header name'],
  ])('match key %s', (name, want) => expect(validateHTTPHeaderNameOrJwtClaimRoute(name)).toBe(want));

  it('recognises JWT claim keys only in their two forms', () => {
    expect(isJwtClaimRoute('@request.auth.claims.')).toBe(false);
    expect(isJwtClaimRoute('@request.auth.claims[]')).toBe(false);
    expect(isJwtClaimRoute('@request.auth.claims.groups')).toBe(true);
  });

  it('allows * in CORS header lists', () => {
    expect(validateCORSHTTPHeaderName('*')).toBeUndefined();
    expect(validateCORSHTTPHeaderName('a b')).toContain('is not a valid header name');
  });
});

describe('validateHTTPHeaderValue (Envoy header formatter syntax)', () => {
  it.each(['foo', '%HOSTNAME%', '100%%', 'prefix %HOSTNAME% suffix', '%REQ(x-a)%', '%UPSTREAM_METADATA(["a", "b"])%', ''])('accepts %j', (v) => {
    expect(validateHTTPHeaderValue(v)).toBeUndefined();
  });
  it.each([
    ['abc%123', 'Un-terminated variable expression'],
    ['%START_TIME%%', 'Un-escaped %'],
    ['%UPSTREAM_METADATA([a])%', "Expecting '\"'"],
    ['bell\u0007', 'is invalid'],
  ])('rejects %j', (v, want) => expect(validateHTTPHeaderValue(v)).toContain(want));
});
