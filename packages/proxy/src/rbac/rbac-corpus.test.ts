// The RBAC engine on Istio's builder goldens (pilot/pkg/security/authz/builder/testdata/{http,tcp}, read
// in place from ../shared/corpus/istio beside the checkout or $WEFT_ISTIO_CORPUS). For every case the
// requests derived from its `-in.yaml` policies and its golden filters (rbac-requests.test-fixtures.ts)
// are evaluated by the compiled engine, from the golden as written (proto3 JSON) and converted to the
// decoded xDS shape, and by a plain reference interpreter (rbac-reference.test-fixtures.ts); all three
// must agree on every request. weftd's builder output equals these goldens field by field
// (packages/control-plane/src/security/authz/authz-corpus.test.ts), so these are also the decisions
// on Weft's own configs.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocuments } from '@weft/shared';
import { compileRbacFilter, type RbacEngine } from './compile-rbac.js';
import type { RbacAttributes, RbacDecision } from './rbac-attributes.js';
import { referenceDecision } from './rbac-reference.test-fixtures.js';
import { generateRequests } from './rbac-requests.test-fixtures.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CORPUS = process.env.WEFT_ISTIO_CORPUS ?? join(REPO_ROOT, '..', 'shared', 'corpus', 'istio');
const TESTDATA = join(CORPUS, 'pilot', 'pkg', 'security', 'authz', 'builder', 'testdata');
const present = existsSync(TESTDATA);
if (!present) console.warn(`SKIP: Istio corpus not found at ${TESTDATA}; RBAC engine corpus conformance skipped`);

type Json = Record<string, unknown>;

/** Istio builder_test's cases: the policies and the goldens built from them, in filter order. */
const CASES: Record<'http' | 'tcp', readonly (readonly [string, string, readonly string[]])[]> = {
  http: [
    ['allow-empty-rule', 'allow-empty-rule-in.yaml', ['allow-empty-rule-out.yaml']],
    ['allow-full-rule', 'allow-full-rule-in.yaml', ['allow-full-rule-out.yaml']],
    ['allow-nil-rule', 'allow-nil-rule-in.yaml', ['allow-nil-rule-out.yaml']],
    ['allow-path', 'allow-path-in.yaml', ['allow-path-out.yaml']],
    ['allow-host-before-111', 'allow-host-before-111-in.yaml', ['allow-host-before-111-out.yaml']],
    ['audit-full-rule', 'audit-full-rule-in.yaml', ['audit-full-rule-out.yaml']],
    ['custom-grpc-provider-no-namespace', 'custom-simple-http-in.yaml', ['custom-grpc-provider-no-namespace-out1.yaml', 'custom-grpc-provider-no-namespace-out2.yaml']],
    ['custom-grpc-provider', 'custom-simple-http-in.yaml', ['custom-grpc-provider-out1.yaml', 'custom-grpc-provider-out2.yaml']],
    ['custom-http-provider', 'custom-simple-http-in.yaml', ['custom-http-provider-out1.yaml', 'custom-http-provider-out2.yaml']],
    ['custom-bad-multiple-providers', 'custom-bad-multiple-providers-in.yaml', ['custom-bad-multiple-providers-out1.yaml', 'custom-bad-multiple-providers-out2.yaml']],
    ['custom-bad-invalid-config', 'custom-simple-http-in.yaml', ['custom-bad-out.yaml']],
    ['deny-and-allow', 'deny-and-allow-in.yaml', ['deny-and-allow-out1.yaml', 'deny-and-allow-out2.yaml']],
    ['deny-empty-rule', 'deny-empty-rule-in.yaml', ['deny-empty-rule-out.yaml']],
    ['dry-run-allow-and-deny', 'dry-run-allow-and-deny-in.yaml', ['dry-run-allow-and-deny-out1.yaml', 'dry-run-allow-and-deny-out2.yaml']],
    ['dry-run-allow', 'dry-run-allow-in.yaml', ['dry-run-allow-out.yaml']],
    ['dry-run-mix', 'dry-run-mix-in.yaml', ['dry-run-mix-out.yaml']],
    ['multiple-policies', 'multiple-policies-in.yaml', ['multiple-policies-out.yaml']],
    ['single-policy', 'single-policy-in.yaml', ['single-policy-out.yaml']],
    ['trust-domain-one-alias', 'simple-policy-td-aliases-in.yaml', ['simple-policy-td-aliases-out.yaml']],
    ['trust-domain-multiple-aliases', 'simple-policy-multiple-td-aliases-in.yaml', ['simple-policy-multiple-td-aliases-out.yaml']],
    ['trust-domain-wildcard-in-principal', 'simple-policy-principal-with-wildcard-in.yaml', ['simple-policy-principal-with-wildcard-out.yaml']],
    ['trust-domain-aliases-in-source-principal', 'td-aliases-source-principal-in.yaml', ['td-aliases-source-principal-out.yaml']],
    ['trust-domains', 'trust-domains-in.yaml', ['trust-domains-out.yaml']],
  ],
  tcp: [
    ['allow-both-http-tcp', 'allow-both-http-tcp-in.yaml', ['allow-both-http-tcp-out.yaml']],
    ['allow-only-http', 'allow-only-http-in.yaml', ['allow-only-http-out.yaml']],
    ['audit-both-http-tcp', 'audit-both-http-tcp-in.yaml', ['audit-both-http-tcp-out.yaml']],
    ['custom-both-http-tcp', 'custom-both-http-tcp-in.yaml', ['custom-both-http-tcp-out1.yaml', 'custom-both-http-tcp-out2.yaml']],
    ['deny-both-http-tcp', 'deny-both-http-tcp-in.yaml', ['deny-both-http-tcp-out.yaml']],
    ['dry-run-mix', 'dry-run-mix-in.yaml', ['dry-run-mix-out.yaml']],
  ],
};

/** Decisions Istio's semantics fix for every request, whatever it carries. */
const CONSTANT: Readonly<Record<string, boolean>> = {
  'http/allow-empty-rule': true, // ALLOW with one empty rule: allow all
  'http/allow-nil-rule': false, // ALLOW without rules: allow nothing
  'http/audit-full-rule': true, // AUDIT never denies
  'http/deny-empty-rule': false, // DENY with one empty rule: deny all
  'http/dry-run-allow': true, // dry-run only: nothing enforced
  'http/dry-run-allow-and-deny': true,
  'tcp/allow-only-http': false, // every rule is HTTP-only: dropped, so the ALLOW filter allows nothing
};

const loadYaml = (file: string): unknown[] => parseDocuments(readFileSync(file, 'utf8'), file).map((d) => d.value);

/** The golden in the decoded xDS shape: proto field names, wrappers as `{ value }`. */
function toDecodedShape(v: unknown, inPolicies = false): unknown {
  if (Array.isArray(v)) return v.map((x) => toDecodedShape(x));
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => {
      if (inPolicies) return [k, toDecodedShape(x)];
      const key = k === '@type' ? k : k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (key === 'prefix_len') return [key, { value: x }];
      return [key, toDecodedShape(x, key === 'policies')];
    }),
  );
}

function compile(config: unknown): RbacEngine {
  const r = compileRbacFilter(config);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.engine;
}

interface CaseRun {
  readonly filters: number;
  readonly skippedFilters: readonly string[];
  readonly requests: number;
  readonly agreeReference: number;
  readonly agreeDecoded: number;
  readonly allowed: number;
  readonly denied: number;
  readonly shadowDiffers: number;
  readonly firstDisagreement?: { readonly request: RbacAttributes; readonly filter: number; readonly engine: RbacDecision; readonly reference: RbacDecision };
}

function runCase(kind: 'http' | 'tcp', input: string, wants: readonly string[]): CaseRun {
  const dir = join(TESTDATA, kind);
  const policies = loadYaml(join(dir, input)).filter((p): p is Json => typeof p === 'object' && p !== null);
  const skippedFilters: string[] = [];
  const goldens: Json[] = [];
  for (const w of wants) {
    const filter = loadYaml(join(dir, w))[0] as Json;
    if (String(filter.name).endsWith('.rbac')) goldens.push(filter.typedConfig as Json);
    else skippedFilters.push(`${w} (${String(filter.name)})`);
  }
  const engines = goldens.map(compile);
  const decodedEngines = goldens.map((g) => compile(toDecodedShape(g)));
  const requests = generateRequests(policies, goldens, kind === 'http');
  let agreeReference = 0;
  let agreeDecoded = 0;
  let allowed = 0;
  let shadowDiffers = 0;
  let firstDisagreement: CaseRun['firstDisagreement'];
  for (const request of requests) {
    let sameRef = true;
    let sameDecoded = true;
    let chainAllowed = true;
    engines.forEach((engine, i) => {
      const got = engine.evaluate(request);
      const ref = referenceDecision(goldens[i] as Json, request);
      if (JSON.stringify(got) !== JSON.stringify(ref)) {
        sameRef = false;
        firstDisagreement ??= { request, filter: i, engine: got, reference: ref };
      }
      if (JSON.stringify((decodedEngines[i] as RbacEngine).evaluate(request)) !== JSON.stringify(got)) sameDecoded = false;
      if (got.shadow && got.shadow.allowed !== got.allowed) shadowDiffers++;
      chainAllowed &&= got.allowed;
    });
    if (sameRef) agreeReference++;
    if (sameDecoded) agreeDecoded++;
    if (chainAllowed) allowed++;
  }
  return { filters: engines.length, skippedFilters, requests: requests.length, agreeReference, agreeDecoded, allowed, denied: requests.length - allowed, shadowDiffers, ...(firstDisagreement ? { firstDisagreement } : {}) };
}

describe.skipIf(!present)('RBAC engine on Istio builder goldens', () => {
  let totalRequests = 0;
  let totalAgree = 0;
  for (const kind of ['http', 'tcp'] as const) {
    for (const [name, input, wants] of CASES[kind]) {
      const run = runCase(kind, input, wants);
      totalRequests += run.requests;
      totalAgree += Math.min(run.agreeReference, run.agreeDecoded);
      const skipped = run.skippedFilters.length > 0 ? `, not RBAC (skipped): ${run.skippedFilters.join(', ')}` : '';
      const shadow = run.shadowDiffers > 0 ? `, dry-run differs on ${run.shadowDiffers}` : '';
      it(`${kind}/${name}: ${run.filters} RBAC filter(s), ${run.requests} requests, ${run.agreeReference} agree with the reference, ${run.agreeDecoded} decoded = proto3 JSON; allowed ${run.allowed} / denied ${run.denied}${shadow}${skipped}`, () => {
        expect(run.firstDisagreement).toBeUndefined();
        expect(run.agreeReference).toBe(run.requests);
        expect(run.agreeDecoded).toBe(run.requests);
        const constant = CONSTANT[`${kind}/${name}`];
        if (constant !== undefined) expect(constant ? run.allowed : run.denied).toBe(run.requests);
      });
    }
  }
  it('totals', () => {
    console.info(`RBAC corpus conformance: ${totalRequests} requests, ${totalAgree} agreements`);
    expect(totalAgree).toBe(totalRequests);
  });
});
