// Telemetry semantic rules, table-driven from Istio's TestValidateTelemetry and
// TestValidateTelemetryFilter.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'telemetry.istio.io', version: 'v1', kind: 'Telemetry' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 'foo', namespace: 'bar' }, spec });
}

const envTag = { clusterID: { environment: { name: 'FOO' } } };
const gatewayRef = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'foo' };
const overrides = (tagOverrides: Record<string, unknown>) => ({ metrics: [{ overrides: [{ tagOverrides }] }] });
const filter = (expression: string) => ({ accessLogging: [{ filter: { expression } }] });

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['empty', {}, null, '', false],
  ['multiple providers warn', { tracing: [{ providers: [{ name: 'a' }, { name: 'b' }] }] }, null, '', true],
  ['multiple tracers warn', { tracing: [{}, {}] }, null, '', true],
  ['sampling above 100', { tracing: [{ randomSamplingPercentage: 101 }] }, 'spec.tracing[0].randomSamplingPercentage', 'must be in range [0.0, 100.0]', false],
  ['negative sampling', { tracing: [{ randomSamplingPercentage: -1 }] }, 'spec.tracing[0].randomSamplingPercentage', 'range', false],
  ['fractional sampling', { tracing: [{ randomSamplingPercentage: 54.54 }] }, null, '', false],
  ['good custom tag', { tracing: [{ customTags: envTag }] }, null, '', false],
  ['nil custom tag', { tracing: [{ customTags: { clusterID: null } }] }, 'spec.tracing[0].customTags.clusterID', "tag 'clusterID' may not have a nil value", false],
  ['empty literal tag', { tracing: [{ customTags: { t: { literal: { value: '' } } } }] }, 'spec.tracing[0].customTags.t.literal.value', 'literal tag value may not be empty', false],
  ['header tag without a name', { tracing: [{ customTags: { t: { header: { defaultValue: 'x' } } } }] }, 'spec.tracing[0].customTags.t.header.name', 'header tag name may not be empty', false],
  ['environment tag without a name', { tracing: [{ customTags: { t: { environment: {} } } }] }, 'spec.tracing[0].customTags.t.environment.name', 'environment tag name may not be empty', false],
  ['upsert without a value', overrides({ 'my-tag': { operation: 'UPSERT', value: '' } }), 'spec.metrics[0].overrides[0].tagOverrides["my-tag"].value', 'must be set when operation is UPSERT', false],
  ['default operation is upsert', overrides({ foo: {} }), 'spec.metrics[0].overrides[0].tagOverrides.foo.value', 'must be set when operation is UPSERT', false],
  ['upsert with a value', overrides({ 'my-tag': { operation: 'UPSERT', value: 'some-cel-expression' } }), null, '', false],
  ['remove with a value', overrides({ foo: { operation: 'REMOVE', value: 'oops' } }), 'spec.metrics[0].overrides[0].tagOverrides.foo.value', 'may only be set when operation is UPSERT', false],
  ['remove', overrides({ foo: { operation: 'REMOVE' } }), null, '', false],
  ['nil tag override', overrides({ foo: null }), 'spec.metrics[0].overrides[0].tagOverrides.foo', 'tagOverrides may not be null', false],
  ['nil override', { metrics: [{ overrides: [null] }] }, 'spec.metrics[0].overrides[0]', 'may not be null', false],
  ['empty custom metric', { metrics: [{ overrides: [{ match: { customMetric: '' } }] }] }, 'spec.metrics[0].overrides[0].match.customMetric', 'customMetric may not be empty', false],
  ['bad reporting interval', { metrics: [{ reportingInterval: 'soon' }] }, 'spec.metrics[0].reportingInterval', 'invalid duration', false],
  ['provider without a name', { metrics: [{ providers: [{ name: '' }] }] }, 'spec.metrics[0].providers[0]', 'providers.name may not be empty', false],
  ['null provider', { accessLogging: [{ providers: [null] }] }, 'spec.accessLogging[0].providers[0]', 'providers.name may not be empty', false],
  ['several access logs and providers', { accessLogging: [{ providers: [{ name: 'envoy' }, { name: 'otel' }] }, { providers: [{ name: 'otel' }] }] }, null, '', false],
  ['filter comparing a code', filter('response.code >= 400'), null, '', false],
  ['filter with a method call', filter("connection.mtls && request.url_path.contains('v1beta3')"), null, '', false],
  ['filter that is not a boolean still parses', filter('response.code'), null, '', false],
  ['filter that does not parse', filter(')++++'), 'spec.accessLogging[0].filter.expression', 'must be a valid CEL expression', false],
  ['targetRef', { tracing: [{ customTags: envTag }], targetRef: gatewayRef }, null, '', false],
  ['targetRef without a name', { targetRef: { group: gatewayRef.group, kind: gatewayRef.kind } }, 'spec.targetRef.name', 'targetRef name must be set', false],
  ['targetRef in another namespace', { targetRef: { ...gatewayRef, namespace: 'bar' } }, 'spec.targetRef.namespace', 'targetRef namespace must not be set', false],
  ['targetRef to a wrong kind', { targetRef: { ...gatewayRef, kind: 'wrong-kind' } }, 'spec.targetRef', 'targetRef must be to one of', false],
  ['targetRef and selector', { targetRef: gatewayRef, selector: { matchLabels: { app: 'httpbin' } } }, 'spec', 'only one of targetRefs or workloadSelector can be set', false],
];

describe('Telemetry semantic rules', () => {
  it.each(cases)('%s', (_name, spec, errorPath, message, warn) => {
    const { errors, warnings } = run(spec);
    if (errorPath === null) {
      expect(errors).toEqual([]);
      expect(warnings.length > 0).toBe(warn);
    } else {
      expect(errors).toContainEqual(expect.objectContaining({ path: errorPath, message: expect.stringContaining(message) }));
    }
  });
});
