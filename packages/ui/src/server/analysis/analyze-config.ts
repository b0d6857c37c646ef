// Validation and analysis of the config in force, for the config page: each resource through
// @weft/shared's validateResource (what `weftctl validate` and the webhook run), then a few of Istio's
// cross-resource analyzers: IST0101 ReferencedResourceNotFound (a VirtualService's destination host,
// subset or gateway that nothing defines) and IST0106-like empty subsets (a DestinationRule subset whose
// labels no workload carries).

import { validateResource } from '@weft/shared';
import type { ConfigFinding } from '../../api-types.js';
import { hostNames } from '../graph/config-badges.js';
import type { ConfigzEntry, RegistryzService } from '../mesh/weftd-client.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Registry facts the analyzers need. */
export interface AnalysisContext {
  readonly config: readonly ConfigzEntry[];
  readonly registry: readonly RegistryzService[];
}

const serviceName = (hostname: string): string => hostname.split('.')[0] ?? hostname;

function findService(ctx: AnalysisContext, host: string, ns: string): RegistryzService | undefined {
  return ctx.registry.find((s) => s.hostname === host || hostNames(host, ns, serviceName(s.hostname), s.namespace));
}

function subsetsFor(ctx: AnalysisContext, host: string, ns: string): Set<string> | undefined {
  let found: Set<string> | undefined;
  for (const e of ctx.config) {
    if (e.kind !== 'DestinationRule') continue;
    const spec = isRecord(e.resource.spec) ? e.resource.spec : {};
    if (typeof spec.host !== 'string') continue;
    const same = spec.host === host || (() => {
      const svc = findService(ctx, host, ns);
      return svc !== undefined && hostNames(spec.host, e.namespace, serviceName(svc.hostname), svc.namespace);
    })();
    if (!same) continue;
    found ??= new Set();
    for (const s of list(spec.subsets)) if (isRecord(s) && typeof s.name === 'string') found.add(s.name);
  }
  return found;
}

function analyzeVirtualService(e: ConfigzEntry, ctx: AnalysisContext): ConfigFinding[] {
  const out: ConfigFinding[] = [];
  const spec = isRecord(e.resource.spec) ? e.resource.spec : {};
  list(spec.gateways).forEach((g, i) => {
    if (typeof g !== 'string' || g === 'mesh') return;
    const [gns, gname] = g.includes('/') ? g.split('/') : [e.namespace, g];
    if (!ctx.config.some((c) => c.kind === 'Gateway' && c.name === gname && c.namespace === gns)) {
      out.push({ severity: 'error', code: 'IST0101', path: `spec.gateways[${i}]`, message: `Referenced gateway not found: "${g}"` });
    }
  });
  for (const section of ['http', 'tcp', 'tls'] as const) {
    list(spec[section]).forEach((route, r) => {
      if (!isRecord(route)) return;
      list(route.route).forEach((dest, d) => {
        if (!isRecord(dest) || !isRecord(dest.destination)) return;
        const host = dest.destination.host;
        const path = `spec.${section}[${r}].route[${d}].destination`;
        if (typeof host !== 'string') return;
        if (!host.includes('*') && !findService(ctx, host, e.namespace)) {
          out.push({ severity: 'error', code: 'IST0101', path: `${path}.host`, message: `Referenced host not found: "${host}"` });
        }
        const subset = dest.destination.subset;
        if (typeof subset === 'string' && !subsetsFor(ctx, host, e.namespace)?.has(subset)) {
          out.push({ severity: 'error', code: 'IST0101', path: `${path}.subset`, message: `Referenced host+subset in destinationrule not found: "${host}+${subset}"` });
        }
      });
    });
  }
  return out;
}

function analyzeDestinationRule(e: ConfigzEntry, ctx: AnalysisContext): ConfigFinding[] {
  const spec = isRecord(e.resource.spec) ? e.resource.spec : {};
  if (typeof spec.host !== 'string') return [];
  const svc = findService(ctx, spec.host, e.namespace);
  if (!svc) return spec.host.includes('*') ? [] : [{ severity: 'warning', code: 'IST0101', path: 'spec.host', message: `Referenced host not found: "${spec.host}"` }];
  const out: ConfigFinding[] = [];
  list(spec.subsets).forEach((s, i) => {
    if (!isRecord(s) || !isRecord(s.labels)) return;
    const labels = Object.entries(s.labels);
    if (!svc.endpoints.some((ep) => labels.every(([k, v]) => ep.labels[k] === v))) {
      out.push({ severity: 'warning', code: 'IST0106', path: `spec.subsets[${i}]`, message: `Subset "${String(s.name)}" selects no endpoint of ${svc.hostname}` });
    }
  });
  return out;
}

/** Every finding of one resource: validation first (errors, then warnings), then analysis. */
export function analyzeEntry(e: ConfigzEntry, ctx: AnalysisContext): ConfigFinding[] {
  const v = validateResource(e.resource);
  const findings: ConfigFinding[] = [
    ...v.errors.map((i) => ({ severity: 'error' as const, code: i.code, path: i.path, message: i.message })),
    ...v.warnings.map((i) => ({ severity: 'warning' as const, code: i.code, path: i.path, message: i.message })),
  ];
  if (e.kind === 'VirtualService') findings.push(...analyzeVirtualService(e, ctx));
  if (e.kind === 'DestinationRule') findings.push(...analyzeDestinationRule(e, ctx));
  return findings;
}
