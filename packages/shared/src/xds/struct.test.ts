import { describe, expect, it } from 'vitest';
import { xdsProtoRoot } from './load.js';
import { plainToStruct, structToPlain, type StructMessage } from './struct.js';

describe('Struct conversion', () => {
  const metadata = { ISTIO_VERSION: '1.22.0', LABELS: { app: 'reviews', version: 'v1' }, INTERCEPTION_MODE: 'REDIRECT', PORTS: [9080, 15090], TLS: true, NOTHING: null };

  it('round-trips a plain object through the protobuf wire format', () => {
    const Struct = xdsProtoRoot().lookupType('google.protobuf.Struct');
    const bytes = Struct.encode(Struct.fromObject(plainToStruct(metadata))).finish();
    const decoded = Struct.toObject(Struct.decode(bytes), { enums: String }) as StructMessage;
    expect(structToPlain(decoded)).toEqual(metadata);
  });

  it('reads an absent Struct as an empty object', () => {
    expect(structToPlain(undefined)).toEqual({});
  });
});
