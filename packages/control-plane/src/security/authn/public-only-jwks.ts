// The JWKS inlined when the real one could not be fetched (Istio's PublicOnlyJwks, fail closed): an
// RSA public key whose private key was generated for Weft and discarded at once, so no token can ever
// verify against it. Requests without a token still pass (allow_missing); requests with one get 401.

/** A JWKS holding one RSA-2048 public key nobody can sign for. */
export const PUBLIC_ONLY_JWKS =
  '{"keys":[{"kty":"RSA","e":"AQAB","n":"6lj0ql1B7F5aWpWpW38Eb5JcHFwzwmdSSQ8umGMfW6XHCYHXJyK6kOS20h4eO1JsSCsLChbtIHaRKIvz04_Nhh1cfJ4R7N1NgCW4X-7XVWJlvuqlTcy7SsBGSDE1fPwlWkD6OIHe3YOR4fSuuqWwH0WvndSatvrT8um_X3j75KrVzgRXWWVYWwfxKTca1yZ-BFb2tHfkL1AMUPwxY4bJy7My8eKynG4jRQ_WeoEUmG_IpC_mblPrejpOsH8HQh3W3coPV2yCc7VEmhKuDlc6Jes_Pl2e3_emk3zg2v2SuXVIy6bHVcvWX3lSKfdENILCbb4CXAtFfZYUgbmGjRo77w"}]}';
