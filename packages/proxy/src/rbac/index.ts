// The RBAC engine: Envoy RBAC filter config (HTTP or network, decoded xDS or proto3 JSON) compiled into
// an evaluator the request path calls once per request or connection. Where it sits in the filter
// chain is described in docs/architecture/authorization.md.

export { compilePermission, compilePrincipal, compileRbacFilter, compileRbacRules, type CompiledRbacRules, type RbacAction, type RbacCompileResult, type RbacEngine } from './compile-rbac.js';
export { RbacEvalContext, type RbacAttributes, type RbacDecision, type RbacPeerCertificate, type RbacRulesResult } from './rbac-attributes.js';
export type { DynamicMetadata, HeaderReader } from './rbac-matchers.js';
export { compileUriTemplate, uriTemplateRegex } from './rbac-uri-template.js';
