// Semantic validation: Istio's own rules beyond the CRD schema (pkg/config/validation), one file
// per kind. This file only dispatches by kind.

import type { GroupVersionKind } from '../../api/gvk.js';
import { Collector, type Validation } from '../result.js';
import type { KindValidator, RawResource } from './context.js';
import { validateVirtualService } from './virtual-service.js';
import { validateDestinationRule } from './destination-rule.js';
import { validateGateway } from './gateway.js';
import { validateSidecar } from './sidecar.js';
import { validateEnvoyFilter } from './envoy-filter.js';
import { validateServiceEntry } from './service-entry.js';
import { validateWorkloadEntry } from './workload-entry.js';
import { validateWorkloadGroup } from './workload-group.js';
import { validatePeerAuthentication } from './peer-authentication.js';
import { validateRequestAuthentication } from './request-authentication.js';
import { validateAuthorizationPolicy } from './authorization-policy.js';
import { validateTelemetry } from './telemetry.js';
import { validateWasmPlugin } from './wasm-plugin.js';
import { validateProxyConfig } from './proxy-config.js';

const VALIDATORS: Readonly<Record<string, KindValidator>> = {
  VirtualService: validateVirtualService,
  DestinationRule: validateDestinationRule,
  Gateway: validateGateway,
  Sidecar: validateSidecar,
  EnvoyFilter: validateEnvoyFilter,
  ServiceEntry: validateServiceEntry,
  WorkloadEntry: validateWorkloadEntry,
  WorkloadGroup: validateWorkloadGroup,
  PeerAuthentication: validatePeerAuthentication,
  RequestAuthentication: validateRequestAuthentication,
  AuthorizationPolicy: validateAuthorizationPolicy,
  Telemetry: validateTelemetry,
  WasmPlugin: validateWasmPlugin,
  ProxyConfig: validateProxyConfig,
};

/** Validates a resource of kind `gvk.kind` with Istio's semantic rules. `obj` is the whole
 *  resource; it may be structurally invalid, so every validator reads defensively. Never throws. */
export function validateSemantic(gvk: GroupVersionKind, obj: unknown): Validation {
  const c = new Collector();
  const validator = VALIDATORS[gvk.kind];
  if (!validator || typeof obj !== 'object' || obj === null) return c.result();
  const o = obj as Record<string, unknown>;
  const metadata = typeof o.metadata === 'object' && o.metadata !== null ? (o.metadata as Record<string, unknown>) : {};
  const res: RawResource = { ...o, apiVersion: String(o.apiVersion), kind: gvk.kind, metadata, spec: o.spec };
  validator(res, c);
  return c.result();
}
