// WorkloadGroup semantic rules (Istio's ValidateWorkloadGroup and validateReadinessProbe).

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'networking.istio.io', version: 'v1', kind: 'WorkloadGroup' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'networking.istio.io/v1', kind: 'WorkloadGroup', metadata: { name: 'wg', namespace: 'ns' }, spec });
}

const template = { serviceAccount: 'sa', network: 'net' };
const withProbe = (probe: Record<string, unknown>) => ({ template, probe });

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['template only', { template }, null, '', false],
  ['empty template', { template: {} }, null, '', false],
  ['no template', { metadata: { labels: { app: 'a' } } }, 'spec.template', 'template is required', false],
  ['template with an address warns', { template: { address: '10.0.0.1' } }, null, '', true],
  ['metadata labels', { template, metadata: { labels: { app: 'a', 'example.com/tier': 'web' }, annotations: { a: 'b' } } }, null, '', false],
  ['bad metadata label', { template, metadata: { labels: { 'a/b/c': 'x' } } }, 'spec.metadata.labels["a/b/c"]', 'invalid labels', false],
  ['http probe', withProbe({ periodSeconds: 1, httpGet: { port: 8080, host: 'bar', scheme: 'HTTPS', path: '/bar', httpHeaders: [{ name: 'foo', value: 'bar' }] } }), null, '', false],
  ['tcp probe', withProbe({ tcpSocket: { port: 8080 } }), null, '', false],
  ['exec probe', withProbe({ exec: { command: ['/bin/true'] } }), null, '', false],
  ['grpc probe', withProbe({ grpc: { port: 9000 } }), null, '', false],
  ['probe without a method', withProbe({ periodSeconds: 5 }), 'spec.probe', 'probe must set one health check method', false],
  ['tcp probe port too high', withProbe({ tcpSocket: { port: 65536 } }), 'spec.probe.tcpSocket.port', 'range', false],
  ['http probe without a port', withProbe({ httpGet: { path: '/' } }), 'spec.probe.httpGet.port', 'range', false],
  ['http probe with a bad scheme', withProbe({ httpGet: { port: 80, scheme: 'ftp' } }), 'spec.probe.httpGet.scheme', 'must be one of', false],
  ['http probe header with a bad name', withProbe({ httpGet: { port: 80, httpHeaders: [{ name: '**' }] } }), 'spec.probe.httpGet.httpHeaders[0].name', 'not a valid header name', false],
  ['http probe header without a name', withProbe({ httpGet: { port: 80, httpHeaders: [{ value: 'x' }] } }), 'spec.probe.httpGet.httpHeaders[0].name', 'header name cannot be empty', false],
  ['exec probe without a command', withProbe({ exec: { command: [] } }), 'spec.probe.exec.command', 'exec.command is required', false],
  ['negative period', withProbe({ periodSeconds: -1, tcpSocket: { port: 80 } }), 'spec.probe.periodSeconds', 'must be non-negative', false],
  ['negative failure threshold', withProbe({ failureThreshold: -3, tcpSocket: { port: 80 } }), 'spec.probe.failureThreshold', 'must be non-negative', false],
];

describe('WorkloadGroup semantic rules', () => {
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
