import { describe, expect, it } from 'vitest';
import type { JsonSchemaProps } from '../../api/crd.js';
import { toJsonSchema } from './to-json-schema.js';

describe('toJsonSchema', () => {
  it('closes structural objects, accepts the root fields Kubernetes adds, and keeps value validations open', () => {
    const root: JsonSchemaProps = {
      type: 'object',
      required: ['spec'],
      properties: {
        spec: {
          type: 'object',
          description: 'dropped',
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
          properties: { a: { type: 'string' }, b: { type: 'string' } },
        },
      },
    };
    expect(toJsonSchema(root)).toEqual({
      type: 'object',
      required: ['spec'],
      additionalProperties: false,
      properties: {
        apiVersion: {},
        kind: {},
        metadata: {},
        spec: {
          type: 'object',
          additionalProperties: false,
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
        },
      },
    });
  });

  it.each<[string, JsonSchemaProps, Record<string, unknown>]>([
    ['int-or-string', { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, { type: ['integer', 'string'] }],
    ['nullable', { type: 'integer', nullable: true, format: 'int32' }, { type: ['integer', 'null'], format: 'int32' }],
    ['nullable enum', { type: 'string', nullable: true, enum: ['A'] }, { type: ['string', 'null'], enum: ['A', null] }],
    ['unknown format dropped', { type: 'string', format: 'made-up' }, { type: 'string' }],
    ['preserve-unknown-fields stays open', { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, { type: 'object' }],
    ['map', { type: 'object', additionalProperties: { type: 'string' } }, { type: 'object', additionalProperties: { type: 'string' } }],
    ['empty object is closed', { type: 'object' }, { type: 'object', additionalProperties: false }],
    ['exclusive bounds (OpenAPI 3.0 booleans)', { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 1 }, { type: 'number', exclusiveMinimum: 0, maximum: 1 }],
    ['rules are not JSON Schema', { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != ""' }] }, { type: 'string' }],
  ])('%s', (_n, node, want) => {
    const out = toJsonSchema({ type: 'object', properties: { x: node } });
    expect((out.properties as Record<string, unknown>).x).toEqual(want);
  });
});
