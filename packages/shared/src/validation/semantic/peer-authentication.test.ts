// PeerAuthentication semantic rules, table-driven from Istio's TestValidatePeerAuthentication and
// the CRD test data.

import { describe, expect, it } from 'vitest';
import { validateSemantic } from './index.js';

const GVK = { group: 'security.istio.io', version: 'v1', kind: 'PeerAuthentication' };

function run(spec: unknown) {
  return validateSemantic(GVK, { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'bar' }, spec });
}

const selector = { matchLabels: { app: 'httpbin' } };

// [name, spec, error path or null when valid, message fragment, a warning expected?]
type Case = [string, Record<string, unknown>, string | null, string, boolean];

const cases: Case[] = [
  ['empty spec', {}, null, '', false],
  ['selector without labels warns', { selector: {} }, null, '', true],
  ['selector', { selector }, null, '', false],
  ['mesh-wide STRICT', { mtls: { mode: 'STRICT' } }, null, '', false],
  ['unset mode', { mtls: { mode: 'UNSET' } }, null, '', false],
  ['port level with a selector', { selector, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { '8080': { mode: 'DISABLE' } } }, null, '', false],
  ['empty port level', { selector, portLevelMtls: {} }, 'spec.portLevelMtls', 'must have at least one element', false],
  ['port level without a selector', { portLevelMtls: { '8080': { mode: 'UNSET' } } }, 'spec.portLevelMtls', 'mesh/namespace peer authentication cannot have port level mTLS', false],
  ['port level with a selector without labels', { selector: { matchLabels: {} }, portLevelMtls: { '80': { mode: 'STRICT' } } }, 'spec.portLevelMtls', 'cannot have port level mTLS', false],
  ['port 0', { selector, portLevelMtls: { '0': { mode: 'UNSET' } } }, 'spec.portLevelMtls["0"]', 'port must be in range 1..65535', false],
  ['port too high', { selector, portLevelMtls: { '42949672': { mode: 'STRICT' } } }, 'spec.portLevelMtls["42949672"]', 'range', false],
  ['port that is not a number', { selector, portLevelMtls: { acd: { mode: 'STRICT' } } }, 'spec.portLevelMtls.acd', 'is not a number', false],
  ['unknown mode', { mtls: { mode: 'BLAH' } }, 'spec.mtls.mode', 'unsupported mode "BLAH"', false],
  ['unknown port-level mode', { selector, portLevelMtls: { '80': { mode: 'strict' } } }, 'spec.portLevelMtls["80"].mode', 'unsupported mode', false],
  ['selector with a wildcard', { selector: { matchLabels: { app: 'a*' } } }, 'spec.selector.matchLabels.app', 'wildcard', false],
];

describe('PeerAuthentication semantic rules', () => {
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
